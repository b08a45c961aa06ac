/**
 * A JSON array file given as a JSON lines source: a pretty-printed one (`[` on the first line, one object
 * per line with trailing commas, `]`) would read as a few lines that happen to be objects — the last
 * element, without its comma — and a reject for each of the others. Whether the file's first
 * non-whitespace character (after a byte order mark) is `[` is looked up here; read-source.ts decides
 * with what the reader made of the first record.
 */
import { open } from 'node:fs/promises';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const CHUNK_BYTES = 64 * 1024;
/** Leading whitespace is looked through this far; a file that long blank at the start is not an array. */
const LEADING_MAX_BYTES = 16 * 1024 * 1024;
/** JSON whitespace: space, tab, LF, CR. */
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Whether the first character of the file, a byte order mark and JSON whitespace skipped, is `[`. */
export async function startsWithArrayBracket(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    let position = 0;
    while (position < LEADING_MAX_BYTES) {
      const chunk = Buffer.alloc(CHUNK_BYTES);
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) return false;
      const start = position === 0 && chunk.subarray(0, BOM.length).equals(BOM) ? BOM.length : 0;
      for (let i = start; i < bytesRead; i++) {
        if (!WHITESPACE.has(chunk[i]!)) return chunk[i] === 0x5b;
      }
      position += bytesRead;
    }
    return false;
  } finally {
    await handle.close();
  }
}
