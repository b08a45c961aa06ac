/**
 * Checks a run would otherwise only make inside an activity, after the schedule was touched and a workflow
 * started: every segment rule compiles and every export's fields resolve. `npm start` and `consent
 * validate` run them first, so a bad rule or field is a config error (exit 2) naming its key.
 */
import type { LoadedConfig } from '../core/config/load.js';
import { resolveExportFields } from '../core/exports/index.js';
import { compileSegment } from '../core/segments/index.js';

export function checkConfigBeforeRun(config: LoadedConfig): void {
  config.segments.forEach((_, index) => compileSegment(config, index));
  config.exports.forEach((_, index) => resolveExportFields(config, index));
}

/** The innermost cause of a failure (workflow → activity → application failure): the message that says why. */
export function rootCauseMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
