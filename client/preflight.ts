/**
 * Checks a run would otherwise only make inside an activity, after the schedule was touched and a workflow
 * started: every segment rule compiles and every export's fields resolve. `npm start` and `consent
 * validate` run them first, so a bad rule or field is a config error (exit 2) naming its key.
 */
import { statSync } from 'node:fs';
import type { LoadedConfig } from '../core/config/load.js';
import { ConfigError } from '../core/errors.js';
import { resolveExportFields } from '../core/exports/index.js';
import { findPurpose } from '../core/config/schema.js';
import { compileSegment, segmentGrantedPurposes } from '../core/segments/index.js';

export function checkConfigBeforeRun(config: LoadedConfig): void {
  config.segments.forEach((_, index) => compileSegment(config, index));
  config.exports.forEach((_, index) => resolveExportFields(config, index));
  config.exports.forEach((exportConfig, index) => refuseFileAsExportFolder(exportConfig.path, index));
}

/** An export's path that exists as a file (not a folder) would fail the refresh in its export stage: said up front. */
function refuseFileAsExportFolder(folder: string, index: number): void {
  let isFile = false;
  try {
    isFile = !statSync(folder).isDirectory();
  } catch {
    return; // not there yet: the refresh creates it
  }
  if (isFile) throw new ConfigError(`exports[${index}].path`, `${folder} is a file, not a folder`);
}

/**
 * Legal but probably unintended: an export guarded by one purpose whose segment selects on consent to
 * others (only customers who consent to both are written). Notes for the user, never errors.
 */
export function configNotes(config: LoadedConfig): string[] {
  const notes: string[] = [];
  config.exports.forEach((exportConfig) => {
    const guard = findPurpose(config, exportConfig.purpose);
    const segmentIndex = config.segments.findIndex((segment) => segment.name === exportConfig.segment);
    if (guard === undefined || segmentIndex < 0) return;
    const selected = segmentGrantedPurposes(config, segmentIndex);
    if (selected.length > 0 && !selected.includes(guard)) {
      notes.push(
        `export "${exportConfig.name}" is guarded by ${guard}, but its segment "${exportConfig.segment}" selects on ${selected.join(', ')}: ` +
          `only customers who also granted ${guard} are written`,
      );
    }
  });
  return notes;
}
