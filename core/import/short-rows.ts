/**
 * CSV rows with fewer columns than the header (a trailing optional field simply left off, as in
 * `5,carl@example.com,Newsletter,no` under a header that ends with a date): the missing trailing columns
 * are read as blank, so the row is used — rejecting it as `malformed row` would lose a readable withdrawal.
 * A row with more columns than the header stays a reject (a stray delimiter: no way to know which value
 * shifted), and so do two kinds of short row that are no such thing: a single field (a row written with
 * another delimiter, a line of free text) and a short last row with no line break after it (a file cut off
 * while it was written: its last value may be cut too).
 *
 * DuckDB's `null_padding` is not used: it needs `parallel = false` for files with quoted line breaks (every
 * file would be read on one thread), and with it an unterminated quote takes the following rows into its
 * own without any error, so they would vanish. Instead the reader's `MISSING COLUMNS` rejects — records it
 * read completely, each error of the record a missing column — are parsed here with the same dialect
 * (csv-header.ts), and kept when the parse agrees with the reader on the number of fields. These are few
 * rows (rejects), so they go through JavaScript like the reader's other rejects do.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryRows } from '../db/connection.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { parseFirstRecord, type CsvDialect } from './csv-header.js';

export interface ShortRowsInput {
  /** The reader's errors, `line` counting records (read-source.ts). */
  readonly errorLines: string;
  /** Lines before the first data row (header, an Excel `sep=` line). */
  readonly headerLines: number;
  readonly dialect: CsvDialect;
  /** Columns of the file (the header's, or the first record's). */
  readonly columnCount: number;
  /** The file columns kept (positions), each stored as `c<position>`. */
  readonly positions: readonly number[];
  /** The TEMP table to create: `row_no` and one VARCHAR `c<position>` per kept position. */
  readonly table: string;
  /** The last row's number when the file does not end with a line break (it may be cut off), else undefined. */
  readonly cutOffRow: number | undefined;
}

/** Creates `table` with the short rows, blank-padded; returns how many there are. */
export async function padShortRows(connection: DuckDBConnection, input: ShortRowsInput): Promise<number> {
  const { errorLines, headerLines, dialect, columnCount, positions, table, cutOffRow } = input;
  const short = await queryRows<{ row_no: string; record: string; found: string }>(connection, {
    sql: `SELECT CAST(line AS BIGINT) - ${headerLines} AS row_no,
                 regexp_replace(regexp_replace(any_value(csv_line), '^[\\r\\n]+', ''), '[\\r\\n]+$', '') AS record,
                 min(TRY_CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS BIGINT)) AS found
          FROM ${errorLines}
          GROUP BY line
          HAVING bool_and(error_type = 'MISSING COLUMNS')
          ORDER BY row_no`,
  });
  const rows: { rowNo: bigint; fields: string[] }[] = [];
  for (const row of short) {
    const parsed = parseFirstRecord(row.record, dialect, true);
    // Only a record parsed whole, into as many fields as the reader found: anything else stays a reject.
    if (parsed === undefined || parsed.length !== row.record.length) continue;
    if (parsed.fields.length !== Number(row.found) || parsed.fields.length >= columnCount) continue;
    if (parsed.fields.length < 2 || Number(row.row_no) === cutOffRow) continue;
    rows.push({ rowNo: BigInt(row.row_no), fields: parsed.fields });
  }
  if (rows.length === 0) return 0;
  const kept = [...new Set(positions)];
  const columns = kept.map((position) => `${quoteIdentifier(`c${position}`)} VARCHAR`).join(', ');
  await execute(connection, { sql: `CREATE TEMP TABLE ${quoteIdentifier(table)} (row_no BIGINT, ${columns})` });
  const appender = await connection.createAppender(table, 'main', 'temp');
  for (const { rowNo, fields } of rows) {
    appender.appendBigInt(rowNo);
    for (const position of kept) {
      // As the reader reads them: an empty field (quoted or not) is NULL, and so is a missing one.
      const value = fields[position];
      if (value === undefined || value === '') appender.appendNull();
      else appender.appendVarchar(value);
    }
    appender.endRow();
  }
  appender.closeSync();
  return rows.length;
}
