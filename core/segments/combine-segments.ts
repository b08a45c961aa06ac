/**
 * Before publishing: one `segment_members`, `segment_changes` and `segment_stats` table for the whole run,
 * so the next run and the CLI read membership by segment name.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { execute } from '../db/connection.js';
import { segmentChangesTable, segmentMembersTable } from './segment-tables.js';

export async function combineSegments(connection: DuckDBConnection, config: LoadedConfig): Promise<void> {
  const params: Record<string, string> = {};
  const members: string[] = [];
  const changes: string[] = [];
  config.segments.forEach((segment, index) => {
    params[`s${index}`] = segment.name;
    members.push(`SELECT $s${index} AS segment, customer_id FROM ${segmentMembersTable(index)}`);
    changes.push(`SELECT $s${index} AS segment, customer_id, change FROM ${segmentChangesTable(index)}`);
  });
  const emptyMembers = `SELECT NULL::VARCHAR AS segment, NULL::VARCHAR AS customer_id WHERE FALSE`;
  const emptyChanges = `SELECT NULL::VARCHAR AS segment, NULL::VARCHAR AS customer_id, NULL::VARCHAR AS change WHERE FALSE`;
  await execute(connection, { sql: `CREATE OR REPLACE TABLE segment_members AS ${members.length ? members.join(' UNION ALL ') : emptyMembers}`, params });
  await execute(connection, { sql: `CREATE OR REPLACE TABLE segment_changes AS ${changes.length ? changes.join(' UNION ALL ') : emptyChanges}`, params });
  const stats = config.segments.map(
    (_, index) => `SELECT $s${index} AS segment,
        (SELECT count(*) FROM ${segmentMembersTable(index)}) AS members,
        (SELECT count(*) FROM ${segmentChangesTable(index)} WHERE change = 'added') AS added,
        (SELECT count(*) FROM ${segmentChangesTable(index)} WHERE change = 'removed') AS removed`,
  );
  const emptyStats = `SELECT NULL::VARCHAR AS segment, 0::BIGINT AS members, 0::BIGINT AS added, 0::BIGINT AS removed WHERE FALSE`;
  await execute(connection, { sql: `CREATE OR REPLACE TABLE segment_stats AS ${stats.length ? stats.join(' UNION ALL ') : emptyStats}`, params });
}
