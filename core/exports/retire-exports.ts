/**
 * Retiring the latest files of an export the config no longer has (removed, renamed, or moved to another
 * folder). Left in place, such a file would go on listing the people of its last run — including anyone
 * who withdrew since — for whatever downstream tool still reads it. So at publish, the latest data file
 * and manifest that the previous run published under a name/folder the new run does not publish to are
 * removed — the data file first, so no reader finds the old audience without its manifest. Only files
 * the previous run wrote are touched (the manifest must name that run); the per-run history folders
 * (`runs/<runId>/`) stay.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isSafeExportName } from './export-paths.js';
import { removeLatestData } from './publish-export.js';

/** An export and its absolute folder (run summaries record the folder relative to the warehouse). */
export interface PublishedExportFolder {
  readonly export: string;
  readonly folder: string;
}

export const publishedExportFoldersSchema = z.array(z.object({ export: z.string(), folder: z.string() }));

const manifestRunSchema = z.object({ runId: z.string() });

/** The exports `previous` published that `current` does not publish to the same folder. */
export function staleExports(previous: readonly PublishedExportFolder[], current: readonly PublishedExportFolder[]): PublishedExportFolder[] {
  const key = (entry: PublishedExportFolder) => `${path.resolve(entry.folder)}\u0000${entry.export}`;
  const kept = new Set(current.map(key));
  return previous.filter((entry) => !kept.has(key(entry)));
}

/**
 * Removes the latest files of each stale export whose latest manifest is `previousRunId`'s; returns the
 * exports retired. A folder or manifest that is gone, unreadable, or another run's is left alone.
 */
export function retireExports(stale: readonly PublishedExportFolder[], previousRunId: string): PublishedExportFolder[] {
  const retired: PublishedExportFolder[] = [];
  for (const entry of stale) {
    if (!isSafeExportName(entry.export)) continue;
    const manifest = path.join(entry.folder, `${entry.export}.manifest.json`);
    let runId: string;
    try {
      runId = manifestRunSchema.parse(JSON.parse(readFileSync(manifest, 'utf8'))).runId;
    } catch {
      continue;
    }
    if (runId !== previousRunId) continue;
    removeLatestData(entry.folder, entry.export);
    rmSync(manifest, { force: true });
    retired.push(entry);
  }
  return retired;
}
