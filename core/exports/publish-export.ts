/**
 * Publishing an export: the run's full file becomes the folder's latest file (temp + fsync + rename),
 * then the latest manifest is written last, so a manifest never points at a partial file.
 * Old run folders beyond the retention count are removed.
 */
import { copyFileSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { fsyncFile, writeFileAtomic } from '../warehouse/atomic-file.js';
import { EXPORT_FORMATS, exportPaths, prepareExportFolders, type ExportFormat } from './export-paths.js';
import type { ExportManifest } from './write-export.js';

export interface PublishedExport {
  readonly export: string;
  readonly files: string[];
  readonly prunedRuns: string[];
}

export function publishExport(config: LoadedConfig, exportIndex: number, runId: string): PublishedExport {
  const exportConfig = config.exports[exportIndex]!;
  const paths = exportPaths(exportConfig.path, exportConfig.name, runId, exportConfig.format);
  prepareExportFolders(paths, exportConfig.name);
  const manifest = JSON.parse(readFileSync(paths.runManifest, 'utf8')) as ExportManifest;
  const temp = path.join(paths.folder, `.${path.basename(paths.latestData)}.${process.pid}.tmp`);
  copyFileSync(paths.runData('full'), temp);
  fsyncFile(temp);
  renameSync(temp, paths.latestData);
  const latestName = path.basename(paths.latestData);
  const latest: ExportManifest = {
    ...manifest,
    // The latest file is replaced before this manifest: a reader that sees a checksum mismatch is between
    // the two renames and reads again — or reads `runPath`, the run's own copy, which never changes.
    files: manifest.files.map((file) => (file.kind === 'full' ? { ...file, path: latestName, runPath: file.path } : file)),
  };
  writeFileAtomic(paths.latestManifest, `${JSON.stringify(latest, null, 2)}\n`);
  removeLatestData(paths.folder, exportConfig.name, exportConfig.format);
  return { export: exportConfig.name, files: [paths.latestData, paths.latestManifest], prunedRuns: pruneExportRuns(paths.folder, config.retention.runs, runId) };
}

/**
 * Removes the export's latest data file in every format but `keep`: at publish, a format the export no
 * longer has (the config changed format), once the new manifest is in place, so the folder never offers
 * an older audience beside the current one; without `keep`, every format (retire-exports.ts).
 */
export function removeLatestData(folder: string, exportName: string, keep?: ExportFormat): void {
  for (const format of EXPORT_FORMATS) {
    if (format !== keep) rmSync(path.join(folder, `${exportName}.${format}`), { force: true });
  }
}

/** Keeps the newest `keep` run folders (always including `currentRunId`). */
export function pruneExportRuns(folder: string, keep: number, currentRunId: string): string[] {
  const runsDir = path.join(folder, 'runs');
  let entries: { name: string; mtime: number }[] = [];
  try {
    entries = readdirSync(runsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => ({ name: entry.name, mtime: statSync(path.join(runsDir, entry.name)).mtimeMs }));
  } catch {
    return [];
  }
  entries.sort((a, b) => b.mtime - a.mtime || b.name.localeCompare(a.name));
  const kept = new Set([currentRunId, ...entries.slice(0, keep).map((entry) => entry.name)]);
  const pruned = entries.filter((entry) => !kept.has(entry.name)).map((entry) => entry.name);
  for (const name of pruned) rmSync(path.join(runsDir, name), { recursive: true, force: true });
  return pruned.sort();
}
