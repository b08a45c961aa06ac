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

/** Names of the error types that must never be retried (bad config, bad input). */
export const NON_RETRYABLE_ERROR_TYPES = ['ConfigError', 'RuleError', 'SourceError'] as const;
