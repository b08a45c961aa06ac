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

/** phone → digits only; no digits → NULL. */
export function normalisePhoneSql(expression: string): string {
  return `nullif(regexp_replace(CAST(${expression} AS VARCHAR), '[^0-9]', '', 'g'), '')`;
}

export function normaliseKeySql(kind: 'email' | 'phone', column: string): string {
  const expression = quoteIdentifier(column);
  return kind === 'email' ? normaliseEmailSql(expression) : normalisePhoneSql(expression);
}
