/**
 * Key normalisation (design §3) as SQL expressions over one column. Empty results become NULL so that
 * blank keys never match anything.
 */
import { quoteIdentifier } from './identifiers.js';

/** Leading/trailing whitespace including no-break space, BOM and zero-width characters. */
const EDGE_WHITESPACE = `'^[\\s\\x{00A0}\\x{FEFF}\\x{200B}\\x{200C}\\x{200D}\\x{2060}]+|[\\s\\x{00A0}\\x{FEFF}\\x{200B}\\x{200C}\\x{200D}\\x{2060}]+$'`;

/** SQL trimming every kind of edge whitespace from an expression. */
export function trimSql(expression: string): string {
  return `regexp_replace(${expression}, ${EDGE_WHITESPACE}, '', 'g')`;
}

/** email → Unicode NFC, trimmed, lower-cased; blank → NULL. */
export function normaliseEmailSql(expression: string): string {
  return `nullif(lower(${trimSql(`nfc_normalize(CAST(${expression} AS VARCHAR))`)}), '')`;
}

/**
 * Optional national numbering (config `matching.phoneCountryCode`): a phone written without `+` or `00` is
 * read as a national number of that country — its trunk prefix dropped, the country code put in front — so
 * `+44 20 7946 0958`, `0044 20 7946 0958` and `020 7946 0958` become one key, `442079460958`.
 * In SQL the two values are expressions (bound parameters).
 */
export interface PhoneNumbering {
  readonly countryCode: string;
  readonly trunkPrefix: string;
}

/** Digit strings that keep their digits-only form even with a numbering: the placeholder shapes (design §3). */
const PLACEHOLDER_SHAPES = '^(?:0+|1+|2+|3+|4+|5+|6+|7+|8+|9+|\\d{1,5}|1234567890?|0123456789)$';
const PLACEHOLDER_SHAPE_RE = new RegExp(PLACEHOLDER_SHAPES);

/** The numbering a config asks for, or undefined (digits only, design §3). NANP's trunk prefix is 1, others 0. */
export function phoneNumberingOf(matching: { readonly phoneCountryCode?: string | undefined; readonly phoneTrunkPrefix?: string | undefined }): PhoneNumbering | undefined {
  if (matching.phoneCountryCode === undefined) return undefined;
  return { countryCode: matching.phoneCountryCode, trunkPrefix: matching.phoneTrunkPrefix ?? (matching.phoneCountryCode === '1' ? '1' : '0') };
}

/** phone → digits only; no digits → NULL. With a numbering, national numbers get the country code (see PhoneNumbering). */
export function normalisePhoneSql(expression: string, numbering?: PhoneNumbering): string {
  const digits = `nullif(regexp_replace(CAST(${expression} AS VARCHAR), '[^0-9]', '', 'g'), '')`;
  if (numbering === undefined) return digits;
  const { countryCode, trunkPrefix } = numbering;
  return (
    `(CASE WHEN ${digits} IS NULL THEN NULL ` +
    `WHEN regexp_full_match(${digits}, '${PLACEHOLDER_SHAPES}') THEN ${digits} ` +
    `WHEN starts_with(${trimSql(`CAST(${expression} AS VARCHAR)`)}, '+') THEN ${digits} ` +
    `WHEN starts_with(${digits}, '00') THEN nullif(substr(${digits}, 3), '') ` +
    `WHEN ${trunkPrefix} <> '' AND starts_with(${digits}, ${trunkPrefix}) THEN ${countryCode} || substr(${digits}, length(${trunkPrefix}) + 1) ` +
    `ELSE ${countryCode} || ${digits} END)`
  );
}

/** JavaScript mirror of EDGE_WHITESPACE. */
const EDGE_WHITESPACE_JS = /^[\s\u00a0\ufeff\u200b-\u200d\u2060]+|[\s\u00a0\ufeff\u200b-\u200d\u2060]+$/g;

/** JavaScript mirror of normaliseEmailSql (configured values). */
export function normaliseEmailValue(value: string): string | undefined {
  const normalised = value.normalize('NFC').replace(EDGE_WHITESPACE_JS, '').toLowerCase();
  return normalised === '' ? undefined : normalised;
}

/** JavaScript mirror of normalisePhoneSql (configured values, CLI look-ups); numbering values are plain digits here. */
export function normalisePhoneValue(value: string, numbering?: PhoneNumbering): string | undefined {
  const digits = value.replace(/[^0-9]/g, '');
  if (digits === '') return undefined;
  if (numbering === undefined || PLACEHOLDER_SHAPE_RE.test(digits)) return digits;
  if (value.replace(EDGE_WHITESPACE_JS, '').startsWith('+')) return digits;
  if (digits.startsWith('00')) return digits.slice(2) || undefined;
  const { countryCode, trunkPrefix } = numbering;
  if (trunkPrefix !== '' && digits.startsWith(trunkPrefix)) return countryCode + digits.slice(trunkPrefix.length);
  return countryCode + digits;
}

export function normaliseKeySql(kind: 'email' | 'phone', column: string): string {
  const expression = quoteIdentifier(column);
  return kind === 'email' ? normaliseEmailSql(expression) : normalisePhoneSql(expression);
}
