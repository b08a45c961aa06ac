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

const PRIORITY = '(r.source_rank, r.row_no)';

export async function mergeCustomers(connection: DuckDBConnection, config: LoadedConfig): Promise<void> {
  const attributes = unifiedAttributeNames(config);
  const attributeColumns = attributes.map((name) => {
    const column = allowedIdentifier(name, attributes);
    return `arg_min(p.${column}, ${PRIORITY}) FILTER (WHERE p.${column} IS NOT NULL AND trim(p.${column}) <> '') AS ${column}`;
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE customers AS
          SELECT m.customer_id,
                 arg_min(r.email, ${PRIORITY}) FILTER (WHERE r.email IS NOT NULL AND NOT r.email_placeholder) AS email,
                 arg_min(r.phone, ${PRIORITY}) FILTER (WHERE r.phone IS NOT NULL AND NOT r.phone_placeholder) AS phone,
                 ${attributeColumns.map((column) => `${column},`).join('\n                 ')}
                 list_sort(list(r.source || ':' || r.record_id)) AS source_records,
                 CAST(count(*) AS INTEGER) AS record_count
          FROM _unify_records r
          JOIN _unify_record_customer m ON m.rid = r.rid
          JOIN profile_records p ON p.source = r.source AND p.record_id = r.record_id
          GROUP BY m.customer_id`,
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE customer_keys AS
          SELECT DISTINCT m.customer_id, 'email' AS key_kind, r.email AS key_value, r.email_placeholder AS placeholder
          FROM _unify_records r JOIN _unify_record_customer m ON m.rid = r.rid
          WHERE r.email IS NOT NULL
          UNION ALL
          SELECT DISTINCT m.customer_id, 'phone' AS key_kind, r.phone AS key_value, r.phone_placeholder AS placeholder
          FROM _unify_records r JOIN _unify_record_customer m ON m.rid = r.rid
          WHERE r.phone IS NOT NULL`,
  });
}
