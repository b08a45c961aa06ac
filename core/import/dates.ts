/**
 * Consent dates as SQL: ISO-8601 dates and timestamps, read leniently where that stays unambiguous —
 * year first always: `2024-03-01`, `2024-3-1`, `20240301`; an optional time after `T` or a space
 * (`10:00`, `9:05:30.25`); an optional zone `Z`, `±hh`, `±hhmm`, `±hh:mm`, `UTC` or `GMT`, converted to UTC
 * (no zone means UTC) — else the source's `dateFormat` (strptime). Day-first or month-first text such as
 * `01/03/2024` is never guessed. The result is a TIMESTAMP in UTC, or NULL when the text cannot be read
 * as a date (an impossible date such as 2024-02-30 included). Parsing never depends on the session's TimeZone.
 */
import type { ParamBag } from './sql-params.js';

const ISO_PATTERN =
  `'^(\\d{4})(?:-(\\d{1,2})-(\\d{1,2})|(\\d{2})(\\d{2}))` +
  `(?:[Tt ]\\s*(\\d{1,2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?))?\\s*([Zz]|[+-]\\d{2}(?::?\\d{2})?|(?i:utc|gmt))?$'`;

/** The plain form `YYYY-MM-DD`: by far the most common, read by a cast instead of the full pattern's groups. */
const PLAIN_DATE_PATTERN = `'\\d{4}-\\d{2}-\\d{2}'`;

/**
 * SQL: the ISO-8601 parts of `text` as a struct {y, m, d, bm, bd, tm, o} ('' where absent; y = '' when not
 * ISO); NULL for a plain `YYYY-MM-DD` (consentDateSql casts those directly) and for NULL.
 */
export function isoPartsSql(text: string): string {
  return `(CASE WHEN regexp_full_match(${text}, ${PLAIN_DATE_PATTERN}) THEN NULL ELSE regexp_extract(${text}, ${ISO_PATTERN}, ['y', 'm', 'd', 'bm', 'bd', 'tm', 'o']) END)`;
}

/**
 * SQL: the UTC TIMESTAMP of a trimmed date text (`text`, NULL when blank) whose ISO parts were computed
 * by isoPartsSql as `parts`. `dateFormat` (config) is bound as a parameter.
 */
/** strptime directives that put a time of day into a `dateFormat`. */
const TIME_DIRECTIVE = /%[HIklMSfpTRcXsz]/;

/**
 * SQL: TRUE when a date text (trimmed, NULL when blank; `parts` from isoPartsSql) has no time of day —
 * `2024-05-01`, `20240501Z`, or a `dateFormat` without time directives — so it means "some time that day"
 * (see consent/decision-time.ts). An explicit time, `00:00:00` included, is a time. NULL for NULL.
 */
export function dateOnlySql(text: string, parts: string, dateFormat?: string): string {
  const customHasNoTime = dateFormat === undefined || !TIME_DIRECTIVE.test(dateFormat) ? 'TRUE' : 'FALSE';
  return `(CASE WHEN ${text} IS NULL THEN NULL WHEN ${parts} IS NULL THEN TRUE WHEN ${parts}.y <> '' THEN ${parts}.tm = '' ELSE ${customHasNoTime} END)`;
}

export function consentDateSql(text: string, parts: string, params: ParamBag, dateFormat?: string): string {
  const offset = `regexp_replace(${parts}.o, '[^0-9]', '', 'g')`;
  const offsetMinutes =
    `(CASE WHEN upper(${parts}.o) IN ('', 'Z', 'UTC', 'GMT') THEN 0 ` +
    `ELSE (CASE WHEN left(${parts}.o, 1) = '-' THEN -1 ELSE 1 END) * ` +
    `(CAST(substr(${offset}, 1, 2) AS INTEGER) * 60 + CAST(coalesce(nullif(substr(${offset}, 3, 2), ''), '0') AS INTEGER)) END)`;
  const day =
    `${parts}.y || '-' || lpad(coalesce(nullif(${parts}.m, ''), ${parts}.bm), 2, '0') || '-' || lpad(coalesce(nullif(${parts}.d, ''), ${parts}.bd), 2, '0')`;
  // An offset beyond ±23:59 is no offset at all (`+25:00`): the date is invalid, never shifted by it.
  const offsetInRange =
    `(upper(${parts}.o) IN ('', 'Z', 'UTC', 'GMT') OR ` +
    `(CAST(substr(${offset}, 1, 2) AS INTEGER) <= 23 AND CAST(coalesce(nullif(substr(${offset}, 3, 2), ''), '0') AS INTEGER) <= 59))`;
  const iso =
    `(CASE WHEN ${parts}.y <> '' AND ${offsetInRange} THEN ` +
    `try_cast(${day} || ' ' || coalesce(nullif(${parts}.tm, ''), '00:00:00') AS TIMESTAMP) - to_minutes(${offsetMinutes}) END)`;
  const plain = `CAST(try_cast(${text} AS DATE) AS TIMESTAMP)`;
  if (dateFormat === undefined) return `(CASE WHEN ${text} IS NULL THEN NULL WHEN ${parts} IS NULL THEN ${plain} ELSE ${iso} END)`;
  const format = params.text(dateFormat);
  // A format with a zone (%z, %Z) gives TIMESTAMPTZ: convert to UTC explicitly.
  const custom = /%[zZ]/.test(dateFormat)
    ? `timezone('UTC', CAST(try_strptime(${text}, ${format}) AS TIMESTAMPTZ))`
    : `CAST(try_strptime(${text}, ${format}) AS TIMESTAMP)`;
  return `(CASE WHEN ${text} IS NULL THEN NULL WHEN ${parts} IS NULL THEN coalesce(${plain}, ${custom}) ELSE coalesce(${iso}, ${custom}) END)`;
}
