/**
 * The consent value vocabulary (design §4): case-insensitive, trimmed. Spaces and underscores count as
 * hyphens ("opt in", "OPT_IN" → opt-in). The numbers 1 and 0 may carry a decimal fraction of zeros
 * (`1.0`, `0.00`, `0,0`): a DOUBLE or DECIMAL column (Parquet, a JSON `0.0`) or a spreadsheet writes them
 * so, and a withdrawal written `0.0` must not be lost. No sign, no exponent, no other number: `-0`, `+1`,
 * `1e0`, `2`, `0.5` are not consent. Anything else is not consent: the row is rejected.
 */
import { trimSql } from '../sql/normalise.js';

export const GRANTED_WORDS = ['true', 'yes', 'y', '1', 'granted', 'opt-in', 'opted-in'] as const;
export const DENIED_WORDS = ['false', 'no', 'n', '0', 'denied', 'opt-out', 'opted-out', 'withdrawn', 'revoked'] as const;

/** 1 or 0 with a decimal fraction of zeros, dot or comma (`1.0`, `0,00`); the first character says which. Shared by SQL (RE2) and JavaScript. */
const ZERO_FRACTION = '^[01][.,]0+$';

/** JavaScript reading of a consent value: true, false, or undefined (not consent). */
export function parseConsentValue(raw: string | null | undefined): boolean | undefined {
  if (raw === null || raw === undefined) return undefined;
  const word = canonicalWord(raw);
  if ((GRANTED_WORDS as readonly string[]).includes(word)) return true;
  if ((DENIED_WORDS as readonly string[]).includes(word)) return false;
  if (new RegExp(ZERO_FRACTION).test(word)) return word.startsWith('1');
  return undefined;
}

function canonicalWord(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(/^[\s\u00a0\ufeff\u200b-\u200d\u2060]+|[\s\u00a0\ufeff\u200b-\u200d\u2060]+$/g, '')
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
}

const literalList = (words: readonly string[]) => words.map((word) => `'${word}'`).join(', ');

/** SQL: TRUE for granted, FALSE for denied, NULL for anything else (including NULL). */
export function consentValueSql(expression: string): string {
  return consentValueFromWordSql(`lower(${trimSql(`CAST(${expression} AS VARCHAR)`)})`);
}

/**
 * SQL: the consent reading of an already trimmed, lower-cased value (`word`, computed once by the caller).
 * The common spellings hit the plain word lists; only the rest pays for the zero-fraction test and the
 * space/underscore folding.
 * `list_contains` rather than `IN (…)`: DuckDB rewrites an IN list of this length into a hash join over
 * every row, the folding included, which cost 2× the whole reading on 4M rows.
 */
export function consentValueFromWordSql(word: string): string {
  const folded = `regexp_replace(${word}, '[\\s_]+', '-', 'g')`;
  const granted = `[${literalList(GRANTED_WORDS)}]`;
  const denied = `[${literalList(DENIED_WORDS)}]`;
  return (
    `(CASE WHEN list_contains(${granted}, ${word}) THEN TRUE WHEN list_contains(${denied}, ${word}) THEN FALSE ` +
    `WHEN regexp_matches(${word}, '${ZERO_FRACTION}') THEN starts_with(${word}, '1') ` +
    `WHEN list_contains(${granted}, ${folded}) THEN TRUE WHEN list_contains(${denied}, ${folded}) THEN FALSE ELSE NULL END)`
  );
}
