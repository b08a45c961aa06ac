/**
 * Unified customer ids (design §3): opaque, stable across refreshes, the oldest member's id survives.
 *
 * - Age order of records: earliest `first_seen`, then `source_rank`, then `record_id`. `first_seen` is
 *   carried over from `prev.record_customer` for a record the previous published run knew, else it is
 *   the run clock (`runStartedAt`).
 * - Each cluster claims the previous customer ids of its members; a claim's age is that of the cluster's
 *   oldest member holding the id. Claims are granted oldest first (greedy by age, computed set-wise as
 *   rounds of "each cluster proposes its oldest free claim, each id accepts its oldest proposer"):
 *     · a merge of two old customers keeps the id of the oldest member, the other id retires;
 *     · a split: the part holding the oldest member keeps the id; another part takes the next previous id
 *       it can claim, else a new one.
 * - A cluster with no claim gets a new id: `cus_` + the first 16 hex digits of
 *   md5(runId || '|' || source || ':' || record_id) of its oldest member. Ids hold no personal data.
 *
 * Produces the run table `record_customer(source, record_id, customer_id, first_seen)` and the TEMP tables
 * `_unify_members(rid, cluster, merged, source, source_rank, record_id, row_no, first_seen, ...)` (one row
 * per profile record; `merged` = its cluster has ≥2 records) and `_unify_cluster_ids(cluster, customer_id)`.
 * Singleton clusters (most records) need no aggregation: their oldest member is the record itself.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryNumber } from '../db/connection.js';
import { dropTempTables } from './temp-tables.js';
import { timestampParam } from './timestamp-param.js';

export interface CustomerIdOptions {
  readonly runId: string;
  readonly runStartedAt: Date;
  /** `prev.record_customer` is readable. */
  readonly hasPreviousIds: boolean;
}

export interface CustomerIdStats {
  readonly customers: number;
  readonly keptIds: number;
  readonly claimRounds: number;
}

/** Far above what real data needs (each round grants ≥1 claim; one round grants all uncontested ones). */
const MAX_CLAIM_ROUNDS = 100;

/** Age order of records: earliest first_seen, then source_rank, then record_id. */
const AGE = `{'first_seen': first_seen, 'source_rank': source_rank, 'record_id': record_id}`;

export async function assignCustomerIds(connection: DuckDBConnection, options: CustomerIdOptions): Promise<CustomerIdStats> {
  const previous = options.hasPreviousIds
    ? {
        columns: 'coalesce(pr.first_seen, CAST($run_started_at AS TIMESTAMP)) AS first_seen, pr.customer_id AS prev_customer_id',
        join: 'LEFT JOIN prev.record_customer pr ON pr.source = p.source AND pr.record_id = p.record_id',
      }
    : { columns: 'CAST($run_started_at AS TIMESTAMP) AS first_seen, CAST(NULL AS VARCHAR) AS prev_customer_id', join: '' };
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_members AS
          SELECT p.rid, coalesce(m.cluster, p.rid) AS cluster, m.cluster IS NOT NULL AS merged,
                 p.source, p.source_rank, p.record_id, p.row_no, ${previous.columns}
          FROM profile_records p
          LEFT JOIN _unify_merged m ON m.rid = p.rid
          ${previous.join}`,
    params: { run_started_at: timestampParam(options.runStartedAt) },
  });

  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_claims AS
          SELECT cluster, prev_customer_id AS customer_id, min(${AGE}) AS age
          FROM _unify_members WHERE prev_customer_id IS NOT NULL
          GROUP BY cluster, prev_customer_id`,
  });
  await execute(connection, { sql: 'CREATE OR REPLACE TEMP TABLE _unify_granted (cluster BIGINT, customer_id VARCHAR)' });
  let claimRounds = 0;
  while ((await queryNumber(connection, { sql: 'SELECT count(*) FROM _unify_claims' })) > 0) {
    if (++claimRounds > MAX_CLAIM_ROUNDS) break; // remaining clusters get new ids: still unique and deterministic
    await execute(connection, {
      sql: `INSERT INTO _unify_granted
            SELECT arg_min(cluster, age) AS cluster, customer_id
            FROM (SELECT cluster, arg_min(customer_id, age) AS customer_id, min(age) AS age
                  FROM _unify_claims GROUP BY cluster)
            GROUP BY customer_id`,
    });
    await execute(connection, {
      sql: `DELETE FROM _unify_claims c
            WHERE c.cluster IN (SELECT cluster FROM _unify_granted)
               OR c.customer_id IN (SELECT customer_id FROM _unify_granted)`,
    });
  }

  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _unify_cluster_ids AS
          SELECT o.cluster,
                 coalesce(g.customer_id, 'cus_' || left(md5($run_id || '|' || o.oldest), 16)) AS customer_id
          FROM (SELECT cluster, source || ':' || record_id AS oldest FROM _unify_members WHERE NOT merged
                UNION ALL
                SELECT cluster, arg_min(source || ':' || record_id, ${AGE}) AS oldest
                FROM _unify_members WHERE merged GROUP BY cluster) o
          LEFT JOIN _unify_granted g ON g.cluster = o.cluster`,
    params: { run_id: options.runId },
  });
  const duplicates = await queryNumber(connection, {
    sql: 'SELECT count(*) - count(DISTINCT customer_id) FROM _unify_cluster_ids',
  });
  if (duplicates !== 0) throw new Error(`customer id collision (${duplicates}); re-run with a different run id`);

  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE record_customer AS
          SELECT m.source, m.record_id, i.customer_id, m.first_seen
          FROM _unify_members m JOIN _unify_cluster_ids i ON i.cluster = m.cluster`,
  });
  const customers = await queryNumber(connection, { sql: 'SELECT count(*) FROM _unify_cluster_ids' });
  const keptIds = await queryNumber(connection, { sql: 'SELECT count(*) FROM _unify_granted' });
  await dropTempTables(connection, ['_unify_claims', '_unify_granted']);
  return { customers, keptIds, claimRounds };
}
