/**
 * Unified profiles (design §3): one `customers` row per customer and every key of every member in
 * `customer_keys`.
 *
 * - email, phone and every attribute merge by source priority: the value of the member record with the
 *   lowest (source_rank, row_no) among those with a non-empty value.
 * - Placeholder emails/phones are not contact data: they are skipped for `customers.email/phone` (a
 *   customer whose only email is `test@test.com` has email NULL) but kept, flagged, in `customer_keys`.
 * - `source_records`: sorted list of 'source:record_id'; `record_count`: number of member records.
 * - Attribute columns are the unified attribute names of the profile sources in config order, first
 *   spelling wins when two sources differ only in case (DuckDB identifiers are case-insensitive); each
 *   name is validated by the config schema and quoted here.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { execute } from '../db/connection.js';
import { allowedIdentifier } from '../sql/identifiers.js';
import { placeholderSql, type PlaceholderRules } from './placeholders.js';

/** Unified attribute names across all profile sources, in config order, deduplicated case-insensitively. */
export function unifiedAttributeNames(config: Pick<LoadedConfig, 'sources'>): string[] {
  const names = new Map<string, string>();
  for (const source of config.sources) {
    if (source.type !== 'profiles') continue;
    for (const name of Object.keys(source.attributes)) {
      if (!names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
    }
  }
  return [...names.values()];
}

/**
 * Source priority of a member record as one HUGEINT: (source_rank, row_no) in lexicographic order, so
 * `arg_min` takes its fast path (no struct sort keys). Exact for any INTEGER rank and BIGINT row_no.
 */
const PRIORITY = '(CAST(p.source_rank AS HUGEINT) * 18446744073709551616 + p.row_no)';

/**
 * Writes `customers`, `customer_keys` and `shared_customer_keys`, and the TEMP table `_unify_key_clusters(kid, cluster)`: every
 * distinct (key, cluster) pair, i.e. customer_keys on integer ids (used again to attach consent).
 * Singleton clusters are written row by row; only merged clusters (`_unify_merged`) are aggregated.
 */
export async function mergeCustomers(connection: DuckDBConnection, config: LoadedConfig, rules: PlaceholderRules): Promise<void> {
  const attributes = unifiedAttributeNames(config);
  const columns = attributes.map((name) => `p.${allowedIdentifier(name, attributes)}`);
  const names = attributes.map((name) => allowedIdentifier(name, attributes));
  const nonEmpty = (column: string) => `${column} IS NOT NULL AND trim(${column}) <> ''`;
  const emailPlaceholder = placeholderSql(rules, 'email', 'p.email');
  const phonePlaceholder = placeholderSql(rules, 'phone', 'p.phone');
  const single = [
    `CASE WHEN p.email IS NOT NULL AND NOT ${emailPlaceholder.sql} THEN p.email END AS email`,
    `CASE WHEN p.phone IS NOT NULL AND NOT ${phonePlaceholder.sql} THEN p.phone END AS phone`,
    ...columns.map((column, index) => `CASE WHEN ${nonEmpty(column)} THEN ${column} END AS ${names[index]}`),
  ];
  const merged = [
    `arg_min(p.email, ${PRIORITY}) FILTER (WHERE p.email IS NOT NULL AND NOT ${emailPlaceholder.sql}) AS email`,
    `arg_min(p.phone, ${PRIORITY}) FILTER (WHERE p.phone IS NOT NULL AND NOT ${phonePlaceholder.sql}) AS phone`,
    ...columns.map((column, index) => `arg_min(${column}, ${PRIORITY}) FILTER (WHERE ${nonEmpty(column)}) AS ${names[index]}`),
  ];
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE customers AS
          SELECT i.customer_id, c.email, c.phone, ${names.map((name) => `c.${name}, `).join('')}c.source_records, c.record_count
          FROM (
            SELECT p.rid AS cluster, ${single.join(', ')},
                   [p.source || ':' || p.record_id] AS source_records, CAST(1 AS INTEGER) AS record_count
            FROM profile_records p
            WHERE p.rid NOT IN (SELECT rid FROM _unify_merged)
            UNION ALL
            SELECT m.cluster, ${merged.join(', ')},
                   list_sort(list(p.source || ':' || p.record_id)) AS source_records, CAST(count(*) AS INTEGER) AS record_count
            FROM profile_records p JOIN _unify_merged m ON m.rid = p.rid
            GROUP BY m.cluster
          ) c
          JOIN _unify_cluster_ids i ON i.cluster = c.cluster`,
    params: { ...emailPlaceholder.params, ...phonePlaceholder.params },
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_key_clusters AS
          SELECT DISTINCT h.kid, coalesce(m.cluster, h.rid) AS cluster
          FROM (SELECT kid, unnest(holders) // 2 AS rid FROM _unify_keys) h
          LEFT JOIN _unify_merged m ON m.rid = h.rid`,
  });
  // Real (non-placeholder) keys that several customers hold: usually none or few. Exports read them so they
  // never write an email or phone that a customer without consent also holds (write-export.ts).
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE shared_customer_keys AS
          SELECT i.customer_id, k.key_kind, k.key_value
          FROM (SELECT kid, cluster FROM _unify_key_clusters
                WHERE kid IN (SELECT kid FROM _unify_key_clusters GROUP BY kid HAVING count(*) > 1)) kc
          JOIN _unify_keys k ON k.kid = kc.kid AND NOT k.placeholder
          JOIN _unify_cluster_ids i ON i.cluster = kc.cluster
          ORDER BY k.key_kind, k.key_value, i.customer_id`,
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE customer_keys AS
          SELECT i.customer_id, k.key_kind, k.key_value, k.placeholder
          FROM _unify_key_clusters kc
          JOIN _unify_keys k ON k.kid = kc.kid
          JOIN _unify_cluster_ids i ON i.cluster = kc.cluster`,
  });
}
