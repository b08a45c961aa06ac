/**
 * Per-statement timing of one source's import (P1 data from bench/generate-data.ts):
 *   npx tsx bench/profile-import.ts [sourceIndex] [scale]
 * Prints every SQL statement's wall time, longest first. MEMORY_LIMIT=4GB runs it as P2 does (a database
 * file under bench/out/work/profile-import, that memory limit, spilling to its temp directory).
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../core/config/load.js';
import { openInstance, withConnection } from '../core/db/connection.js';
import { importSource } from '../core/import/index.js';
import { timeEveryStatement } from './statement-timer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceIndex = Number(process.argv[2] ?? 2);
const scale = process.argv[3] ?? '1';
const config = loadConfig(path.join(here, 'out', `data-s${scale.replace('.', '_')}`, 'consent.config.yaml'));

const timings: { ms: number; sql: string }[] = [];
timeEveryStatement(({ ms, sql }) => timings.push({ ms, sql: sql.slice(0, Number(process.env.SQL_CHARS ?? 140)) }));

const memoryLimit = process.env.MEMORY_LIMIT;
let databaseFile = ':memory:';
if (memoryLimit !== undefined) {
  const work = path.join(here, 'out', 'work', 'profile-import');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  databaseFile = path.join(work, 'run.duckdb');
}
const instance = await openInstance(databaseFile, { threads: 2, memoryLimit, tempDirectory: memoryLimit === undefined ? undefined : path.join(path.dirname(databaseFile), 'tmp') });
const started = performance.now();
const result = await withConnection(instance, (c) => importSource(c, config, sourceIndex));
const total = performance.now() - started;
console.log(`source ${result.source}: ${result.rowsRead} rows read, ${result.rowsAccepted} accepted, ${result.rowsRejected} rejected in ${(total / 1000).toFixed(2)} s`);
for (const t of timings.sort((a, b) => b.ms - a.ms).slice(0, 12)) console.log(`${(t.ms / 1000).toFixed(2).padStart(7)} s  ${t.sql}`);
