/** Working tables (and views) of the unify stage are connection-local TEMP objects with fixed `_`-prefixed names. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { execute } from '../db/connection.js';
import { quoteIdentifier } from '../sql/identifiers.js';

export async function dropTempTables(connection: DuckDBConnection, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await execute(connection, { sql: `DROP TABLE IF EXISTS temp.main.${quoteIdentifier(name)}` });
  }
}

export async function dropTempViews(connection: DuckDBConnection, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await execute(connection, { sql: `DROP VIEW IF EXISTS temp.main.${quoteIdentifier(name)}` });
  }
}
