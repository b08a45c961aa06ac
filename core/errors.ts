/**
 * The few error classes of the domain core. Each carries the context a user needs to fix the problem.
 * Messages never contain row values (they may be personal data): only source names, files, row numbers,
 * column names, key paths and rule positions.
 */

/** A problem in the configuration file. `path` is the offending key path, e.g. `sources[1].keys.email`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
  }
}

/** A problem in a segment rule. `position` is the 1-based character position in the rule text. */
export class RuleError extends Error {
  override readonly name = 'RuleError';
  constructor(
    readonly segment: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super(`segment "${segment}", rule position ${position}: ${reason}`);
  }
}

/** A source that cannot be used at all (missing file, unreadable, missing mapped column). */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly source: string,
    readonly file: string,
    readonly reason: string,
    readonly column?: string,
    readonly row?: number,
  ) {
    super(
      `source "${source}" (${file})` +
        (row !== undefined ? ` row ${row}` : '') +
        (column !== undefined ? ` column "${column}"` : '') +
        `: ${reason}`,
    );
  }
}

/**
 * Another refresh of the same warehouse published while this run was built: this run's deltas and ids
 * were computed against a run that is no longer current, so it must not be published. The workflow
 * starts over (continue-as-new) against the new current run.
 */
export class RunSupersededError extends Error {
  override readonly name = 'RunSupersededError';
  constructor(
    readonly runId: string,
    readonly plannedAgainst: string | null,
    readonly currentRunId: string | null,
  ) {
    super(
      `run ${runId} was built against ${plannedAgainst ?? 'no published run'}, but another refresh of this warehouse published ${currentRunId ?? 'nothing'} meanwhile; ` +
        'it is not published (the refresh starts over against the new current run)',
    );
  }
}

/** Names of the error types that must never be retried (bad config, bad input, a superseded run). */
export const NON_RETRYABLE_ERROR_TYPES = ['ConfigError', 'RuleError', 'SourceError', 'RunSupersededError'] as const;
