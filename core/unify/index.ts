/**
 * The unify stage (design §3–§4) in the run database: profile_records + consent_records →
 * record_customer, customers, customer_keys, merge_refusals, consent_orphans, effective_consent
 * (docs/tables.md). Temporal-free; the activity passes the connection, config and clock.
 *
 *   placeholders.ts          which key values never match and never carry consent
 *   match-records.ts         records → clusters (connected-components.ts) + over-merge guard
 *   customer-ids.ts          stable, opaque customer ids; record_customer
 *   merge-attributes.ts      customers, customer_keys
 *   ../consent/attach-consent.ts     consent facts → customers, orphans
 *   ../consent/effective-consent.ts  one decision per customer × purpose, with lineage
 *
 * Re-running for the same run id gives the same tables (CREATE OR REPLACE; ids depend on the run id,
 * the previous run and the data only). Working tables are connection-local TEMP tables, dropped at the end.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { attachConsent } from '../consent/attach-consent.js';
import { computeEffectiveConsent, effectiveConsentSlices } from '../consent/effective-consent.js';
import { queryNumber, queryRows } from '../db/connection.js';
import { assignCustomerIds } from './customer-ids.js';
import { matchRecords } from './match-records.js';
import { mergeCustomers } from './merge-attributes.js';
import { loadPlaceholderRules } from './placeholders.js';
import { dropTempTables, dropTempViews } from './temp-tables.js';

export interface UnifyResult {
  profileRecords: number;
  customers: number;
  /** Profile records that belong to a customer with two or more records. */
  mergedRecords: number;
  /** Records of the largest customer. */
  largestCluster: number;
  /** Rows of merge_refusals (keys refused as placeholders or inside a too-large cluster). */
  refusedKeys: number;
  /** Components larger than matching.maxClusterSize that were not merged. */
  refusedClusters: number;
  consentFacts: number;
  /** Facts applied to at least one customer. */
  attachedFacts: number;
  orphanFacts: number;
  /** Orphan facts that are withdrawals (they reached no customer). */
  orphanWithdrawals: number;
  /** Customers whose effective consent is granted, per declared purpose. */
  effectiveGranted: Record<string, number>;
}

export interface UnifyOptions {
  readonly runId: string;
  /** The run clock: first_seen of new records and the reference time for consent expiry. */
  readonly runStartedAt: Date;
  /** The previous published run is ATTACHed read-only as `prev`. */
  readonly hasPrevious: boolean;
  /** Facts per slice of effective consent (default FACTS_PER_SLICE; tests lower it to exercise slicing). */
  readonly factsPerSlice?: number;
}

const WORKING_TABLES = [
  '_unify_keys',
  '_unify_merged',
  '_unify_members',
  '_unify_cluster_ids',
  '_unify_key_clusters',
  '_consent_key_owners',
  '_consent_record_owners',
  '_consent_resolved',
  '_consent_run_clock',
];
const WORKING_VIEWS = ['_consent_attached', '_consent_attached_g'];

async function previousIdsReadable(connection: DuckDBConnection, hasPrevious: boolean): Promise<boolean> {
  if (!hasPrevious) return false;
  const tables = await queryNumber(connection, {
    sql: `SELECT count(*) FROM duckdb_tables() WHERE database_name = 'prev' AND table_name = 'record_customer'`,
  });
  return tables > 0;
}

export async function unify(connection: DuckDBConnection, config: LoadedConfig, options: UnifyOptions): Promise<UnifyResult> {
  // Nothing read from unify's tables depends on their physical row order (every reader sorts, ids come
  // from the data), and keeping insertion order makes each CREATE TABLE AS write on a single thread.
  // SESSION: this connection only — the import's row numbers and the exports' file order still rely on it.
  await connection.run('SET SESSION preserve_insertion_order = false');
  try {
    const rules = await loadPlaceholderRules(connection, config);
    const matched = await matchRecords(connection, rules, config.matching.maxClusterSize);
    const ids = await assignCustomerIds(connection, {
      runId: options.runId,
      runStartedAt: options.runStartedAt,
      hasPreviousIds: await previousIdsReadable(connection, options.hasPrevious),
    });
    await mergeCustomers(connection, config, rules);
    const facts = await queryNumber(connection, { sql: 'SELECT count(*) FROM consent_records' });
    const slices = effectiveConsentSlices(facts, options.factsPerSlice);
    const attached = await attachConsent(connection, rules, {
      runStartedAt: options.runStartedAt,
      consentFacts: facts,
      placeholderDenialOwners: config.matching.maxClusterSize,
      ...(slices > 1 ? { materialise: { purposes: Object.keys(config.purposes) } } : {}),
    });
    const effectiveGranted = await computeEffectiveConsent(connection, config, options.runStartedAt, slices);

    const [sizes] = await queryRows<{ records: string | null; merged: string | null; largest: number | null }>(connection, {
      sql: `SELECT sum(record_count) AS records,
                   sum(record_count) FILTER (WHERE record_count > 1) AS merged,
                   max(record_count) AS largest
            FROM customers`,
    });
    return {
      profileRecords: Number(sizes?.records ?? 0),
      customers: ids.customers,
      mergedRecords: Number(sizes?.merged ?? 0),
      largestCluster: Number(sizes?.largest ?? 0),
      refusedKeys: matched.refusedKeys,
      refusedClusters: matched.refusedClusters,
      ...attached,
      effectiveGranted,
    };
  } finally {
    await dropTempViews(connection, WORKING_VIEWS);
    await dropTempTables(connection, WORKING_TABLES);
    await connection.run('RESET SESSION preserve_insertion_order');
  }
}
