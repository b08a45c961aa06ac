/**
 * Matching profile records into clusters (design §3), with the over-merge guard.
 *
 * - Every profile record gets an integer node id `rid` (in no particular order: ids only name nodes; the
 *   clusters as sets, and everything derived from them, do not depend on it).
 * - A record's email takes part in matching only when its source matches on email (`email_match`),
 *   likewise phone; NULL (blank) keys and placeholder keys never match.
 * - Records sharing a matching key are linked (each to the smallest rid holding that key: a star per key,
 *   so edges grow linearly), and clusters are the connected components of those links, transitively
 *   across key kinds and sources (see connected-components.ts).
 * - Over-merge guard: a component of more than `matching.maxClusterSize` records is not merged; each of
 *   its records becomes a cluster of its own. Its keys shared by ≥2 records are reported in
 *   `merge_refusals` with reason 'cluster too large'. Placeholder keys shared by ≥2 records of sources
 *   matching on that kind are reported with reason 'placeholder'. `record_count` = records holding the
 *   key, `customer_count` = distinct customers they ended up in.
 *
 * Produces TEMP tables `_unify_records` (one row per profile record with placeholder flags) and
 * `_unify_clusters(rid, cluster, refused)` (cluster = the smallest rid of the cluster), and the run
 * table `merge_refusals`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryNumber } from '../db/connection.js';
import { connectedComponents, type ComponentStats } from './connected-components.js';
import { placeholderSql, type PlaceholderRules } from './placeholders.js';
import { dropTempTables } from './temp-tables.js';

export interface MatchStats {
  readonly components: ComponentStats;
  readonly refusedKeys: number;
  readonly refusedClusters: number;
}

export async function matchRecords(connection: DuckDBConnection, rules: PlaceholderRules, maxClusterSize: number): Promise<MatchStats> {
  const emailPlaceholder = placeholderSql(rules, 'email', 'email');
  const phonePlaceholder = placeholderSql(rules, 'phone', 'phone');
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_records AS
          SELECT row_number() OVER () AS rid,
                 source, source_rank, record_id, row_no, email, phone,
                 coalesce(email_match, FALSE) AS email_match,
                 coalesce(phone_match, FALSE) AS phone_match,
                 ${emailPlaceholder.sql} AS email_placeholder,
                 ${phonePlaceholder.sql} AS phone_placeholder
          FROM profile_records`,
    params: { ...emailPlaceholder.params, ...phonePlaceholder.params },
  });

  // Keys that take part in matching: one row per (record, key kind).
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_match_keys AS
          SELECT rid, 'email' AS key_kind, email AS key_value FROM _unify_records
          WHERE email_match AND email IS NOT NULL AND NOT email_placeholder
          UNION ALL
          SELECT rid, 'phone' AS key_kind, phone AS key_value FROM _unify_records
          WHERE phone_match AND phone IS NOT NULL AND NOT phone_placeholder`,
  });
  // A star per shared key: every holder linked to the smallest holder.
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_edges AS
          SELECT k.rid AS a, g.hub AS b
          FROM _unify_match_keys k
          JOIN (SELECT key_kind, key_value, min(rid) AS hub FROM _unify_match_keys
                GROUP BY key_kind, key_value HAVING count(*) > 1) g
            ON g.key_kind = k.key_kind AND g.key_value = k.key_value
          WHERE k.rid <> g.hub`,
  });
  const components = await connectedComponents(connection, '_unify_edges');

  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_clusters AS
          SELECT rid, size > $max_cluster_size AS refused,
                 CASE WHEN size > $max_cluster_size THEN rid ELSE component END AS cluster
          FROM (
            SELECT r.rid, coalesce(c.component, r.rid) AS component,
                   count(*) OVER (PARTITION BY coalesce(c.component, r.rid)) AS size
            FROM _unify_records r LEFT JOIN _cc_components c ON c.node = r.rid
          )`,
    params: { max_cluster_size: maxClusterSize },
  });
  const refusedClusters = await queryNumber(connection, {
    sql: `SELECT count(DISTINCT c.component) FROM _cc_components c JOIN _unify_clusters u ON u.rid = c.node WHERE u.refused`,
  });

  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE merge_refusals AS
          SELECT key_kind, key_value, reason, CAST(record_count AS INTEGER) AS record_count,
                 CAST(customer_count AS INTEGER) AS customer_count
          FROM (
            SELECT k.key_kind, k.key_value, 'placeholder' AS reason, count(*) AS record_count,
                   count(DISTINCT c.cluster) AS customer_count
            FROM (
              SELECT rid, 'email' AS key_kind, email AS key_value FROM _unify_records
              WHERE email_match AND email IS NOT NULL AND email_placeholder
              UNION ALL
              SELECT rid, 'phone' AS key_kind, phone AS key_value FROM _unify_records
              WHERE phone_match AND phone IS NOT NULL AND phone_placeholder
            ) k JOIN _unify_clusters c ON c.rid = k.rid
            GROUP BY k.key_kind, k.key_value HAVING count(*) >= 2
            UNION ALL
            SELECT k.key_kind, k.key_value, 'cluster too large' AS reason, count(*) AS record_count,
                   count(DISTINCT c.cluster) AS customer_count
            FROM _unify_match_keys k JOIN _unify_clusters c ON c.rid = k.rid
            WHERE c.refused
            GROUP BY k.key_kind, k.key_value HAVING count(*) >= 2
          )
          ORDER BY reason, key_kind, key_value`,
  });
  const refusedKeys = await queryNumber(connection, { sql: 'SELECT count(*) FROM merge_refusals' });
  await dropTempTables(connection, ['_unify_match_keys', '_unify_edges', '_cc_components']);
  return { components, refusedKeys, refusedClusters };
}
