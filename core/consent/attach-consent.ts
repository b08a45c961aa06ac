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
 * Produces the run table `consent_orphans(source, consent_id, row_no, key_kind, reason)`, the TEMP table
 * `_consent_key_owners` and over it the TEMP view `_consent_attached(customer_id, purpose, granted,
 * consent_date, source, source_rank, consent_id, row_no)` read by effective-consent.ts.
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

/** A fact's key: (key_kind, record_source, key_value); record_source is the profile source for 'record'. */
const FACT_KEY = `key_kind, CASE WHEN key_kind = 'record' THEN source END AS record_source, key_value`;
const SAME_KEY = (a: string, b: string) =>
  `${a}.key_kind = ${b}.key_kind AND ${a}.key_value = ${b}.key_value AND ${a}.record_source IS NOT DISTINCT FROM ${b}.record_source`;

export async function attachConsent(connection: DuckDBConnection, rules: PlaceholderRules): Promise<AttachStats> {
  // Work per distinct key, not per fact: placeholder checks and owner look-ups run once per key.
  const placeholder = placeholderByKindSql(rules, 'key_kind', 'key_value');
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _consent_keys AS
          SELECT key_kind, record_source, key_value, ${placeholder.sql} AS placeholder_key
          FROM (SELECT DISTINCT ${FACT_KEY} FROM consent_records)`,
    params: placeholder.params,
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _consent_key_owners AS
          SELECT key_kind, record_source, key_value, customer_id,
                 count(*) OVER (PARTITION BY key_kind, record_source, key_value) AS owners
          FROM (
            SELECT k.key_kind, k.record_source, k.key_value, rc.customer_id
            FROM _consent_keys k JOIN record_customer rc ON rc.source = k.record_source AND rc.record_id = k.key_value
            WHERE k.key_kind = 'record'
            UNION ALL
            SELECT k.key_kind, k.record_source, k.key_value, ck.customer_id
            FROM _consent_keys k JOIN customer_keys ck ON ck.key_kind = k.key_kind AND ck.key_value = k.key_value
            WHERE k.key_kind IN ('email', 'phone') AND NOT k.placeholder_key
          )`,
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _consent_key_status AS
          SELECT k.key_kind, k.record_source, k.key_value, k.placeholder_key, coalesce(o.owners, 0) AS owners
          FROM _consent_keys k
          LEFT JOIN (SELECT DISTINCT key_kind, record_source, key_value, owners FROM _consent_key_owners) o ON ${SAME_KEY('o', 'k')}`,
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE consent_orphans AS
          SELECT f.source, f.consent_id, f.row_no, f.key_kind,
                 CASE WHEN coalesce(s.placeholder_key, FALSE) THEN 'placeholder key'
                      WHEN coalesce(s.owners, 0) = 0 THEN 'no customer'
                      ELSE 'ambiguous key' END AS reason
          FROM (SELECT source, consent_id, row_no, granted, ${FACT_KEY} FROM consent_records) f
          LEFT JOIN _consent_key_status s ON ${SAME_KEY('s', 'f')}
          WHERE coalesce(s.placeholder_key, FALSE) OR coalesce(s.owners, 0) = 0 OR (s.owners > 1 AND f.granted)
          ORDER BY f.source, f.row_no, f.consent_id`,
  });
  // Applied facts: every owner of the key, except grants on keys with several owners. Exactly the facts
  // that are not orphans (the LEFT JOIN above also catches a fact whose key matches nothing at all).
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP VIEW _consent_attached AS
          SELECT o.customer_id, f.purpose, f.granted, f.consent_date, f.source, f.source_rank, f.consent_id, f.row_no
          FROM (SELECT source, source_rank, consent_id, row_no, purpose, granted, consent_date, ${FACT_KEY} FROM consent_records) f
          JOIN _consent_key_owners o ON ${SAME_KEY('o', 'f')}
          WHERE o.owners = 1 OR NOT f.granted`,
  });
  const consentFacts = await queryNumber(connection, { sql: 'SELECT count(*) FROM consent_records' });
  const orphanFacts = await queryNumber(connection, { sql: 'SELECT count(*) FROM consent_orphans' });
  await dropTempTables(connection, ['_consent_keys', '_consent_key_status']);
  return { consentFacts, attachedFacts: consentFacts - orphanFacts, orphanFacts };
}
