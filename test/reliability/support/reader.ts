/**
 * A separate reader process for the torn-reads test: polls the current published run of a warehouse the
 * way `consent profile` and downstream tools do, until stdin closes, and prints one JSON line per read.
 *
 *   node --import tsx test/reliability/support/reader.ts <warehouse> <export folder> <export name>
 *
 * A read: current.json → open that run read-only → counts from customers, effective_consent,
 * segment_stats / segment_members and export_stats; then the export folder's manifest, the latest file
 * it names, and the manifest again (a downstream reader's protocol: a manifest that changed under the
 * read, or a file whose sha256 is not the manifest's, is read again; both are counted and reported).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { queryRows, withConnection } from '../../../core/db/connection.js';
import { openPublishedRun, readCurrentRun, warehouseLayout } from '../../../core/warehouse/index.js';

export interface ReaderRead {
  readonly runId: string;
  readonly customers: number;
  readonly effectiveConsent: number;
  readonly purposes: number;
  readonly segmentMembers: number;
  readonly segmentMemberRows: number;
  readonly exportRowsWritten: number;
  readonly exportRunId: string;
  readonly manifestRows: number;
  readonly fileRows: number;
  readonly sha256Matches: boolean;
  /** Attempts that had to be repeated (run file gone, manifest changed under the read). */
  readonly retries: number;
  /** Attempts where the latest file did not match the manifest (the publish window between the two renames). */
  readonly shaMismatches: number;
}

interface Manifest {
  runId: string;
  rowCount: number;
  files: { kind: string; path: string; sha256: string; rows: number }[];
}

const [warehouse, exportFolder, exportName] = process.argv.slice(2);
if (!warehouse || !exportFolder || !exportName) {
  console.error('usage: reader.ts <warehouse> <export folder> <export name>');
  process.exit(2);
}
const layout = warehouseLayout(warehouse);
let stopped = false;
process.stdin.on('end', () => (stopped = true));
process.stdin.on('close', () => (stopped = true));
process.stdin.resume();

const count = (rows: { n: string }[]) => Number(rows[0]?.n ?? 0);

async function readRun(): Promise<Omit<ReaderRead, 'exportRunId' | 'manifestRows' | 'fileRows' | 'sha256Matches' | 'retries' | 'shaMismatches'>> {
  const current = readCurrentRun(layout);
  if (!current) throw new Error('no current run');
  const instance = await openPublishedRun(layout, current.runId);
  try {
    return await withConnection(instance, async (c) => {
      const n = async (sql: string, params: Record<string, string> = {}) => count(await queryRows<{ n: string }>(c, { sql, params }));
      return {
        runId: current.runId,
        customers: await n('SELECT count(*) AS n FROM customers'),
        effectiveConsent: await n('SELECT count(*) AS n FROM effective_consent'),
        purposes: await n('SELECT count(DISTINCT purpose) AS n FROM effective_consent'),
        segmentMembers: await n(`SELECT coalesce(sum(members), -1) AS n FROM segment_stats WHERE segment = 'news'`),
        segmentMemberRows: await n(`SELECT count(*) AS n FROM segment_members WHERE segment = 'news'`),
        exportRowsWritten: await n('SELECT coalesce(sum(rows_written), -1) AS n FROM export_stats WHERE export = $name', { name: exportName! }),
      };
    });
  } finally {
    instance.closeSync();
  }
}

type ExportRead = { exportRunId: string; manifestRows: number; fileRows: number; sha256Matches: boolean };

function readExport(): ExportRead | 'changed' | 'mismatch' {
  const manifestFile = path.join(exportFolder!, `${exportName}.manifest.json`);
  const before = readFileSync(manifestFile, 'utf8');
  const manifest = JSON.parse(before) as Manifest;
  const full = manifest.files.find((file) => file.kind === 'full');
  if (!full) throw new Error('manifest names no full file');
  const data = readFileSync(path.join(exportFolder!, full.path));
  if (readFileSync(manifestFile, 'utf8') !== before) return 'changed';
  const sha256Matches = createHash('sha256').update(data).digest('hex') === full.sha256;
  // A publish in progress renames the new file into place just before it writes the new manifest.
  if (!sha256Matches) return 'mismatch';
  const lines = data.toString('utf8').split('\n').filter((line) => line !== '');
  return { exportRunId: manifest.runId, manifestRows: manifest.rowCount, fileRows: lines.length - 1, sha256Matches };
}

async function oneRead(): Promise<ReaderRead> {
  let retries = 0;
  let shaMismatches = 0;
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const run = await readRun();
      const exported = readExport();
      if (typeof exported === 'object') return { ...run, ...exported, retries, shaMismatches };
      if (exported === 'mismatch') shaMismatches++;
      else retries++;
    } catch (error) {
      // The run named by current.json can be pruned between reading it and opening it: read again.
      if (attempt > 50) throw error;
      retries++;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no consistent read after 200 attempts (${shaMismatches} sha256 mismatches)`);
}

while (!stopped) {
  if (!existsSync(layout.currentFile) || !existsSync(path.join(exportFolder, `${exportName}.manifest.json`))) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    continue;
  }
  const read = await oneRead();
  process.stdout.write(`${JSON.stringify(read)}\n`);
}
