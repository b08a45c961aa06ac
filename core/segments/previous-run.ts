/** Questions about the previous published run, ATTACHed read-only as `prev`. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { dropTableOrView, execute, queryNumber, replaceWithView } from '../db/connection.js';
import { DORMANT_EXPORT_MEMBERS } from '../exports/export-tables.js';

/** True when `prev` is attached and has the table (or a view of that name: the combined membership is one). */
export async function previousHasTable(connection: DuckDBConnection, table: string): Promise<boolean> {
  const count = await queryNumber(connection, {
    sql: `SELECT (SELECT count(*) FROM duckdb_tables() WHERE database_name = 'prev' AND table_name = $table)
               + (SELECT count(*) FROM duckdb_views() WHERE database_name = 'prev' AND view_name = $table)`,
    params: { table },
  });
  return count > 0;
}

/**
 * The previous run's combined membership a change table is computed against, the column naming the set,
 * and for exports the membership last delivered by exports the previous run did not have (dormant-exports.ts).
 */
const PREVIOUS_MEMBERSHIP: Record<'segment_members' | 'export_members', { readonly column: string; readonly dormant?: string }> = {
  segment_members: { column: 'segment' },
  export_members: { column: 'export', dormant: DORMANT_EXPORT_MEMBERS },
};

/**
 * Writes `changes(customer_id, change)`: who was added to and removed from `members` (a table of
 * customer_id) since the previous published run, whose membership is the rows of `prev.<previous>` named
 * `name` (for an export the previous run did not have: its last delivered membership, if any). Without a previous run everyone is added: a view over the members instead of a second copy.
 * `members` and `changes` are table names the core builds; `name` is bound.
 */
export async function writeMembershipChanges(
  connection: DuckDBConnection,
  tables: { readonly members: string; readonly changes: string },
  previous: { readonly table: keyof typeof PREVIOUS_MEMBERSHIP; readonly name: string },
): Promise<void> {
  const { members, changes } = tables;
  if (!(await previousHasTable(connection, previous.table))) {
    await replaceWithView(connection, changes, `SELECT customer_id, 'added' AS change FROM ${members}`);
    return;
  }
  const { column, dormant } = PREVIOUS_MEMBERSHIP[previous.table];
  const dormantBefore =
    dormant !== undefined && (await previousHasTable(connection, dormant)) ? ` UNION ALL SELECT customer_id FROM prev.${dormant} WHERE ${column} = $name` : '';
  const before = `(SELECT customer_id FROM prev.${previous.table} WHERE ${column} = $name${dormantBefore})`;
  await dropTableOrView(connection, changes);
  await execute(connection, {
    sql: `CREATE TABLE ${changes} AS
      SELECT customer_id, 'added' AS change FROM (SELECT customer_id FROM ${members} EXCEPT SELECT customer_id FROM ${before})
      UNION ALL
      SELECT customer_id, 'removed' AS change FROM (SELECT customer_id FROM ${before} EXCEPT SELECT customer_id FROM ${members})
      ORDER BY change, customer_id`,
    params: { name: previous.name },
  });
}
