/** Working tables of the unify stage are connection-local TEMP tables with fixed `_`-prefixed names. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { execute } from '../db/connection.js';
import { quoteIdentifier } from '../sql/identifiers.js';

export async function dropTempTables(connection: DuckDBConnection, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await execute(connection, { sql: `DROP TABLE IF EXISTS temp.main.${quoteIdentifier(name)}` });
  }
}
