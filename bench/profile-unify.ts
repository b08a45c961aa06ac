/**
 * Per-statement profile of the unify stage (`unify()` in core/unify/index.ts).
 *
 *   npx tsx bench/profile-unify.ts [--scale 1] [--threads 2] [--memory-limit 4GB] [--runs 1] [--previous]
 *                                  [--explain <substring>] [--set name=value ...] [--facts-per-slice N]
 *
 * - Generates the dataset for the scale when missing (`generateDataset`, reused otherwise).
 * - Imports the sources once (`importSource` + `combineImports`) into a scratch DuckDB file and keeps only
 *   the combined tables in a cache file `bench/out/profile-unify/imported-s<scale>.duckdb`; later runs skip
 *   the import. Delete that file to re-import (e.g. after changing core/import).
 * - Each run copies the cache file and runs `unify()` on the copy through a connection wrapper that times
 *   every statement (`run`/`runAndReadAll`: wall and process CPU time), then prints them in the order they
 *   ran, plus a total. `PROFILE_UNIFY_TRACE=1` also prints each statement as it finishes (to see how far a
 *   failing run got).
 * - `--previous`: runs unify twice on the same copy, ATTACHing the first run as `prev` for the second
 *   (exercises the stable-id path); only the second run is reported.
 * - `--set name=value` (repeatable): a DuckDB setting for the timed connection, e.g.
 *   `--set preserve_insertion_order=false`, to measure a setting before adopting it.
 * - `--facts-per-slice N`: aggregate effective consent in slices of N facts (default FACTS_PER_SLICE).
 * - `--explain <substring>`: additionally prints EXPLAIN ANALYZE of the first statement whose SQL contains
 *   the substring (run on a fresh copy after the timed run, so the timings are unaffected).
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { loadConfig, type LoadedConfig } from '../core/config/load.js';
import { openInstance } from '../core/db/connection.js';
import { combineImports, importSource } from '../core/import/index.js';
import { unify } from '../core/unify/index.js';
import { generateDataset } from './generate-data.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.join(BENCH_DIR, 'out');
const PROFILE_DIR = path.join(OUT_DIR, 'profile-unify');
const COMBINED = ['profile_records', 'consent_records', 'rejects', 'source_stats'];

interface Options {
  scale: number;
  threads: number;
  memoryLimit: string | undefined;
  runs: number;
  previous: boolean;
  explain: string | undefined;
  settings: string[];
  factsPerSlice: number | undefined;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '1' },
      threads: { type: 'string', default: '2' },
      'memory-limit': { type: 'string' },
      runs: { type: 'string', default: '1' },
      previous: { type: 'boolean', default: false },
      explain: { type: 'string' },
      set: { type: 'string', multiple: true },
      'facts-per-slice': { type: 'string' },
    },
  });
  return {
    scale: Number(values.scale),
    threads: Number(values.threads),
    memoryLimit: values['memory-limit'],
    runs: Number(values.runs),
    previous: values.previous ?? false,
    explain: values.explain,
    settings: values.set ?? [],
    factsPerSlice: values['facts-per-slice'] === undefined ? undefined : Number(values['facts-per-slice']),
  };
}

const scaleTag = (scale: number) => String(scale).replace('.', '_');

interface Timing {
  readonly label: string;
  readonly sql: string;
  /** Wall time. */
  readonly ms: number;
  /** CPU time of this process (all threads) during the statement: less sensitive to other load on the machine. */
  readonly cpuMs: number;
}

/** A connection whose `run` / `runAndReadAll` record their wall time. */
/** The statement running now, for the event-loop probe. */
let running = '(between statements)';

/**
 * Reports every stall of the event loop over 2 s (a synchronous call inside the driver, GC), naming the
 * statement that was running: in a worker, a stall longer than the heartbeat timeout fails the activity.
 */
function probeEventLoop(): () => void {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > 2500) console.log(`  event loop stalled ${fmt(now - last - 500)} during: ${running}`);
    last = now;
  }, 500);
  return () => clearInterval(timer);
}

