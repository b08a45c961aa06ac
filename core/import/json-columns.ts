/**
 * SQL reading one mapped column out of a JSON lines object (`json`, its keys as `k`), row by row:
 * its value, and `problem`, why the row cannot be used (NULL when it can), a `malformed row` reject naming
 * the column: the key twice in one object (readers disagree on which value counts) or a JSON object or
 * array (read as text it would become a key like `{"addr":"a@example.org"}`, and consent would hang on
 * it). A string that merely looks like JSON (`"{x}"`) is a plain value.
 */
import type { ParamBag } from './sql-params.js';

export interface JsonColumnSql {
  /** VARCHAR: the value as text (a JSON null or a missing key → NULL). */
  readonly value: string;
  /** VARCHAR: our own words for what makes the row unusable, or NULL. */
  readonly problem: string;
}

export const JSON_DUPLICATE_KEY = 'the key appears more than once in the object';

/** 'holds a JSON object, not a plain value' (or array) for a JSON value whose type is nested, else NULL. */
function nestedSql(type: string): string {
  return `CASE WHEN ${type} IN ('OBJECT', 'ARRAY') THEN 'holds a JSON ' || lower(${type}) || ', not a plain value' END`;
}

export function jsonColumnSql(key: string, params: ParamBag): JsonColumnSql {
  const pointer = params.text(jsonPointer(key));
  const occurrences = `len(list_filter(k, lambda name: name = ${params.text(key)}))`;
  return {
    value: `json_extract_string(json, ${pointer})`,
    problem: `CASE WHEN ${occurrences} > 1 THEN '${JSON_DUPLICATE_KEY}' ELSE ${nestedSql(`json_type(json, ${pointer})`)} END`,
  };
}

/** RFC 6901 pointer to a top-level key. */
export function jsonPointer(key: string): string {
  return '/' + key.replaceAll('~', '~0').replaceAll('/', '~1');
}
