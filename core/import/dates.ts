/**
 * Consent dates as SQL: ISO-8601 dates and timestamps (optional `T`, fractional seconds and a `Z` / `±hh`,
 * `±hhmm`, `±hh:mm` offset, converted to UTC; no offset means UTC), else the source's `dateFormat`
 * (strptime). The result is a TIMESTAMP in UTC, or NULL when the text cannot be read as a date.
 * Parsing never depends on the session's TimeZone setting.
 */
import type { ParamBag } from './sql-params.js';

const ISO_PATTERN = `'^(\\d{4}-\\d{2}-\\d{2})(?:[Tt ](\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?)\\s*([Zz]|[+-]\\d{2}(?::?\\d{2})?)?)?$'`;

/** SQL: the ISO-8601 parts of `text` as a struct {d, tm, o} ('' where absent; d = '' when not ISO). */
export function isoPartsSql(text: string): string {
  return `regexp_extract(${text}, ${ISO_PATTERN}, ['d', 'tm', 'o'])`;
}

/**
 * SQL: the UTC TIMESTAMP of a trimmed date text (`text`, NULL when blank) whose ISO parts were computed
 * by isoPartsSql as `parts`. `dateFormat` (config) is bound as a parameter.
 */
export function consentDateSql(text: string, parts: string, params: ParamBag, dateFormat?: string): string {
  const offset = `regexp_replace(${parts}.o, '[^0-9]', '', 'g')`;
  const offsetMinutes =
    `(CASE WHEN ${parts}.o IN ('', 'Z', 'z') THEN 0 ` +
    `ELSE (CASE WHEN left(${parts}.o, 1) = '-' THEN -1 ELSE 1 END) * ` +
    `(CAST(substr(${offset}, 1, 2) AS INTEGER) * 60 + CAST(coalesce(nullif(substr(${offset}, 3, 2), ''), '0') AS INTEGER)) END)`;
  const iso =
    `(CASE WHEN ${parts}.d <> '' THEN ` +
    `try_cast(${parts}.d || ' ' || coalesce(nullif(${parts}.tm, ''), '00:00:00') AS TIMESTAMP) - to_minutes(${offsetMinutes}) END)`;
  if (dateFormat === undefined) return `(CASE WHEN ${text} IS NULL THEN NULL ELSE ${iso} END)`;
  const format = params.text(dateFormat);
  // A format with a zone (%z, %Z) gives TIMESTAMPTZ: convert to UTC explicitly.
  const custom = /%[zZ]/.test(dateFormat)
    ? `timezone('UTC', CAST(try_strptime(${text}, ${format}) AS TIMESTAMPTZ))`
    : `CAST(try_strptime(${text}, ${format}) AS TIMESTAMP)`;
  return `(CASE WHEN ${text} IS NULL THEN NULL ELSE coalesce(${iso}, ${custom}) END)`;
}
