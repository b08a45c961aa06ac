/** Questions about the previous published run, ATTACHed read-only as `prev`. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryNumber } from '../db/connection.js';

/** True when `prev` is attached and has the table (or a view of that name: the combined membership is one). */
export async function previousHasTable(connection: DuckDBConnection, table: string): Promise<boolean> {
  const count = await queryNumber(connection, {
    sql: `SELECT (SELECT count(*) FROM duckdb_tables() WHERE database_name = 'prev' AND table_name = $table)
               + (SELECT count(*) FROM duckdb_views() WHERE database_name = 'prev' AND view_name = $table)`,
    params: { table },
  });
  return count > 0;
}
