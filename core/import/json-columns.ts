/**
 * SQL reading one mapped column out of a JSON lines object (`json`, its keys as `k`), row by row:
 *
 * - the value comes from the keys that equal the mapped name exactly or case-insensitively after
 *   trimming (`{"Email": …}` on one line and `{"email": …}` on the next are one column, as a CSV header is
 *   matched): their one non-null value (a JSON null is no value);
 * - `problem` is why the row cannot be used (NULL when it can), each a `malformed row` reject naming the
 *   column: the key twice in one object (readers disagree on which value counts), several differently
 *   spelled keys with different non-null values, the exact one's included (none is chosen over the others), or a JSON object or
 *   array (read as text it would become a key like `{"addr":"a@example.org"}`, and consent would hang on
 *   it). A string that merely looks like JSON (`"{x}"`) is a plain value.
 *
 * The keys are the objects' own, as written (`json_keys` over `read_ndjson_objects`): DuckDB's typed JSON
 * reader would instead make `email` and `EMAIL` separate columns renamed `email_1`, `EMAIL_2`.
 */
import type { KeyCandidates } from './resolve-columns.js';
import type { ParamBag } from './sql-params.js';

export interface JsonColumnSql {
  /** VARCHAR: the value as text (a JSON null or a missing key → NULL). */
  readonly value: string;
  /** VARCHAR: our own words for what makes the row unusable, or NULL. */
  readonly problem: string;
}

export const JSON_DUPLICATE_KEY = 'the key appears more than once in the object';
export const JSON_KEYS_DISAGREE = 'several keys match this column when case and surrounding spaces are ignored, with different values';

/** 'holds a JSON object, not a plain value' (or array) for a JSON value whose type is nested, else NULL. */
function nestedSql(type: string): string {
  return `CASE WHEN ${type} IN ('OBJECT', 'ARRAY') THEN 'holds a JSON ' || lower(${type}) || ', not a plain value' END`;
}

export function jsonColumnSql(keys: KeyCandidates, params: ParamBag): JsonColumnSql {
  const extract = (key: string) => `json_extract(json, ${params.text(jsonPointer(key))})`;
  const occurrences = (key: string) => `len(list_filter(k, lambda name: name = ${params.text(key)}))`;
  if (keys.loose.length === 0) {
    // The common case: one spelling throughout the file.
    const exact = keys.exact!;
    const pointer = params.text(jsonPointer(exact));
    return {
      value: `json_extract_string(json, ${pointer})`,
      problem: `CASE WHEN ${occurrences(exact)} > 1 THEN '${JSON_DUPLICATE_KEY}' ELSE ${nestedSql(`json_type(json, ${pointer})`)} END`,
    };
  }
  const exactPresent = keys.exact === undefined ? 'FALSE' : `list_contains(k, ${params.text(keys.exact)})`;
  const looseKeys = `[${keys.loose.map((key) => params.text(key)).join(', ')}]`;

  const looseNames = `list_filter(k, lambda name: list_contains(${looseKeys}, name))`;
  const duplicate =
    (keys.exact === undefined ? '' : `WHEN ${exactPresent} AND ${occurrences(keys.exact)} > 1 THEN '${JSON_DUPLICATE_KEY}' `) +
    `WHEN NOT ${exactPresent} AND len(${looseNames}) > len(list_distinct(${looseNames})) THEN '${JSON_DUPLICATE_KEY}' `;
  // Every spelling's value this row has, the exact key's first, JSON nulls left out: a row naming two
  // addresses names nobody. (Each parameter bound is used: DuckDB refuses unused ones.)
  const spellings = keys.exact === undefined ? keys.loose : [keys.exact, ...keys.loose];
  const allValues = `list_filter([${spellings.map(extract).join(', ')}], lambda v: json_type(v) <> 'NULL')`;
  const disagree = `WHEN len(list_distinct(list_transform(${allValues}, lambda v: CAST(v AS VARCHAR)))) > 1 THEN '${JSON_KEYS_DISAGREE}' `;
  // The value: the one non-null value of the row's spellings (the exact key's first); NULL when none has one.
  const chosen = `(${allValues})[1]`;
  return {
    value: `json_extract_string(${chosen}, '$')`,
    problem: `CASE ${duplicate}${disagree}ELSE ${nestedSql(`json_type(${chosen})`)} END`,
  };
}

/** RFC 6901 pointer to a top-level key. */
export function jsonPointer(key: string): string {
  return '/' + key.replaceAll('~', '~0').replaceAll('/', '~1');
}
