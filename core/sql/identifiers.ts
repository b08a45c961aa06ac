/**
 * Identifiers in generated SQL: every name is checked against an allow-list first, then quoted.
 * Nothing a user writes is ever interpolated into SQL text without passing through here.
 */

/** Quotes an identifier for DuckDB (double quotes, embedded quotes doubled). */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\u0000')) throw new Error('invalid SQL identifier');
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes `name` only if it is one of `allowed` (exact match); throws otherwise. */
export function allowedIdentifier(name: string, allowed: Iterable<string>): string {
  for (const candidate of allowed) {
    if (candidate === name) return quoteIdentifier(name);
  }
  throw new Error(`identifier "${name}" is not allow-listed`);
}

/** A string literal, for the few places DuckDB does not accept parameters (e.g. COPY targets, ATTACH paths). */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('invalid SQL literal');
  return `'${value.replaceAll("'", "''")}'`;
}
