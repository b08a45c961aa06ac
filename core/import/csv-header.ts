/**
 * The first record of a CSV file, parsed in JavaScript so the bulk read can run without DuckDB's
 * dialect sniffer (which gives up on small files with several malformed rows). Only the header is read
 * here — never data rows: with `header: false` only the number of fields of the first record is used.
 */
import { open } from 'node:fs/promises';

export interface CsvDialect {
  readonly delimiter: string;
  /** '' disables quoting. */
  readonly quote: string;
  /** '' when there is no escape character. */
  readonly escape: string;
}

export type FirstRecord =
  | { readonly kind: 'record'; readonly fields: string[] }
  /** The record did not end within `maxBytes` (unterminated quote or an absurdly long header). */
  | { readonly kind: 'too long' }
  | { readonly kind: 'invalid utf-8' };

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const CHUNK = 64 * 1024;

/** Reads and parses the first record of `file` (UTF-8, BOM skipped). */
export async function readFirstCsvRecord(file: string, dialect: CsvDialect, maxBytes = 4 * 1024 * 1024): Promise<FirstRecord> {
  const handle = await open(file, 'r');
  try {
    let buffer = Buffer.alloc(0);
    let eof = false;
    while (true) {
      // Each read doubles what is buffered, so re-parsing from the start stays linear in the record's size.
      const size = Math.max(CHUNK, buffer.length);
      const chunk = Buffer.alloc(size);
      const { bytesRead } = await handle.read(chunk, 0, size, buffer.length);
      buffer = Buffer.concat([buffer, chunk.subarray(0, bytesRead)]);
      eof = bytesRead < size;
      const start = buffer.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
      const text = buffer.subarray(start).toString('utf8');
      const parsed = parseFirstRecord(text, dialect, eof);
      if (parsed) {
        const consumed = Buffer.from(text.slice(0, parsed.length), 'utf8');
        // Decoding replaced invalid bytes with U+FFFD: the round trip then differs from the file's bytes.
        if (!consumed.equals(buffer.subarray(start, start + consumed.length))) return { kind: 'invalid utf-8' };
        return { kind: 'record', fields: parsed.fields };
      }
      if (eof || buffer.length >= maxBytes) return { kind: 'too long' };
    }
  } finally {
    await handle.close();
  }
}

/**
 * Parses the first record of `text`. Returns undefined when the record is not complete yet (more text is
 * needed); `length` is how many characters the record took, its line break excluded.
 */
export function parseFirstRecord(text: string, dialect: CsvDialect, atEnd: boolean): { fields: string[]; length: number } | undefined {
  const { delimiter, quote, escape } = dialect;
  const fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (inQuotes) {
      if (escape !== '' && escape !== quote && char === escape && (text[i + 1] === quote || text[i + 1] === escape)) {
        field += text[i + 1];
        i += 2;
      } else if (char === quote) {
        if (escape === quote && text[i + 1] === quote) {
          field += quote;
          i += 2;
        } else if (escape === quote && i + 1 === text.length && !atEnd) {
          return undefined; // cannot tell a closing quote from an escaped one yet
        } else {
          inQuotes = false;
          i += 1;
        }
      } else {
        field += char;
        i += 1;
      }
    } else if (text.startsWith(delimiter, i)) {
      fields.push(field);
      field = '';
      i += delimiter.length;
    } else if (quote !== '' && char === quote) {
      inQuotes = true;
      i += 1;
    } else if (char === '\n' || char === '\r') {
      fields.push(field);
      return { fields, length: i };
    } else {
      field += char;
      i += 1;
    }
  }
  if (!atEnd || inQuotes) return undefined;
  fields.push(field);
  return { fields, length: i };
}
