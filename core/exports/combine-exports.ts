/**
 * Before publishing: `export_members` for the whole run (the next run diffs against it; a view over the
 * per-export tables, so the rows are not written twice), the `export_stats` table, and the dormant exports'
 * last delivered membership (dormant-exports.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { execute, replaceWithView } from '../db/connection.js';
import { quoteLiteral } from '../sql/identifiers.js';
import { carryDormantExports } from './dormant-exports.js';
import { exportChangesTable, exportMembersTable } from './export-tables.js';

export async function combineExports(connection: DuckDBConnection, config: LoadedConfig, previousRunId: string | null): Promise<void> {
  const params: Record<string, string> = {};
  const members: string[] = [];
  const stats: string[] = [];
  config.exports.forEach((exportConfig, index) => {
    params[`e${index}`] = exportConfig.name;
    // A view cannot bind parameters: the name is a literal (export names are [A-Za-z0-9_.-], quoted anyway).
    members.push(`SELECT ${quoteLiteral(exportConfig.name)} AS export, customer_id FROM ${exportMembersTable(index)}`);
    stats.push(`SELECT $e${index} AS export, (SELECT count(*) FROM ${exportMembersTable(index)}) AS rows_written,
      (SELECT count(*) FROM ${exportChangesTable(index)} WHERE change = 'added') AS added,
      (SELECT count(*) FROM ${exportChangesTable(index)} WHERE change = 'removed') AS removed`);
  });
  await replaceWithView(connection, 'export_members', members.length ? members.join(' UNION ALL ') : 'SELECT NULL::VARCHAR AS export, NULL::VARCHAR AS customer_id WHERE FALSE');
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE export_stats AS ${stats.length ? stats.join(' UNION ALL ') : 'SELECT NULL::VARCHAR AS export, 0::BIGINT AS rows_written, 0::BIGINT AS added, 0::BIGINT AS removed WHERE FALSE'}`,
    params,
  });
  await carryDormantExports(connection, previousRunId);
}
