/**
 * Key normalisation (design §3) as SQL expressions over one column. Empty results become NULL so that
 * blank keys never match anything.
 */
import { quoteIdentifier } from './identifiers.js';

/**
 * Leading/trailing whitespace: every Unicode space and line/paragraph separator (\p{Z}: no-break,
 * ideographic, em, U+2028 …), vertical tab (RE2's \s lacks it), BOM and zero-width characters — the
 * same set as JavaScript's \s plus the zero-width ones (EDGE_WHITESPACE_JS).
 */
const WHITESPACE_CLASS = '[\\s\\x{000B}\\p{Z}\\x{FEFF}\\x{200B}\\x{200C}\\x{200D}\\x{2060}]';
const EDGE_WHITESPACE = `'^${WHITESPACE_CLASS}+|${WHITESPACE_CLASS}+$'`;

/**
 * SQL trimming every kind of edge whitespace from a VARCHAR expression. A value whose first and last
 * characters are printable ASCII (0x21–0x7E: no kind of whitespace) is returned as it is without the
 * regular expression, whose unanchored `…+$` alternative scans every position: most values take that path.
 */
export function trimSql(expression: string): string {
  const plain = (character: string) => `${character} > ' ' AND ${character} < chr(127)`;
  return (
    `(CASE WHEN ${plain(`(${expression})[1]`)} AND ${plain(`(${expression})[-1]`)} THEN ${expression} ` +
    `ELSE regexp_replace(${expression}, ${EDGE_WHITESPACE}, '', 'g') END)`
  );
}

/**
 * The wrappers an address arrives in from mail clients and spreadsheets are not part of it: quotes around
 * the whole value (`"bob@example.com"`, `'…'`, backticks, typographic `“…”`, German `„…“`, guillemets
 * `«…»` `‹…›`), `mailto:`, a display name with the address in angle brackets (`Bob <bob@example.com>`), a
 * sentence's trailing dot, a list's trailing `;` or `,`. A quoted local part (`"bob"@example.com`) does not
 * end in a quote and keeps its quotes. Only values holding `<`, starting `mailto:` or ending in one of
 * UNWRAP_LAST_CHARACTERS pay for the regular expressions.
 */
const WRAPPING_QUOTES = `^["'\`\u2018\u201c\u201e\u00ab\u2039]+(.*[^"'\`\u2019\u201c\u201d\u00bb\u203a])["'\`\u2019\u201c\u201d\u00bb\u203a]+$`;
/** Last characters that send a value through the unwrapping: closing quotes and the trailing punctuation TRAILING_DOTS drops. */
const UNWRAP_LAST_CHARACTERS = `"'\`\u2019\u201c\u201d\u00bb\u203a.;,`;
const EMAIL_IN_ANGLE_BRACKETS = '^[^<>]*<([^<>]*@[^<>]*)>[^<>]*$';
const MAILTO_PREFIX = '^mailto:';
const TRAILING_DOTS = '[.;,]+$';

/** email → Unicode NFC, trimmed, lower-cased, unwrapped (see above); blank → NULL. */
export function normaliseEmailSql(expression: string): string {
  const basic = `lower(${trimSql(`nfc_normalize(CAST(${expression} AS VARCHAR))`)})`;
  // Only the rare values with a wrapper take this branch: it trims with the plain regular expression,
  // because trimSql repeats its argument and nested trimSql calls would repeat `basic` exponentially.
  // A list's trailing `;`/`,` first (it may follow a closing quote), then the quotes, then the rest.
  const trim = (value: string) => `regexp_replace(${value}, ${EDGE_WHITESPACE}, '', 'g')`;
  const unquoted = trim(`regexp_replace(${trim(`regexp_replace(${basic}, '${TRAILING_DOTS}', '')`)}, '${WRAPPING_QUOTES.replaceAll("'", "''")}', '\\1')`);
  const unwrapped = trim(
    `regexp_replace(regexp_replace(regexp_replace(${unquoted}, '${EMAIL_IN_ANGLE_BRACKETS}', '\\1'), '${MAILTO_PREFIX}', ''), '${TRAILING_DOTS}', '')`,
  );
  const endsUnwrappable = `contains('${UNWRAP_LAST_CHARACTERS.replaceAll("'", "''")}', ${basic}[-1])`;
  return `nullif(CASE WHEN contains(${basic}, '<') OR starts_with(${basic}, 'mailto:') OR ${endsUnwrappable} THEN ${unwrapped} ELSE ${basic} END, '')`;
}

