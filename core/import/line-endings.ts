/**
 * Mixed line endings in a CSV file (CRLF lines and LF lines, as files pasted together from Windows and
 * Unix tools are): DuckDB's reader expects one kind throughout and stops with an error that names no row.
 * Only after such an error, the file is scanned (quote-aware: a line break inside a quoted value is part
 * of the value) for the first line that ends differently from the first line, so the source's error can
 * say where and why. Only CRLF against LF counts; a NUL byte means binary data and ends the search. A file in
 * another encoding is scanned as the UTF-8 text the reader decoded (csv-encoding.ts).
 */
import type { CsvEncoding } from '../config/schema.js';
import type { CsvDialect } from './csv-header.js';
import { utf8Bytes } from './csv-encoding.js';

const LF = 0x0a;
const CR = 0x0d;

export type LineEnding = 'CRLF' | 'LF';

export interface MixedLineEndings {
  /** How the first line ends. */
  readonly first: LineEnding;
  /** How the differing line ends. */
  readonly then: LineEnding;
  /** Records (non-blank lines outside quoted values) ended before the differing line, the header included. */
  readonly recordsBefore: number;
  /** The differing line is blank. */
  readonly blank: boolean;
}

/** The first line ending unlike the first line's, or undefined when every line ends alike. */
export async function findMixedLineEndings(file: string, dialect: CsvDialect, encoding: CsvEncoding = 'utf-8'): Promise<MixedLineEndings | undefined> {
  const quote = dialect.quote === '' ? -1 : dialect.quote.charCodeAt(0);
  const escape = dialect.escape === '' || dialect.escape === dialect.quote ? -1 : dialect.escape.charCodeAt(0);
  let first: LineEnding | undefined;
  let records = 0;
  let inQuote = false;
  let skipNext = false;
  let lineStart = true;
  let pendingCr = false;
  const ended = (ending: LineEnding): MixedLineEndings | undefined => {
    const blank = lineStart;
    if (first === undefined) first = ending;
    else if (ending !== first) return { first, then: ending, recordsBefore: records, blank };
    if (!blank) records += 1;
    lineStart = true;
    return undefined;
  };
  for await (const chunk of utf8Bytes(file, encoding)) {
    for (const byte of chunk) {
      // A NUL byte: binary data, not text with mixed line endings.
      if (byte === 0) return undefined;
      if (pendingCr) {
        pendingCr = false;
        if (byte === LF) {
          const mixed = ended('CRLF');
          if (mixed !== undefined) return mixed;
          continue;
        }
        lineStart = false; // a lone CR is not a line ending this check knows
      }
      if (skipNext) {
        skipNext = false;
      } else if (inQuote) {
        if (byte === escape) skipNext = true;
        else if (byte === quote) inQuote = false;
      } else if (byte === CR) {
        pendingCr = true;
      } else if (byte === LF) {
        const mixed = ended('LF');
        if (mixed !== undefined) return mixed;
      } else {
        if (byte === quote) inQuote = true;
        lineStart = false;
      }
    }
  }
  return undefined;
}
