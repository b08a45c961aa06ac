/**
 * A CSV source's text encoding (`csv.encoding`): DuckDB's reader decodes latin-1 and UTF-16 itself, and
 * counts its byte positions (`line_byte_position` of a reject) in the UTF-8 text it decoded. The scans of
 * this folder that follow those positions (blank-lines.ts, line-endings.ts) therefore read the file as
 * that UTF-8 text too (`utf8Bytes`), a byte order mark included, as the reader counts it.
 *
 * Latin-1 has no characters at 0x80–0x9F; Windows-1252 puts €, „, “, ” … there, and the reader refuses a
 * latin-1 file holding such a byte ("File is not latin-1 encoded", naming no row). `firstLatin1Control`
 * finds that byte's record, so the source's error can name the row.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { CsvEncoding } from '../config/schema.js';
import type { CsvDialect } from './csv-header.js';

const LF = 0x0a;
const CR = 0x0d;

const NODE_ENCODINGS: Record<Exclude<CsvEncoding, 'utf-8'>, BufferEncoding> = { 'latin-1': 'latin1', 'utf-16': 'utf16le' };

/** How messages name an encoding. */
export const ENCODING_NAMES: Record<CsvEncoding, string> = { 'utf-8': 'UTF-8', 'latin-1': 'latin-1', 'utf-16': 'UTF-16' };

/** The file's content as UTF-8 bytes, in chunks: the bytes themselves for UTF-8, else decoded. */
export async function* utf8Bytes(file: string, encoding: CsvEncoding): AsyncIterable<Buffer> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
  if (encoding === 'utf-8') {
    yield* stream;
    return;
  }
  const decoder = new StringDecoder(NODE_ENCODINGS[encoding]);
  for await (const chunk of stream) yield Buffer.from(decoder.write(chunk), 'utf8');
  const rest = decoder.end();
  if (rest !== '') yield Buffer.from(rest, 'utf8');
}

/** Decodes the bytes of a whole record (the header) in `encoding`; UTF-8 is decoded by the caller. */
export function decodeText(bytes: Buffer, encoding: Exclude<CsvEncoding, 'utf-8'>): string {
  return bytes.toString(NODE_ENCODINGS[encoding]);
}

export interface Latin1Control {
  /** The byte, 0x80–0x9F. */
  readonly byte: number;
  /** Records (non-blank lines outside quoted values) ended before the byte's record, the header included. */
  readonly recordsBefore: number;
}

/**
 * The first byte 0x80–0x9F of a latin-1 file, with the records before it (quote-aware: a line break inside
 * a quoted value is part of the value); undefined when there is none.
 */
export async function firstLatin1Control(file: string, dialect: CsvDialect): Promise<Latin1Control | undefined> {
  const quote = dialect.quote === '' ? -1 : dialect.quote.charCodeAt(0);
  const escape = dialect.escape === '' || dialect.escape === dialect.quote ? -1 : dialect.escape.charCodeAt(0);
  let records = 0;
  let inQuote = false;
  let skipNext = false;
  let lineStart = true;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (const byte of chunk) {
      if (byte >= 0x80 && byte <= 0x9f) return { byte, recordsBefore: records };
      if (skipNext) {
        skipNext = false;
      } else if (inQuote) {
        if (byte === escape) skipNext = true;
        else if (byte === quote) inQuote = false;
      } else if (byte === LF) {
        if (!lineStart) records += 1;
        lineStart = true;
      } else if (byte !== CR) {
        if (byte === quote) inQuote = true;
        lineStart = false;
      }
    }
  }
  return undefined;
}
