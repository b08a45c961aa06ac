/**
 * Matching profile records into clusters (design §3), with the over-merge guard.
 *
 * - Every profile record is named by an integer node id: the `rid` column of `profile_records` (ids only
 *   name nodes; the clusters as sets, and everything derived from them, do not depend on them).
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
 * Performance: every string is grouped once. `_unify_keys` holds one row per distinct (key_kind,
 * key_value) of any record, with its placeholder flag (the regex runs once per distinct key) and its
 * holders as a list of integers; everything after that (edges, components, clusters, customer keys,
 * consent owners) works on integer ids. Most records share no key: they never enter the graph and are
 * clusters of their own (`cluster = rid`), so only merged records are listed in `_unify_merged`.
 *
 * Produces TEMP tables
 *   `_unify_keys(kid, key_kind, key_value, placeholder, holders)`: `kid` = 2·(smallest holder rid) + (0
 *     email | 1 phone), unique since a record has one email and one phone; a key only duplicate rows of a
 *     record id hold (`extra_emails` / `extra_phones`: never matching) is numbered below zero instead;
 *     `holders` = list of 2·rid + (1 when that record's source matches on this kind, else 0);
 *   `_unify_merged(rid, cluster)`: records of merged (accepted, ≥2 records) clusters, cluster = smallest rid;
 * and the run table `merge_refusals`. A record absent from `_unify_merged` is its own cluster (`cluster = rid`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryNumber } from '../db/connection.js';
import { connectedComponents, type ComponentStats } from './connected-components.js';
import { placeholderByKindSql, type PlaceholderRules } from './placeholders.js';
import { dropTempTables } from './temp-tables.js';

export interface MatchStats {
  readonly components: ComponentStats;
  readonly refusedKeys: number;
  readonly refusedClusters: number;
}

/** Holders of a key that match on it, as rids: `unnest(holders)` filtered and decoded. */
const MATCHING_HOLDERS = `SELECT kid, x // 2 AS rid FROM (SELECT kid, unnest(holders) AS x FROM _unify_keys WHERE matching >= 2) WHERE x % 2 = 1`;

export async function matchRecords(connection: DuckDBConnection, rules: PlaceholderRules, maxClusterSize: number): Promise<MatchStats> {
  const placeholder = placeholderByKindSql(rules, 'key_kind', 'key_value');
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_keys AS
          SELECT kid, key_kind, key_value, ${placeholder.sql} AS placeholder, holders, matching
          FROM (
            SELECT key_kind, key_value, min(rid) FILTER (WHERE NOT extra) * 2 + CAST(key_kind = 'phone' AS BIGINT) AS kid,
                   list(rid * 2 + CAST(matches AS BIGINT)) AS holders,
                   CAST(count(*) FILTER (WHERE matches) AS INTEGER) AS matching
            FROM (
              SELECT rid, 'email' AS key_kind, email AS key_value, coalesce(email_match, FALSE) AS matches, FALSE AS extra
              FROM profile_records WHERE email IS NOT NULL
              UNION ALL
              SELECT rid, 'phone' AS key_kind, phone AS key_value, coalesce(phone_match, FALSE) AS matches, FALSE AS extra
              FROM profile_records WHERE phone IS NOT NULL
              UNION ALL
              SELECT rid, 'email' AS key_kind, unnest(extra_emails) AS key_value, FALSE AS matches, TRUE AS extra
              FROM profile_records WHERE extra_emails IS NOT NULL
              UNION ALL
              SELECT rid, 'phone' AS key_kind, unnest(extra_phones) AS key_value, FALSE AS matches, TRUE AS extra
              FROM profile_records WHERE extra_phones IS NOT NULL
            )
            GROUP BY key_kind, key_value
          )`,
    params: placeholder.params,
  });

  // Keys only duplicate rows hold (extra_emails / extra_phones) have no kid yet: a record has one primary
  // email and phone, but may have several extra ones. They are few; numbered below zero.
  const extraOnlyKeys = await queryNumber(connection, { sql: 'SELECT count(*) FROM _unify_keys WHERE kid IS NULL' });
  if (extraOnlyKeys > 0) {
    // rowid is unique within the table: no join on the key strings, no sort.
    await execute(connection, { sql: 'UPDATE _unify_keys SET kid = -1 - rowid WHERE kid IS NULL' });
  }

  // A star per shared matching key: every matching holder linked to the smallest matching holder.
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_edges AS
          SELECT h.rid AS a, min(h.rid) OVER (PARTITION BY h.kid) AS b
          FROM (${MATCHING_HOLDERS}) h JOIN _unify_keys k ON k.kid = h.kid
          WHERE NOT k.placeholder`,
  });
  const components = await connectedComponents(connection, '_unify_edges');

  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_component_sizes AS
          SELECT component, count(*) AS size FROM _cc_components GROUP BY component`,
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_merged AS
          SELECT c.node AS rid, c.component AS cluster
          FROM _cc_components c JOIN _unify_component_sizes s ON s.component = c.component
          WHERE s.size <= $max_cluster_size`,
    params: { max_cluster_size: maxClusterSize },
  });
  const refusedClusters = await queryNumber(connection, {
    sql: 'SELECT count(*) FROM _unify_component_sizes WHERE size > $max_cluster_size',
    params: { max_cluster_size: maxClusterSize },
  });

  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE merge_refusals AS
          SELECT key_kind, key_value, reason, CAST(record_count AS INTEGER) AS record_count,
                 CAST(customer_count AS INTEGER) AS customer_count
          FROM (
            SELECT k.key_kind, k.key_value, 'placeholder' AS reason, count(*) AS record_count,
                   count(DISTINCT coalesce(m.cluster, h.rid)) AS customer_count
            FROM (${MATCHING_HOLDERS}) h
            JOIN _unify_keys k ON k.kid = h.kid
            LEFT JOIN _unify_merged m ON m.rid = h.rid
            WHERE k.placeholder
            GROUP BY k.key_kind, k.key_value
            UNION ALL
            SELECT k.key_kind, k.key_value, 'cluster too large' AS reason, count(*) AS record_count,
                   count(DISTINCT h.rid) AS customer_count
            FROM (${MATCHING_HOLDERS}) h
            JOIN _unify_keys k ON k.kid = h.kid
            JOIN _cc_components c ON c.node = h.rid
            JOIN _unify_component_sizes s ON s.component = c.component
            WHERE NOT k.placeholder AND s.size > $max_cluster_size
            GROUP BY k.key_kind, k.key_value HAVING count(*) >= 2
          )
          ORDER BY reason, key_kind, key_value`,
    params: { max_cluster_size: maxClusterSize },
  });
  const refusedKeys = await queryNumber(connection, { sql: 'SELECT count(*) FROM merge_refusals' });
  await dropTempTables(connection, ['_unify_edges', '_cc_components', '_unify_component_sizes']);
  return { components, refusedKeys, refusedClusters };
}
