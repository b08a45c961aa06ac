/**
 * The first record of a CSV file, parsed in JavaScript so the bulk read can run without DuckDB's
 * dialect sniffer (which gives up on small files with several malformed rows). Only the header is read
 * here — never data rows: with `header: false` only the number of fields of the first record is used.
 */
import { open } from 'node:fs/promises';
import type { CsvEncoding } from '../config/schema.js';
import { decodeText } from './csv-encoding.js';

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
  | { readonly kind: 'invalid utf-8' }
  /** A UTF-16 big-endian byte order mark: DuckDB's reader decodes UTF-16 little-endian only. */
  | { readonly kind: 'utf-16 big-endian' };

export interface FirstRecordOptions {
  /** The file's encoding (default utf-8). */
  readonly encoding?: CsvEncoding;
  /** Where the record starts (bytes; after a byte order mark and an Excel `sep=` line, see excel-sep.ts). */
  readonly from?: number;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);
const UTF16BE_BOM = Buffer.from([0xfe, 0xff]);
const CHUNK = 64 * 1024;

/** How many bytes of `buffer` a byte order mark of `encoding` takes (0 without one). */
export function bomLength(buffer: Buffer, encoding: CsvEncoding): number {
  if (encoding === 'utf-8') return buffer.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
  if (encoding === 'utf-16') return buffer.subarray(0, 2).equals(UTF16LE_BOM) ? 2 : 0;
  return 0;
}

/** Reads and parses the first record of `file` (UTF-8 unless told otherwise, a byte order mark skipped). */
export async function readFirstCsvRecord(file: string, dialect: CsvDialect, maxBytes = 4 * 1024 * 1024, options: FirstRecordOptions = {}): Promise<FirstRecord> {
  const encoding = options.encoding ?? 'utf-8';
  const from = options.from ?? 0;
  const handle = await open(file, 'r');
  try {
    let buffer = Buffer.alloc(0);
    let eof = false;
    while (true) {
      // Each read doubles what is buffered, so re-parsing from the start stays linear in the record's size.
      const size = Math.max(CHUNK, buffer.length);
      const chunk = Buffer.alloc(size);
      const { bytesRead } = await handle.read(chunk, 0, size, from + buffer.length);
      buffer = Buffer.concat([buffer, chunk.subarray(0, bytesRead)]);
      eof = bytesRead < size;
      if (from === 0 && encoding === 'utf-16' && buffer.subarray(0, 2).equals(UTF16BE_BOM)) return { kind: 'utf-16 big-endian' };
      const start = from === 0 ? bomLength(buffer, encoding) : 0;
      // UTF-16 is decoded in whole code units; a character split at the end of the buffer waits for the next read.
      const end = encoding === 'utf-16' ? start + ((buffer.length - start) & ~1) : buffer.length;
      const text = encoding === 'utf-8' ? buffer.subarray(start).toString('utf8') : decodeText(buffer.subarray(start, end), encoding);
      const parsed = parseFirstRecord(text, dialect, eof);
      if (parsed) {
        if (encoding === 'utf-8') {
          const consumed = Buffer.from(text.slice(0, parsed.length), 'utf8');
          // Decoding replaced invalid bytes with U+FFFD: the round trip then differs from the file's bytes.
          if (!consumed.equals(buffer.subarray(start, start + consumed.length))) return { kind: 'invalid utf-8' };
        }
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
