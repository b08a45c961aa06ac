/**
 * The run clock as a bound parameter: DuckDB `TIMESTAMP` (UTC, no zone) from a JavaScript Date.
 * Use as `CAST($name AS TIMESTAMP)`.
 */
export function timestampParam(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new Error('runStartedAt is not a valid date');
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
