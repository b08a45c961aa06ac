/**
 * Effective consent per customer × declared purpose, with lineage (design §4). Exactly one row per pair.
 *
 * - Among the records attached to the customer for the purpose, the deciding one is the latest
 *   `consent_date`; undated records rank oldest (below any date); on an equal date (or both undated)
 *   a denial beats a grant; remaining ties go to the lowest source_rank, then the lowest consent_id, then
 *   the lowest row_no.
 * - No record: the regime default — opt-in ⇒ denied, opt-out ⇒ granted — with basis 'default'.
 * - Expiry (`expiresAfter`): when the deciding record is a grant and date + duration <= runStartedAt
 *   (calendar arithmetic, see iso-duration.ts), the result is denied with basis 'expired'; an undated
 *   grant under an expiring purpose cannot prove it is recent and counts as expired. The lineage still
 *   names the expired record. Expiry never falls back to an older record.
 * - Lineage: source, consent_id, consent_date of the deciding record (NULL for 'default') and
 *   record_count = attached records considered.
 *
 * Reads TEMP `_consent_attached` and `customers`; writes the run table `effective_consent`.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { execute, queryRows } from '../db/connection.js';
import { parseIsoDuration } from '../unify/iso-duration.js';
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
      `(CAST($purpose_${index} AS VARCHAR), CAST($default_${index} AS BOOLEAN), CAST($expires_${index} AS BOOLEAN), ` +
        `CAST($months_${index} AS INTEGER), CAST($days_${index} AS INTEGER))`,
    );
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _consent_purposes AS
          SELECT * FROM (VALUES ${rows.join(', ')}) t(purpose, default_granted, expires, expiry_months, expiry_days)`,
    params,
  });
}

/**
 * The deciding record is the arg_min of one ascending sort key: (−date, granted, source_rank, consent_id,
 * row_no). Negating the date puts the latest first; undated records get the largest value, i.e. rank
 * below every dated one; FALSE < TRUE puts the denial first on an equal date. One hash aggregate, no sort.
 */
const UNDATED = '9223372036854775807';

export async function computeEffectiveConsent(
  connection: DuckDBConnection,
  config: Pick<LoadedConfig, 'purposes'>,
  runStartedAt: Date,
): Promise<Record<string, number>> {
  await createPurposeTable(connection, config);
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE effective_consent AS
          WITH deciding AS (
            SELECT customer_id, purpose, count(*) AS record_count,
                   arg_min({'granted': granted, 'source': source, 'consent_id': consent_id, 'consent_date': consent_date},
                           (coalesce(-epoch_us(consent_date), ${UNDATED}), granted, source_rank, consent_id, row_no)) AS d
            FROM _consent_attached
            GROUP BY customer_id, purpose
          ),
          flat AS (
            SELECT customer_id, purpose, record_count, d.granted AS granted, d.source AS source,
                   d.consent_id AS consent_id, d.consent_date AS consent_date
            FROM deciding
          ),
          judged AS (
            SELECT d.*, (d.granted AND p.expires AND (
                     d.consent_date IS NULL
                     OR d.consent_date + to_months(p.expiry_months) + to_days(p.expiry_days) <= CAST($run_started_at AS TIMESTAMP)
                   )) AS expired
            FROM flat d JOIN _consent_purposes p ON p.purpose = d.purpose
          )
          SELECT c.customer_id, p.purpose,
                 CASE WHEN j.customer_id IS NULL THEN p.default_granted
                      WHEN j.expired THEN FALSE
                      ELSE j.granted END AS granted,
                 CASE WHEN j.customer_id IS NULL THEN 'default'
                      WHEN j.expired THEN 'expired'
                      ELSE 'record' END AS basis,
                 j.source, j.consent_id, j.consent_date,
                 CAST(coalesce(j.record_count, 0) AS INTEGER) AS record_count
          FROM customers c
          CROSS JOIN _consent_purposes p
          LEFT JOIN judged j ON j.customer_id = c.customer_id AND j.purpose = p.purpose`,
    params: { run_started_at: timestampParam(runStartedAt) },
  });
  const rows = await queryRows<{ purpose: string; granted: string | number }>(connection, {
    sql: `SELECT p.purpose, count(e.customer_id) AS granted
          FROM _consent_purposes p LEFT JOIN effective_consent e ON e.purpose = p.purpose AND e.granted
          GROUP BY p.purpose`,
  });
  await dropTempTables(connection, ['_consent_purposes']);
  const granted: Record<string, number> = {};
  for (const name of Object.keys(config.purposes)) granted[name] = 0;
  for (const row of rows) granted[row.purpose] = Number(row.granted);
  return granted;
}
