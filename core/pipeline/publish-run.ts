/**
 * Publishing a run (design §1): finish its run-wide tables, close its file, write its summary, swap
 * current.json atomically, then replace each export folder's latest files; prune old runs.
 * Idempotent: publishing a run that is already current only redoes the file steps.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { LoadedConfig } from '../config/load.js';
import { faultPoint } from '../fault-points.js';
import { queryRows } from '../db/connection.js';
import { RunSupersededError } from '../errors.js';
import { appendAudit, combineExports, publishedExportFoldersSchema, publishExport, retireExports, staleExports, type PublishedExportFolder } from '../exports/index.js';
import { writeRunReport } from '../report/index.js';
import { combineSegments } from '../segments/index.js';
import { pruneRuns, readCurrentRun, readRunSummaryPart, writeCurrentRun, writeFileAtomic, type RunDatabases, type WarehouseLayout } from '../warehouse/index.js';

export interface PublishContext {
  readonly config: LoadedConfig;
  readonly layout: WarehouseLayout;
  readonly runDatabases: RunDatabases;
  readonly clock: () => Date;
}

export interface PublishedRun {
  readonly runId: string;
  readonly publishedAt: string;
  readonly exportFiles: string[];
  readonly prunedRuns: string[];
  /** Exports the previous run published and this one no longer does: their latest files were removed (retire-exports.ts). */
  readonly retiredExports: string[];
}

const summaryExportFoldersSchema = z.object({ exportFolders: publishedExportFoldersSchema.optional() });

/**
 * The exports a published run's summary lists (none for a summary written before they were recorded),
 * with absolute folders. Summaries hold folders relative to the warehouse: a project copied or moved with
 * its warehouse must never read the old location's folders as this warehouse's (and retire files there).
 */
function exportFoldersOf(layout: WarehouseLayout, warehouse: string, runId: string): PublishedExportFolder[] {
  const folders = readRunSummaryPart(layout, runId, summaryExportFoldersSchema)?.exportFolders ?? [];
  return folders.map((entry) => ({ export: entry.export, folder: path.resolve(warehouse, entry.folder) }));
}

/**
 * Two refreshes of one warehouse can overlap when one was started outside the schedule's overlap policy
 * (`consent refresh` while no schedule existed, then the schedule fired). Only the first to publish may:
 * the other was built against a run that is no longer current (its deltas would skip what the first
 * delivered, and its new customers would get second ids).
 */
function refuseSuperseded(layout: WarehouseLayout, runId: string, previousRunId: string | null): void {
  const current = readCurrentRun(layout)?.runId ?? null;
  if (current === previousRunId) return;
  // Planned without a previous run because the current one's file is gone: nothing newer was published.
  if (previousRunId === null && current !== null && !existsSync(layout.runDatabase(current))) return;
  throw new RunSupersededError(runId, previousRunId, current);
}

export async function publishRun(context: PublishContext, runId: string, previousRunId: string | null, summary: Record<string, unknown>): Promise<PublishedRun> {
  const { config, layout, runDatabases } = context;
  const alreadyCurrent = readCurrentRun(layout)?.runId === runId;
  if (!alreadyCurrent) refuseSuperseded(layout, runId, previousRunId);
  if (!alreadyCurrent) {
    await runDatabases.run(runId, previousRunId).withConnection(async (connection) => {
      await combineSegments(connection, config);
      await combineExports(connection, config, previousRunId);
      await queryRows(connection, { sql: 'CHECKPOINT' });
    });
    await runDatabases.close(runId);
  }
  const publishedAt = context.clock().toISOString();
  const exportFolders: PublishedExportFolder[] = config.exports.map((exportConfig) => ({ export: exportConfig.name, folder: path.resolve(exportConfig.path) }));
  const recordedFolders = exportFolders.map((entry) => ({ export: entry.export, folder: path.relative(config.warehouse, entry.folder) }));
  writeFileAtomic(layout.runSummary(runId), `${JSON.stringify({ ...summary, runId, previousRunId, publishedAt, exportFolders: recordedFolders }, null, 2)}\n`);
  // The audit is appended before the run becomes current: a delivery is never visible without its audit rows.
  await appendAudit(layout, config, runId, new Date(publishedAt));
  if (!alreadyCurrent) {
    // Checked again with no await before the swap: within this worker no other publish can come between.
    refuseSuperseded(layout, runId, previousRunId);
    writeCurrentRun(layout, { runId, publishedAt, previousRunId });
  }
  await faultPoint('publish.after-current');
  const exportFiles = config.exports.flatMap((_, index) => publishExport(config, index, runId).files);
  const retired = previousRunId === null ? [] : retireExports(staleExports(exportFoldersOf(layout, config.warehouse, previousRunId), exportFolders), previousRunId);
  for (const entry of retired) {
    console.warn(`run ${runId}: export "${entry.export}" no longer publishes to ${entry.folder}; its latest files there (from run ${previousRunId}) were removed`);
  }
  const retiredExports = retired.map((entry) => entry.export);
  const { deletedRuns } = pruneRuns(layout, { keep: config.retention.runs, currentRunId: runId, activeRunIds: runDatabases.openRunIds() });
  await faultPoint('publish.after');
  // The HTML run report (reports/<runId>.html, latest.html): a failure is logged, never fails the publish.
  await writeRunReport(layout, runId).catch((error: unknown) => console.warn(`run report for ${runId} not written: ${error instanceof Error ? error.message : String(error)}`));
  return { runId, publishedAt, exportFiles, prunedRuns: deletedRuns, retiredExports };
}

/** Throws a run away: closes and deletes its database and its per-run export folders. Never the current run. */
export async function discardRun(context: Omit<PublishContext, 'clock'>, runId: string): Promise<boolean> {
  const { config, layout, runDatabases } = context;
  if (readCurrentRun(layout)?.runId === runId) return false;
  await runDatabases.close(runId, { checkpoint: false });
  const file = layout.runDatabase(runId);
  for (const target of [file, `${file}.wal`, layout.runSummary(runId)]) rmSync(target, { force: true });
  for (const exportConfig of config.exports) {
    try {
      rmSync(path.join(exportConfig.path, 'runs', runId), { recursive: true, force: true });
    } catch (error) {
      // The export path is a file (the run failed on it): nothing of this run was written there.
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    }
  }
  return true;
}
