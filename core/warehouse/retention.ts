/**
 * Run retention: keep the current run and the newest `keep` published runs; delete the files of older runs
 * and of runs that never published (failed or cancelled), except `activeRunIds`: runs still being written
 * (a second refresh of the same warehouse must never lose its database to the first one's publish).
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { WarehouseLayout } from './layout.js';

export interface PruneResult {
  readonly deletedRuns: string[];
}

function runIdsOnDisk(layout: WarehouseLayout): Map<string, string[]> {
  const byRun = new Map<string, string[]>();
  let names: string[] = [];
  try {
    names = readdirSync(layout.runsDir);
  } catch {
    return byRun;
  }
  for (const name of names) {
    const match = /^(.+?)\.(duckdb|duckdb\.wal|summary\.json)$/.exec(name);
    if (!match) continue;
    const runId = match[1]!;
    byRun.set(runId, [...(byRun.get(runId) ?? []), path.join(layout.runsDir, name)]);
  }
  return byRun;
}

export function pruneRuns(layout: WarehouseLayout, options: { keep: number; currentRunId: string; activeRunIds?: readonly string[] }): PruneResult {
  const byRun = runIdsOnDisk(layout);
  const published = [...byRun.entries()]
    .filter(([, files]) => files.some((file) => file.endsWith('.summary.json')))
    .map(([runId, files]) => ({ runId, mtime: Math.max(...files.map((file) => statSync(file).mtimeMs)) }))
    .sort((a, b) => b.mtime - a.mtime || b.runId.localeCompare(a.runId));
  const keep = new Set<string>([options.currentRunId, ...published.slice(0, options.keep).map((run) => run.runId)]);
  for (const runId of options.activeRunIds ?? []) keep.add(runId);
  const deletedRuns: string[] = [];
  for (const [runId, files] of byRun) {
    if (keep.has(runId)) continue;
    for (const file of files) rmSync(file, { force: true });
    deletedRuns.push(runId);
  }
  return { deletedRuns: deletedRuns.sort() };
}