function timedConnection(connection: DuckDBConnection, timings: Timing[]): DuckDBConnection {
  const wrap =
    (method: 'run' | 'runAndReadAll') =>
    async (sql: string, params?: Record<string, DuckDBValue>) => {
      running = labelOf(sql);
      const started = performance.now();
      const cpu = process.cpuUsage();
      try {
        return params === undefined ? await connection[method](sql) : await connection[method](sql, params);
      } finally {
        const used = process.cpuUsage(cpu);
        running = '(between statements)';
        const timing = { label: labelOf(sql), sql, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
        timings.push(timing);
        if (process.env['PROFILE_UNIFY_TRACE']) console.log(`  ${fmt(timing.ms)} ${fmt(timing.cpuMs)}  ${timing.label}`);
      }
    };
  return new Proxy(connection, {
    get(target, property, receiver) {
      if (property === 'run') return wrap('run');
      if (property === 'runAndReadAll') return wrap('runAndReadAll');
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function labelOf(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  const created = /^(CREATE (?:OR REPLACE )?(?:TEMP )?(?:TABLE|VIEW) \S+|INSERT INTO \S+|DELETE FROM \S+|DROP \w+ IF EXISTS \S+|UPDATE \S+)/i.exec(flat);
  return created?.[1] ?? flat.slice(0, 90);
}

async function buildCache(config: LoadedConfig, cacheFile: string, options: Options): Promise<void> {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const scratch = path.join(PROFILE_DIR, `import-scratch-s${scaleTag(options.scale)}.duckdb`);
  const partial = `${cacheFile}.partial`;
  for (const file of [scratch, `${scratch}.wal`, partial, `${partial}.wal`]) rmSync(file, { force: true });
  const started = performance.now();
  const instance = await openInstance(scratch, { threads: options.threads, memoryLimit: options.memoryLimit, tempDirectory: path.join(PROFILE_DIR, 'tmp') });
  try {
    await Promise.all(
      config.sources.map(async (_, index) => {
        const connection = await instance.connect();
        try {
          await importSource(connection, config, index);
        } finally {
          connection.closeSync();
        }
      }),
    );
    const connection = await instance.connect();
    try {
      await combineImports(connection, config);
      // Keep only the combined tables (insertion order is preserved by CREATE TABLE AS SELECT *).
      await connection.run(`ATTACH '${partial.replaceAll("'", "''")}' AS cache`);
      for (const table of COMBINED) await connection.run(`CREATE TABLE cache.${table} AS SELECT * FROM main.${table}`);
      await connection.run('DETACH cache');
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
  renameSync(partial, cacheFile);
  for (const file of [scratch, `${scratch}.wal`]) rmSync(file, { force: true });
  console.log(`import cached in ${cacheFile} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(3).padStart(8)} s`;

async function unifyOnce(config: LoadedConfig, cacheFile: string, options: Options, run: number): Promise<Timing[]> {
  const work = path.join(PROFILE_DIR, `work-s${scaleTag(options.scale)}.duckdb`);
  const prevFile = path.join(PROFILE_DIR, `prev-s${scaleTag(options.scale)}.duckdb`);
  for (const file of [work, `${work}.wal`, prevFile, `${prevFile}.wal`]) rmSync(file, { force: true });
  copyFileSync(cacheFile, work);
  const runStartedAt = new Date('2026-11-29T00:00:00Z');
  const settings = { threads: options.threads, memoryLimit: options.memoryLimit, tempDirectory: path.join(PROFILE_DIR, 'tmp') };
  let hasPrevious = false;
  if (options.previous) {
    copyFileSync(cacheFile, prevFile);
    const prevInstance = await openInstance(prevFile, settings);
    const connection = await prevInstance.connect();
    try {
      await unify(connection, config, { runId: 'profile-prev', runStartedAt: new Date('2026-11-01T00:00:00Z'), hasPrevious: false });
    } finally {
      connection.closeSync();
      prevInstance.closeSync();
    }
    hasPrevious = true;
  }
  const instance = await openInstance(work, settings);
  const raw = await instance.connect();
  const timings: Timing[] = [];
  try {
    await raw.run(`PRAGMA threads=${options.threads}`);
    for (const setting of options.settings) {
      const match = /^([a-z_]+)=([A-Za-z0-9_.,]+)$/.exec(setting);
      if (!match) throw new Error(`--set ${setting}: expected name=value (letters, digits, _ . and ,)`);
      await raw.run(`SET ${match[1]} = '${match[2]}'`);
    }
    if (hasPrevious) await raw.run(`ATTACH '${prevFile.replaceAll("'", "''")}' AS prev (READ_ONLY)`);
    const connection = timedConnection(raw, timings);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const slicing = options.factsPerSlice === undefined ? {} : { factsPerSlice: options.factsPerSlice };
    const stopProbe = probeEventLoop();
    const result = await unify(connection, config, { runId: `profile-${run}`, runStartedAt, hasPrevious, ...slicing }).finally(stopProbe);
    const total = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const sum = (list: Timing[], key: 'ms' | 'cpuMs') => list.reduce((s, t) => s + t[key], 0);
    console.log(`\nrun ${run}: unify ${fmt(total)} wall, ${fmt((used.user + used.system) / 1000)} cpu (load ${os.loadavg()[0]!.toFixed(1)})`);
    console.log('    wall        cpu  statement');
    for (const t of timings) if (t.ms >= 5) console.log(`${fmt(t.ms)} ${fmt(t.cpuMs)}  ${t.label}`);
    const small = timings.filter((t) => t.ms < 5);
    console.log(`${fmt(sum(small, 'ms'))} ${fmt(sum(small, 'cpuMs'))}  (${small.length} statements under 5 ms)`);
    console.log(JSON.stringify(result));
  } finally {
    raw.closeSync();
    instance.closeSync();
  }
  if (options.explain !== undefined) await explain(config, cacheFile, options, timings, settings, hasPrevious ? prevFile : undefined);
  return timings;
}

/** EXPLAIN ANALYZE of the first statement containing `options.explain`, replaying the statements before it. */
async function explain(
  config: LoadedConfig,
  cacheFile: string,
  options: Options,
  timings: Timing[],
  settings: { threads: number; memoryLimit: string | undefined; tempDirectory: string },
  prevFile: string | undefined,
): Promise<void> {
  const index = timings.findIndex((t) => t.sql.includes(options.explain!));
  if (index < 0) {
    console.log(`no statement contains ${JSON.stringify(options.explain)}`);
    return;
  }
  const work = path.join(PROFILE_DIR, `explain-s${scaleTag(options.scale)}.duckdb`);
  for (const file of [work, `${work}.wal`]) rmSync(file, { force: true });
  copyFileSync(cacheFile, work);
  const instance = await openInstance(work, settings);
  const connection = await instance.connect();
  const runStartedAt = new Date('2026-11-29T00:00:00Z');
  try {
    await connection.run(`PRAGMA threads=${options.threads}`);
    if (prevFile !== undefined) await connection.run(`ATTACH '${prevFile.replaceAll("'", "''")}' AS prev (READ_ONLY)`);
    // Replay unify up to the statement through a connection that intercepts it.
    let seen = 0;
    const target = timings[index]!;
    const intercept = new Proxy(connection, {
      get(t, property, receiver) {
        if (property === 'run' || property === 'runAndReadAll') {
          return async (sql: string, params?: Record<string, DuckDBValue>) => {
            if (seen++ === index) {
              const reader = params === undefined ? await t.runAndReadAll(`EXPLAIN ANALYZE ${sql}`) : await t.runAndReadAll(`EXPLAIN ANALYZE ${sql}`, params);
              const rows = reader.getRows();
              console.log(`\nEXPLAIN ANALYZE ${target.label}\n${String(rows[0]?.[1] ?? '')}`);
              throw new Error('explained');
            }
            return params === undefined ? t[property](sql) : t[property](sql, params);
          };
        }
        const value = Reflect.get(t, property, receiver) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
      },
    });
    await unify(intercept, config, { runId: 'profile-1', runStartedAt, hasPrevious: prevFile !== undefined }).catch((error: unknown) => {
      if (!(error instanceof Error && error.message === 'explained')) throw error;
    });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const datasetDir = path.join(OUT_DIR, `data-s${scaleTag(options.scale)}`);
  const dataset = await generateDataset(datasetDir, { scale: options.scale, reuse: true, ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}) });
  const config = loadConfig(dataset.csvConfig);
  const cacheFile = path.join(PROFILE_DIR, `imported-s${scaleTag(options.scale)}.duckdb`);
  if (!existsSync(cacheFile)) await buildCache(config, cacheFile, options);
  for (let run = 1; run <= options.runs; run++) await unifyOnce(config, cacheFile, options, run);
}

await main();