/**
 * Optional national numbering (config `matching.phoneCountryCode`): a phone written without `+` or `00` is
 * read as a national number of that country — its trunk prefix dropped, the country code put in front — so
 * `+44 20 7946 0958`, `0044 20 7946 0958` and `020 7946 0958` become one key, `442079460958`; unless it
 * already starts with the country code and is long enough to be international (INTERNATIONAL_MIN_NATIONAL_DIGITS).
 * The `+` counts wherever it comes before the first digit (`tel:+44 …`, `(+44) …`).
 * In SQL the two values are expressions (bound parameters).
 *
 * With or without a numbering, an international number's `(0)` — the trunk prefix written in brackets,
 * `+44 (0)20 7946 0958`, dialled only from inside the country — is not part of the number.
 */
export interface PhoneNumbering {
  readonly countryCode: string;
  readonly trunkPrefix: string;
}

/**
 * A number without `+`/`00` that starts with the country code, not with the trunk prefix, and has at least
 * this many digits after the code is already international: its `+` was lost (a numeric column, a
 * spreadsheet: `491515556666`). National numbers are written with their trunk prefix or are shorter, so
 * the code is not put in front twice. (Italian mobiles, 10 digits from 3, keep reading as national.)
 */
const INTERNATIONAL_MIN_NATIONAL_DIGITS = 9;

/** Digit strings that keep their digits-only form even with a numbering: the placeholder shapes (design §3). */
const PLACEHOLDER_SHAPES = '^(?:0+|1+|2+|3+|4+|5+|6+|7+|8+|9+|\\d{1,5}|1234567890?|0123456789)$';
const PLACEHOLDER_SHAPE_RE = new RegExp(PLACEHOLDER_SHAPES);

/** The numbering a config asks for, or undefined (digits only, design §3). NANP's trunk prefix is 1, others 0. */
export function phoneNumberingOf(matching: { readonly phoneCountryCode?: string | undefined; readonly phoneTrunkPrefix?: string | undefined }): PhoneNumbering | undefined {
  if (matching.phoneCountryCode === undefined) return undefined;
  return { countryCode: matching.phoneCountryCode, trunkPrefix: matching.phoneTrunkPrefix ?? (matching.phoneCountryCode === '1' ? '1' : '0') };
}

/** Regular expressions shared by the SQL (RE2) and its JavaScript mirror. A `+` before the first digit. */
const PLUS_FIRST = '^[^0-9+]*\\+';
/** `+` or `00` before the first other digit. */
const INTERNATIONAL_FIRST = '^[^0-9+]*(\\+|00)';
/** The trunk prefix in brackets, `(0)`. */
const BRACKETED_TRUNK = '\\(\\s*0\\s*\\)';
/** A phone written as a whole decimal number (`2125550100.0`: a DOUBLE column, a spreadsheet): the decimal part is not digits of it. */
const WHOLE_DECIMAL = '^\\s*\\+?[0-9]+[.,]0+\\s*$';
const DECIMAL_ZEROS = '[.,]0+\\s*$';
/** A number a spreadsheet turned into scientific notation (`4.91511E+12`): its digits are lost. */
const SCIENTIFIC = '^\\s*[0-9]+([.,][0-9]+)?[eE]\\+?[0-9]+\\s*$';

/** JavaScript: whether a value is a number in scientific notation (SCIENTIFIC), e.g. a CLI look-up. */
export function isScientificNotation(value: string): boolean {
  return new RegExp(SCIENTIFIC).test(value);
}

/** TRUE when the value is a number in scientific notation (SCIENTIFIC); the cheap contains() goes first. */
export function scientificNotationSql(expression: string): string {
  const text = `CAST(${expression} AS VARCHAR)`;
  return `((contains(${text}, 'E') OR contains(${text}, 'e')) AND regexp_matches(${text}, '${SCIENTIFIC}'))`;
}

