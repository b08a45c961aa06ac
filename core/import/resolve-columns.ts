/**
 * Matching the column names a source config maps against the columns a file actually has: exact match
 * first, then case-insensitively after trimming (headers often carry stray spaces or odd case). Several
 * case-insensitive candidates without an exact match is an error, never a guess.
 */

export type ColumnMatch =
  | { readonly kind: 'found'; readonly index: number }
  | { readonly kind: 'missing' }
  | { readonly kind: 'ambiguous'; readonly count: number };

const loose = (name: string) => name.trim().toLowerCase();

export function matchColumn(wanted: string, available: readonly string[]): ColumnMatch {
  const exact = available.indexOf(wanted);
  if (exact >= 0 && available.indexOf(wanted, exact + 1) < 0) return { kind: 'found', index: exact };
  if (exact >= 0) return { kind: 'ambiguous', count: available.filter((name) => name === wanted).length };
  const candidates = available.flatMap((name, index) => (loose(name) === loose(wanted) ? [index] : []));
  if (candidates.length === 1) return { kind: 'found', index: candidates[0]! };
  if (candidates.length === 0) return { kind: 'missing' };
  return { kind: 'ambiguous', count: candidates.length };
}

/**
 * JSON lines, where keys vary from row to row: the keys that may hold a mapped column. A row takes the
 * exact key when it has it, else any key equal to it case-insensitively after trimming (`loose`).
 */
export interface KeyCandidates {
  readonly exact: string | undefined;
  readonly loose: readonly string[];
}

export function matchingKeys(wanted: string, available: readonly string[]): KeyCandidates {
  return {
    exact: available.includes(wanted) ? wanted : undefined,
    loose: available.filter((name) => name !== wanted && loose(name) === loose(wanted)),
  };
}
