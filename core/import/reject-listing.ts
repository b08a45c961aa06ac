/**
 * Reading one source's rejects back after importSource (for `consent validate`): the first few as lines a
 * user can act on — row, column, reason, detail; never the raw value — and all of them, values included,
 * as a CSV file the user asked for.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryNumber, queryRows } from '../db/connection.js';
import { quoteLiteral } from '../sql/identifiers.js';
import { sourceTable } from './tables.js';

export interface RejectLine {
  readonly rowNo: number | null;
  readonly column: string | null;
  readonly reason: string;
  readonly detail: string | null;
}

/** The source's first `limit` rejects in row order, and how many there are in all. */
export async function firstRejects(connection: DuckDBConnection, sourceIndex: number, limit: number): Promise<{ total: number; lines: RejectLine[] }> {
  const table = sourceTable(sourceIndex, 'rejects');
  const total = await queryNumber(connection, { sql: `SELECT count(*) FROM ${table}` });
  const rows = await queryRows<{ row_no: string | null; column_name: string | null; reason: string; detail: string | null }>(connection, {
    sql: `SELECT row_no, column_name, reason, detail FROM ${table} ORDER BY row_no NULLS LAST, column_name, reason LIMIT $limit`,
    params: { limit },
  });
  return { total, lines: rows.map((row) => ({ rowNo: row.row_no === null ? null : Number(row.row_no), column: row.column_name, reason: row.reason, detail: row.detail })) };
}

/** Every reject of the given sources (values included) as one CSV file: source,row_no,column_name,reason,detail,value. */
export async function writeRejectsCsv(connection: DuckDBConnection, sourceIndexes: readonly number[], file: string): Promise<number> {
  if (sourceIndexes.length === 0) return 0;
  const all = sourceIndexes.map((index) => `SELECT ${index} AS source_order, source, row_no, column_name, reason, detail, value FROM ${sourceTable(index, 'rejects')}`);
  const [row] = await queryRows<{ Count: string }>(connection, {
    sql: `COPY (SELECT * EXCLUDE (source_order) FROM (${all.join(' UNION ALL ')}) ORDER BY source_order, row_no NULLS LAST, column_name, reason)
          TO ${quoteLiteral(file)} (FORMAT csv, HEADER true)`,
  });
  return Number(row?.Count ?? 0);
}
