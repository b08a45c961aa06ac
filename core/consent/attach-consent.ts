/**
 * Attaching consent facts to unified customers (design §4).
 *
 * - key_kind 'record' (consent carried by a profile row): `source` is the profile source and
 *   `key_value` its record_id; the fact belongs to that record's customer (`record_customer`).
 * - key_kind 'email' / 'phone': the fact belongs to every customer owning that normalised key in
 *   `customer_keys`, whichever source the key came from and whether or not that source matches on it.
 * - Orphans (reported in `consent_orphans`, never applied):
 *     'placeholder key' — the key is a placeholder (checked first: a shared dummy address is nobody's);
 *     'no customer'     — no customer owns the key / record;
 *     'ambiguous key'   — several customers own the key (e.g. after a refused cluster) and the fact is a
 *                         grant: a grant is never spread over people it may not belong to.
 *   A denial on an ambiguous key applies to every owner (withholding is always safe).
 *
 * Produces the run table `consent_orphans(source, consent_id, row_no, key_kind, reason)` and the TEMP
 * table `_consent_attached(customer_id, purpose, granted, consent_date, source, source_rank, consent_id,
 * row_no)`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryNumber } from '../db/connection.js';
import { placeholderByKindSql, type PlaceholderRules } from '../unify/placeholders.js';
import { dropTempTables } from '../unify/temp-tables.js';

export interface AttachStats {
  readonly consentFacts: number;
  readonly attachedFacts: number;
  readonly orphanFacts: number;
}

export async function attachConsent(connection: DuckDBConnection, rules: PlaceholderRules): Promise<AttachStats> {
  const placeholder = placeholderByKindSql(rules, 'key_kind', 'key_value');
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _consent_facts AS
          SELECT row_number() OVER () AS fact_no, source, source_rank, consent_id, row_no, key_kind, key_value,
                 purpose, granted, consent_date, ${placeholder.sql} AS placeholder_key
          FROM consent_records`,
    params: placeholder.params,
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _consent_owners AS
          SELECT f.fact_no, rc.customer_id
          FROM _consent_facts f JOIN record_customer rc ON rc.source = f.source AND rc.record_id = f.key_value
          WHERE f.key_kind = 'record'
          UNION ALL
          SELECT f.fact_no, k.customer_id
          FROM _consent_facts f JOIN customer_keys k ON k.key_kind = f.key_kind AND k.key_value = f.key_value
          WHERE f.key_kind IN ('email', 'phone') AND NOT f.placeholder_key`,
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _consent_decisions AS
          SELECT f.*,
                 CASE WHEN f.placeholder_key THEN 'placeholder key'
                      WHEN coalesce(o.owners, 0) = 0 THEN 'no customer'
                      WHEN o.owners > 1 AND f.granted THEN 'ambiguous key'
                 END AS orphan_reason
          FROM _consent_facts f
          LEFT JOIN (SELECT fact_no, count(*) AS owners FROM _consent_owners GROUP BY fact_no) o ON o.fact_no = f.fact_no`,
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE consent_orphans AS
          SELECT source, consent_id, row_no, key_kind, orphan_reason AS reason
          FROM _consent_decisions WHERE orphan_reason IS NOT NULL
          ORDER BY source, row_no, consent_id`,
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _consent_attached AS
          SELECT o.customer_id, d.purpose, d.granted, d.consent_date, d.source, d.source_rank, d.consent_id, d.row_no
          FROM _consent_decisions d JOIN _consent_owners o ON o.fact_no = d.fact_no
          WHERE d.orphan_reason IS NULL`,
  });
  const consentFacts = await queryNumber(connection, { sql: 'SELECT count(*) FROM _consent_facts' });
  const orphanFacts = await queryNumber(connection, { sql: 'SELECT count(*) FROM consent_orphans' });
  await dropTempTables(connection, ['_consent_facts', '_consent_owners', '_consent_decisions']);
  return { consentFacts, attachedFacts: consentFacts - orphanFacts, orphanFacts };
}
