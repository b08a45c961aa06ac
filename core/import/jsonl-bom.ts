/**
 * A JSON lines file that starts with a UTF-8 byte order mark (editors on Windows write one): DuckDB's
 * reader takes the mark as part of the first line, which then is not JSON — its record (a withdrawal, say)
 * would be rejected as malformed. The first line is read here without the mark, so the import can put
 * it back as the first record.
 */
import { open } from 'node:fs/promises';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** The first line is looked for this far; a longer one stays rejected as the reader read it. */
const FIRST_LINE_MAX_BYTES = 16 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

/** The first line's text after a leading byte order mark, or undefined when the file has no mark. */
export async function firstLineAfterBom(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    let position = 0;
    for (;;) {
      const chunk = Buffer.alloc(CHUNK_BYTES);
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
      const bytes = chunk.subarray(0, bytesRead);
      if (position === 0 && !(bytes.length >= BOM.length && bytes.subarray(0, BOM.length).equals(BOM))) return undefined;
      position += bytesRead;
      const newline = bytes.indexOf(0x0a);
      chunks.push(newline >= 0 ? bytes.subarray(0, newline) : bytes);
      total += newline >= 0 ? newline : bytesRead;
      if (newline >= 0 || bytesRead === 0) break;
      if (total > FIRST_LINE_MAX_BYTES) return undefined;
    }
    return Buffer.concat(chunks).subarray(BOM.length).toString('utf8').replace(/\r$/, '');
  } finally {
    await handle.close();
  }
}
