/**
 * Excel's `sep=;` first line: a CSV file saved for Excel may start with a line naming its delimiter, above
 * the header. It is not the header (read as one, the header would be a single column `sep=;`): the import
 * skips it and, when the source names no `csv.delimiter`, reads with the delimiter it names.
 */
import { open } from 'node:fs/promises';
import type { CsvEncoding } from '../config/schema.js';
import { bomLength } from './csv-header.js';

export interface ExcelSepLine {
  /** The delimiter the line names (1–4 characters, as `csv.delimiter`). */
  readonly delimiter: string;
  /** Bytes up to the header: a byte order mark, the line and its line break. */
  readonly bytes: number;
}

const NODE_ENCODINGS: Record<CsvEncoding, BufferEncoding> = { 'utf-8': 'utf8', 'latin-1': 'latin1', 'utf-16': 'utf16le' };
const SEP_LINE = /^sep=([^\r\n]{1,4})(\r\n|\n|\r)/i;

/** The file's `sep=` first line, if it has one. */
export async function readExcelSepLine(file: string, encoding: CsvEncoding): Promise<ExcelSepLine | undefined> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const bytes = head.subarray(0, bytesRead);
    const bom = bomLength(bytes, encoding);
    const text = bytes.subarray(bom, encoding === 'utf-16' ? bom + ((bytesRead - bom) & ~1) : bytesRead).toString(NODE_ENCODINGS[encoding]);
    const match = SEP_LINE.exec(text);
    if (match === null) return undefined;
    return { delimiter: match[1]!, bytes: bom + Buffer.byteLength(match[0], NODE_ENCODINGS[encoding]) };
  } finally {
    await handle.close();
  }
}
