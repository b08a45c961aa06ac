/**
 * Before publishing: `segment_members` and `segment_changes` for the whole run (views over the
 * per-segment tables, so the rows are not written twice) and the `segment_stats` table, so the next run
 * and the CLI read membership by segment name.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { execute, replaceWithView } from '../db/connection.js';
import { quoteLiteral } from '../sql/identifiers.js';
import { segmentChangesTable, segmentMembersTable } from './segment-tables.js';

export async function combineSegments(connection: DuckDBConnection, config: LoadedConfig): Promise<void> {
  const params: Record<string, string> = {};
  const members: string[] = [];
  const changes: string[] = [];
  config.segments.forEach((segment, index) => {
    params[`s${index}`] = segment.name;
    // A view cannot bind parameters: the name is a literal (config names are [A-Za-z0-9_.-], quoted anyway).
    members.push(`SELECT ${quoteLiteral(segment.name)} AS segment, customer_id FROM ${segmentMembersTable(index)}`);
    changes.push(`SELECT ${quoteLiteral(segment.name)} AS segment, customer_id, change FROM ${segmentChangesTable(index)}`);
  });
  const emptyMembers = `SELECT NULL::VARCHAR AS segment, NULL::VARCHAR AS customer_id WHERE FALSE`;
  const emptyChanges = `SELECT NULL::VARCHAR AS segment, NULL::VARCHAR AS customer_id, NULL::VARCHAR AS change WHERE FALSE`;
  await replaceWithView(connection, 'segment_members', members.length ? members.join(' UNION ALL ') : emptyMembers);
  await replaceWithView(connection, 'segment_changes', changes.length ? changes.join(' UNION ALL ') : emptyChanges);
  const stats = config.segments.map(
    (_, index) => `SELECT $s${index} AS segment,
        (SELECT count(*) FROM ${segmentMembersTable(index)}) AS members,
        (SELECT count(*) FROM ${segmentChangesTable(index)} WHERE change = 'added') AS added,
        (SELECT count(*) FROM ${segmentChangesTable(index)} WHERE change = 'removed') AS removed`,
  );
  const emptyStats = `SELECT NULL::VARCHAR AS segment, 0::BIGINT AS members, 0::BIGINT AS added, 0::BIGINT AS removed WHERE FALSE`;
  await execute(connection, { sql: `CREATE OR REPLACE TABLE segment_stats AS ${stats.length ? stats.join(' UNION ALL ') : emptyStats}`, params });
}
