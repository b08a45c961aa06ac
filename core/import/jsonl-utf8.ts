/**
 * A JSON lines file with a line that is not UTF-8 (JSON text is UTF-8): DuckDB's reader reads such a line
 * as no record at all, like a line that is not JSON. Rejecting it row by row would drop every line that
 * merely holds an umlaut (a whole file written in another encoding), withdrawals included, so the source
 * fails instead, naming the first such line. Only run when the reader found unreadable lines.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';

const LF = 0x0a;
/** Bytes of a line the reader skips as blank: space, tab, CR. */
const BLANK = new Set([0x20, 0x09, 0x0d]);

/** The record number (non-blank lines, 1-based) of the first line that is not valid UTF-8, if any. */
export async function firstNonUtf8Line(file: string): Promise<number | undefined> {
  let records = 0;
  let carry = Buffer.alloc(0);
  const check = (line: Buffer): boolean => {
    if (line.every((byte) => BLANK.has(byte))) return true;
    records += 1;
    return isUtf8(line);
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let start = 0;
    for (let end = data.indexOf(LF, start); end >= 0; end = data.indexOf(LF, start)) {
      if (!check(data.subarray(start, end))) return records;
      start = end + 1;
    }
    carry = Buffer.from(data.subarray(start));
  }
  if (!check(carry)) return records;
  return undefined;
}
