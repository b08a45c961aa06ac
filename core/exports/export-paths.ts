/**
 * Files of an export, all inside its configured folder:
 *   <folder>/<export>.<ext>, <folder>/<export>.manifest.json         latest published
 *   <folder>/runs/<runId>/<export>.<ext> | .added.<ext> | .removed.<ext> | .manifest.json
 * Names derive from validated export names and run ids; symlinks inside the folder are refused.
 */
import { accessSync, constants, lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { assertRunId } from '../warehouse/layout.js';

export const EXPORT_FORMATS = ['csv', 'parquet', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type ExportFileKind = 'full' | 'added' | 'removed';

export interface ExportPaths {
  readonly folder: string;
  readonly runFolder: string;
  readonly latestData: string;
  readonly latestManifest: string;
  runData(kind: ExportFileKind): string;
  readonly runManifest: string;
}

/** An export name that is safe as a file name inside its folder (no separators, no `..`). */
export function isSafeExportName(exportName: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(exportName) && !exportName.includes('..');
}

export function exportPaths(folder: string, exportName: string, runId: string, format: ExportFormat): ExportPaths {
  if (!isSafeExportName(exportName)) throw new ConfigError('exports', `unsafe export name "${exportName}"`);
  const runFolder = path.join(folder, 'runs', assertRunId(runId));
  return {
    folder,
    runFolder,
    latestData: path.join(folder, `${exportName}.${format}`),
    latestManifest: path.join(folder, `${exportName}.manifest.json`),
    runData: (kind) => path.join(runFolder, kind === 'full' ? `${exportName}.${format}` : `${exportName}.${kind}.${format}`),
    runManifest: path.join(runFolder, `${exportName}.manifest.json`),
  };
}

function refuseSymlink(target: string, exportName: string): void {
  try {
    if (lstatSync(target).isSymbolicLink()) {
      throw new ConfigError('exports', `export "${exportName}": ${target} is a symbolic link; refusing to write through it`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Creates the folders and checks that every file we will write stays inside the configured folder. */
export function prepareExportFolders(paths: ExportPaths, exportName: string): void {
  try {
    mkdirSync(paths.folder, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    throw new ConfigError('exports', `export "${exportName}": its path ${paths.folder} (or a folder above it) is a file, not a folder`);
  }
  const realFolder = realpathSync(paths.folder);
  for (const dir of [path.join(paths.folder, 'runs'), paths.runFolder]) {
    refuseSymlink(dir, exportName);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
      throw new ConfigError('exports', `export "${exportName}": ${dir} is a file where the export keeps its run folders; move it away`);
    }
    const real = realpathSync(dir);
    if (real !== realFolder && !real.startsWith(realFolder + path.sep)) {
      throw new ConfigError('exports', `export "${exportName}": ${dir} resolves outside its folder`);
    }
  }
  for (const file of [paths.latestData, paths.latestManifest, paths.runManifest, paths.runData('full'), paths.runData('added'), paths.runData('removed')]) {
    refuseSymlink(file, exportName);
    refuseFolder(file, exportName);
  }
  // Publishing replaces the latest files after the run became current: whatever would stop it there is
  // refused here, in the export stage, while nothing is published yet.
  try {
    accessSync(paths.folder, constants.W_OK);
  } catch {
    throw new ConfigError('exports', `export "${exportName}": its folder ${paths.folder} is not writable`);
  }
}

function refuseFolder(target: string, exportName: string): void {
  try {
    if (statSync(target).isDirectory()) {
      throw new ConfigError('exports', `export "${exportName}": ${target} is a folder where the export writes a file; move it away`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
