/**
 * Effective consent per customer × declared purpose, with lineage (design §4). Exactly one row per pair.
 *
 * - Among the records attached to the customer for the purpose, the deciding one is the latest
 *   `consent_date` (a date-only record against a timed one on the same day is a tie: see
 *   decision-time.ts); undated records rank oldest (below any date); on an equal date (or both undated)
 *   a denial beats a grant; remaining ties go to the lowest source_rank, then the lowest consent_id, then
 *   the lowest row_no.
 * - No record: the regime default — opt-in ⇒ denied, opt-out ⇒ granted — with basis 'default'.
 * - Expiry (`expiresAfter`): when the deciding record is a grant and the day of date + duration is on or
 *   before the run's day (UTC; "denied from the day it expires", so a run's time of day never changes the
 *   outcome; calendar arithmetic, see iso-duration.ts), the result is denied with basis 'expired'; an undated
 *   grant under an expiring purpose cannot prove it is recent and counts as expired. The lineage still
 *   names the expired record. Expiry never falls back to an older record.
 * - Lineage: source, consent_id, consent_date of the deciding record (NULL for 'default') and
 *   record_count = attached records considered.
 *
 * Reads TEMP `_consent_attached` (facts per cluster; sliced: `_consent_attached_g`) and `_unify_cluster_ids` (cluster → customer_id, one
 * row per customer); writes the run table `effective_consent`. Performance: the aggregate groups on one
 * BIGINT (cluster · purposes + purpose number), and customer ids (strings) are joined only at the end.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { execute, queryRows } from '../db/connection.js';
import { parseIsoDuration } from '../unify/iso-duration.js';
import { decisionTimeSql } from './decision-time.js';
import { dropTempTables } from '../unify/temp-tables.js';
import { timestampParam } from '../unify/timestamp-param.js';

/** Declared purposes as a TEMP table `_consent_purposes`, every value bound as a parameter. */
async function createPurposeTable(connection: DuckDBConnection, config: Pick<LoadedConfig, 'purposes'>): Promise<void> {
  const rows: string[] = [];
  const params: Record<string, DuckDBValue> = {};
  Object.entries(config.purposes).forEach(([name, purpose], index) => {
    const expiry = purpose.expiresAfter === undefined ? undefined : parseIsoDuration(purpose.expiresAfter);
    params[`purpose_${index}`] = name;
    params[`default_${index}`] = purpose.regime === 'opt-out';
    params[`expires_${index}`] = expiry !== undefined;
    params[`months_${index}`] = expiry?.months ?? 0;
    params[`days_${index}`] = expiry?.days ?? 0;
    rows.push(
      `(CAST($purpose_${index} AS VARCHAR), ${index}, CAST($default_${index} AS BOOLEAN), CAST($expires_${index} AS BOOLEAN), ` +
        `CAST($months_${index} AS INTEGER), CAST($days_${index} AS INTEGER))`,
    );
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _consent_purposes AS
          SELECT * FROM (VALUES ${rows.join(', ')}) t(purpose, purpose_no, default_granted, expires, expiry_months, expiry_days)`,
    params,
  });
}

/**
 * The deciding record is the arg_min of one ascending sort key: (−date, granted, source_rank, consent_id,
 * row_no). Negating the date puts the latest first; undated records get the largest value, i.e. rank
 * below every dated one; FALSE < TRUE puts the denial first on an equal date. One hash aggregate, no sort.
 */
const UNDATED = '9223372036854775807';

/** Facts aggregated in one statement at most (memory: the aggregate's states cannot spill). */
export const FACTS_PER_SLICE = 5_000_000;

/** Slices of customers effective consent is aggregated in: 1 (one statement) up to FACTS_PER_SLICE facts. */
export function effectiveConsentSlices(facts: number, factsPerSlice = FACTS_PER_SLICE): number {
  return Math.max(1, Math.ceil(facts / factsPerSlice));
}

/**
 * `slices` (from effectiveConsentSlices): above 1, the deciding records are aggregated per slice of
 * groups (`g % slices`) into `_consent_deciding`, each slice reading `_consent_attached_g` (the applied facts
 * already keyed by g, over the materialised `_consent_resolved`: see attach-consent.ts). The result is the same.
 */
export async function computeEffectiveConsent(
  connection: DuckDBConnection,
  config: Pick<LoadedConfig, 'purposes'>,
  runStartedAt: Date,
  slices = 1,
): Promise<Record<string, number>> {
  await createPurposeTable(connection, config);
  const purposes = Object.keys(config.purposes).length;
  const deciding = (facts: string, where = '') =>
    `SELECT g, count(*) AS record_count,
            arg_min({'granted': granted, 'source': source, 'consent_id': consent_id, 'consent_date': consent_date},
                    (coalesce(-epoch_us(${decisionTimeSql('consent_date', 'granted', 'date_only')}), ${UNDATED}), granted, source_rank, consent_id, row_no)) AS d
     FROM ${facts} ${where}
     GROUP BY g`;
  let decidingSql: string;
  if (slices > 1) {
    await execute(connection, { sql: `CREATE OR REPLACE TEMP TABLE _consent_deciding AS ${deciding('_consent_attached_g', `WHERE g % ${slices} = 0`)}` });
    for (let slice = 1; slice < slices; slice++) {
      await execute(connection, { sql: `INSERT INTO _consent_deciding ${deciding('_consent_attached_g', `WHERE g % ${slices} = ${slice}`)}` });
    }
    decidingSql = 'SELECT * FROM _consent_deciding';
  } else {
    decidingSql = deciding(
      `(SELECT a.cluster * ${purposes} + p.purpose_no AS g, a.granted, a.source, a.consent_id, a.consent_date, a.date_only, a.source_rank, a.row_no
        FROM _consent_attached a JOIN _consent_purposes p ON p.purpose = a.purpose)`,
    );
  }
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE effective_consent AS
          WITH deciding AS (${decidingSql}),
          judged AS (
            SELECT g, record_count, d.granted AS granted, d.source AS source, d.consent_id AS consent_id,
                   d.consent_date AS consent_date
            FROM deciding
          )
          SELECT c.customer_id, p.purpose,
                 CASE WHEN j.g IS NULL THEN p.default_granted
                      WHEN j.expired THEN FALSE
                      ELSE j.granted END AS granted,
                 CASE WHEN j.g IS NULL THEN 'default'
                      WHEN j.expired THEN 'expired'
                      ELSE 'record' END AS basis,
                 j.source, j.consent_id, j.consent_date,
                 CAST(coalesce(j.record_count, 0) AS INTEGER) AS record_count
          FROM _unify_cluster_ids c
          CROSS JOIN _consent_purposes p
          LEFT JOIN (
            SELECT j.*, (j.granted AND p.expires AND (
                     j.consent_date IS NULL
                     OR CAST(j.consent_date + to_months(p.expiry_months) + to_days(p.expiry_days) AS DATE) <= CAST(CAST($run_started_at AS TIMESTAMP) AS DATE)
                   )) AS expired
            FROM judged j JOIN _consent_purposes p ON p.purpose_no = j.g % ${purposes}
          ) j ON j.g = c.cluster * ${purposes} + p.purpose_no`,
    params: { run_started_at: timestampParam(runStartedAt) },
  });
  const rows = await queryRows<{ purpose: string; granted: string | number }>(connection, {
    sql: `SELECT p.purpose, count(e.customer_id) AS granted
          FROM _consent_purposes p LEFT JOIN effective_consent e ON e.purpose = p.purpose AND e.granted
          GROUP BY p.purpose`,
  });
  await dropTempTables(connection, ['_consent_purposes', '_consent_deciding']);
  const granted: Record<string, number> = {};
  for (const name of Object.keys(config.purposes)) granted[name] = 0;
  for (const row of rows) granted[row.purpose] = Number(row.granted);
  return granted;
}