/** phone → digits only; no digits (or scientific notation) → NULL. With a numbering, national numbers get the country code (see PhoneNumbering). */
export function normalisePhoneSql(expression: string, numbering?: PhoneNumbering): string {
  const text = `CAST(${expression} AS VARCHAR)`;
  // `.0` / `,0` is looked for only in values with a dot or comma, `(0)` only in values with a bracket:
  // the common case costs three contains().
  const wholeNumber = `(CASE WHEN (contains(${text}, '.') OR contains(${text}, ',')) AND regexp_matches(${text}, '${WHOLE_DECIMAL}') THEN regexp_replace(${text}, '${DECIMAL_ZEROS}', '') ELSE ${text} END)`;
  const withoutBracketedTrunk = `(CASE WHEN contains(${text}, '(') AND regexp_matches(${text}, '${INTERNATIONAL_FIRST}') THEN regexp_replace(${text}, '${BRACKETED_TRUNK}', '', 'g') ELSE ${wholeNumber} END)`;
  // Scientific notation has no number left in it: no key (it would merge everyone sharing the leading digits).
  const digits = `(CASE WHEN ${scientificNotationSql(expression)} THEN NULL ELSE nullif(regexp_replace(${withoutBracketedTrunk}, '[^0-9]', '', 'g'), '') END)`;
  if (numbering === undefined) return digits;
  const { countryCode, trunkPrefix } = numbering;
  return (
    `(CASE WHEN ${digits} IS NULL THEN NULL ` +
    `WHEN regexp_full_match(${digits}, '${PLACEHOLDER_SHAPES}') THEN ${digits} ` +
    `WHEN regexp_matches(${text}, '${PLUS_FIRST}') THEN ${digits} ` +
    `WHEN starts_with(${digits}, '00') THEN nullif(substr(${digits}, 3), '') ` +
    `WHEN (${trunkPrefix} = '' OR NOT starts_with(${digits}, ${trunkPrefix})) AND starts_with(${digits}, ${countryCode}) ` +
    `AND length(${digits}) >= length(${countryCode}) + ${INTERNATIONAL_MIN_NATIONAL_DIGITS} THEN ${digits} ` +
    `WHEN ${trunkPrefix} <> '' AND starts_with(${digits}, ${trunkPrefix}) THEN ${countryCode} || substr(${digits}, length(${trunkPrefix}) + 1) ` +
    `ELSE ${countryCode} || ${digits} END)`
  );
}

/** JavaScript mirror of EDGE_WHITESPACE. */
const EDGE_WHITESPACE_JS = /^[\s\u00a0\ufeff\u200b-\u200d\u2060]+|[\s\u00a0\ufeff\u200b-\u200d\u2060]+$/g;

/** JavaScript mirror of normaliseEmailSql (configured values). */
export function normaliseEmailValue(value: string): string | undefined {
  let normalised = value.normalize('NFC').replace(EDGE_WHITESPACE_JS, '').toLowerCase();
  if (normalised.includes('<') || normalised.startsWith('mailto:') || (normalised !== '' && UNWRAP_LAST_CHARACTERS.includes(normalised.slice(-1)))) {
    normalised = normalised
      .replace(new RegExp(TRAILING_DOTS), '')
      .replace(EDGE_WHITESPACE_JS, '')
      .replace(new RegExp(WRAPPING_QUOTES, 's'), '$1')
      .replace(EDGE_WHITESPACE_JS, '')
      .replace(new RegExp(EMAIL_IN_ANGLE_BRACKETS), '$1')
      .replace(new RegExp(MAILTO_PREFIX), '')
      .replace(new RegExp(TRAILING_DOTS), '')
      .replace(EDGE_WHITESPACE_JS, '');
  }
  return normalised === '' ? undefined : normalised;
}

/** JavaScript mirror of normalisePhoneSql (configured values, CLI look-ups); numbering values are plain digits here. */
export function normalisePhoneValue(value: string, numbering?: PhoneNumbering): string | undefined {
  const international = new RegExp(INTERNATIONAL_FIRST).test(value);
  if (isScientificNotation(value)) return undefined;
  const whole = new RegExp(WHOLE_DECIMAL).test(value) ? value.replace(new RegExp(DECIMAL_ZEROS), '') : value;
  const digits = (international ? whole.replace(new RegExp(BRACKETED_TRUNK, 'g'), '') : whole).replace(/[^0-9]/g, '');
  if (digits === '') return undefined;
  if (numbering === undefined || PLACEHOLDER_SHAPE_RE.test(digits)) return digits;
  if (new RegExp(PLUS_FIRST).test(value)) return digits;
  if (digits.startsWith('00')) return digits.slice(2) || undefined;
  const { countryCode, trunkPrefix } = numbering;
  if ((trunkPrefix === '' || !digits.startsWith(trunkPrefix)) && digits.startsWith(countryCode) && digits.length >= countryCode.length + INTERNATIONAL_MIN_NATIONAL_DIGITS) {
    return digits;
  }
  if (trunkPrefix !== '' && digits.startsWith(trunkPrefix)) return countryCode + digits.slice(trunkPrefix.length);
  return countryCode + digits;
}

export function normaliseKeySql(kind: 'email' | 'phone', column: string): string {
  const expression = quoteIdentifier(column);
  return kind === 'email' ? normaliseEmailSql(expression) : normalisePhoneSql(expression);
}
