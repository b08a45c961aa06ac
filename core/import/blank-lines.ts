/**
 * Row numbers of CSV reader rejects. DuckDB's reader skips blank lines, so a kept row's number (its
 * position among the records read, see read-source.ts) does not count them — but a reject's `line`
 * does. To give both the same numbering ("row N" = the N-th record of the file, blank lines not
 * counted), each reject's number is lowered by the blank lines before it.
 *
 * Only the reject path pays for this: the file is scanned up to the last reject, in bytes, tracking
 * quoted values (a blank line inside a quoted value is part of the value, not a blank line). The scan
 * leaves a quoted value at every reject, where the reader itself resynchronised. A reject's start may
 * point into the line breaks before its row (the reader keeps blank lines in front of the next row):
 * the count is taken at the row's first other byte. A file in another encoding is scanned as the UTF-8
 * text the reader decoded (csv-encoding.ts): its positions count that text.
 */
import type { CsvEncoding } from '../config/schema.js';
import type { CsvDialect } from './csv-header.js';
import { utf8Bytes } from './csv-encoding.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * For each reject start (`line_byte_position`, ascending, distinct), the number of blank lines (empty, or
 * just `\r`) outside quoted values before it; starts with none are left out of the map.
 */
export async function blankLinesBefore(file: string, dialect: CsvDialect, rejectStarts: readonly number[], encoding: CsvEncoding = 'utf-8'): Promise<Map<number, number>> {
  const result = new Map<number, number>();
  if (rejectStarts.length === 0) return result;
  // DuckDB's quote and escape are single bytes; a multi-byte one cannot occur.
  const quote = dialect.quote === '' ? -1 : dialect.quote.charCodeAt(0);
  const escape = dialect.escape === '' || dialect.escape === dialect.quote ? -1 : dialect.escape.charCodeAt(0);
  let next = 0;
  let offset = 0;
  let blanks = 0;
  let inQuote = false;
  let skipNext = false;
  let lineStart = true;
  /** Inside a reject's leading line breaks: its count is taken at the first other byte. */
  let atReject = false;
  for await (const chunk of utf8Bytes(file, encoding)) {
    for (let i = 0; i < chunk.length; i += 1, offset += 1) {
      const byte = chunk[i]!;
      if (!atReject && rejectStarts[next]! <= offset) {
        atReject = true;
        if (inQuote || skipNext) {
          inQuote = false;
          skipNext = false;
          lineStart = true;
        }
      }
      if (atReject && byte !== LF && byte !== CR) {
        for (; next < rejectStarts.length && rejectStarts[next]! <= offset; next += 1) if (blanks > 0) result.set(rejectStarts[next]!, blanks);
        atReject = false;
        if (next === rejectStarts.length) return result;
      }
      if (skipNext) {
        skipNext = false;
      } else if (inQuote) {
        if (byte === escape) skipNext = true;
        else if (byte === quote) inQuote = false; // a doubled quote closes and reopens: the same state
      } else if (byte === LF) {
        if (lineStart) blanks += 1;
        lineStart = true;
      } else if (byte !== CR) {
        if (byte === quote) inQuote = true;
        lineStart = false;
      }
    }
  }
  for (; next < rejectStarts.length; next += 1) if (blanks > 0) result.set(rejectStarts[next]!, blanks);
  return result;
}
