/**
 * Attaching consent facts to unified customers (design §4).
 *
 * - key_kind 'record' (consent carried by a profile row): `source` is the profile source and
 *   `key_value` its record_id; the fact belongs to that record's customer (`record_customer`). A denial
 *   also applies to every other customer holding one of the record's emails or phones (possible only when
 *   a key has several owners: a refused over-merge, a source that does not match on that key); a placeholder
 *   key counts only when at most `placeholderDenialOwners` customers hold it, as for key facts.
 * - key_kind 'email' / 'phone': the fact belongs to every customer owning that normalised key in
 *   `customer_keys`, whichever source the key came from and whether or not that source matches on it.
 * - Orphans (reported in `consent_orphans`, never applied):
 *     'placeholder key' — the key is a placeholder (checked first: a shared dummy address is nobody's) and
 *                         the fact is a grant, or nobody holds the key, or more customers hold it than
 *                         `placeholderDenialOwners` (matching.maxClusterSize). A denial keyed by a
 *                         placeholder that at most that many customers hold applies to each of them: the
 *                         key may be a real address the defaults took for a filler (`x@x.com`), and a
 *                         withdrawal must never be lost; beyond that size it is a filler shared by crowds;
 *     'no customer'     — no customer owns the key / record;
 *     'ambiguous key'   — several customers own the key (e.g. after a refused cluster) and the fact is a
 *                         grant: a grant is never spread over people it may not belong to.
 *     'future-dated grant' — a grant dated more than a day after the run started (`runStartedAt`): nobody
 *                         can have consented then, and as the latest record it would outrank every real
 *                         withdrawal until that date. A future-dated denial applies (withholding is safe).
 *   A denial on an ambiguous key applies to every owner (withholding is always safe).
 *
 * Performance: owners are counted per key on integer ids (`_unify_key_clusters`, i.e. customer_keys
 * before the customer ids are attached) into `_consent_key_owners`, so each pass over the facts makes one
 * string join (email/phone facts against it). Small runs do not materialise the facts: `consent_orphans`
 * and the view `_consent_attached` each read `consent_records` once. Large runs (`materialise`, when effective
 * consent is computed in slices and would read the facts several times) resolve the facts once into the
 * TEMP table `_consent_resolved` (spillable, with each fact's aggregate key and whether it applies) and
 * derive from it the orphans and, instead of `_consent_attached`, the view `_consent_attached_g` the slices read. The placeholder regex runs only for
 * facts whose key no profile holds (a profile key carries its flag from `_unify_keys`).
 *
 * Reads the TEMP tables of the unify stage (`_unify_keys`, `_unify_key_clusters`, `_unify_members`).
 * Produces the run table `consent_orphans(source, consent_id, row_no, key_kind, granted, reason)`, the TEMP tables
 * `_consent_run_clock`, `_consent_key_owners`, `_consent_record_owners` (and `_consent_resolved`), and over
 * them the TEMP view `_consent_attached(cluster, purpose, granted, consent_date, source, source_rank,
 * consent_id, row_no)` (materialised: `_consent_attached_g`) read by effective-consent.ts (`cluster` names
 * the customer, see `_unify_cluster_ids`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryNumber, queryRows } from '../db/connection.js';
import { placeholderByKindSql, type PlaceholderRules } from '../unify/placeholders.js';
import { timestampParam } from '../unify/timestamp-param.js';
import { futureGrantLimit, futureGrantSql } from './decision-time.js';

export interface AttachStats {
  readonly consentFacts: number;
  readonly attachedFacts: number;
  readonly orphanFacts: number;
  /** Orphans that withdraw consent: a withdrawal that reached no customer (a key no profile holds, in another form…). */
  readonly orphanWithdrawals: number;
}

/**
 * Every fact with its key's owners: `owners` (0 when nobody owns the key or it is a placeholder) and
 * `cluster`, an owning customer (NULL when there is none). `perOwner`: one row per owning customer (the
 * facts to apply), `first` marking exactly one row of each fact; otherwise exactly one row per fact.
 * `placeholder` is TRUE only when known from a profile key (the caller checks unowned keys itself).
 */
function resolvedFacts(perOwner: boolean): string {
  const one = (alias: string) => (perOwner ? '' : ` AND ${alias}.first`);
  return `
    SELECT f.source, f.source_rank, f.consent_id, f.row_no, f.key_kind, f.key_value, f.purpose, f.granted, f.consent_date, f.date_only,
           coalesce(o.placeholder, FALSE) AS placeholder, coalesce(o.owners, 0) AS owners, o.cluster, coalesce(o.first, TRUE) AS first,
           FALSE AS denial_only
    FROM consent_records f
    LEFT JOIN _consent_key_owners o ON o.key_kind = f.key_kind AND o.key_value = f.key_value${one('o')}
    WHERE f.key_kind <> 'record'
    UNION ALL
    SELECT f.source, f.source_rank, f.consent_id, f.row_no, f.key_kind, f.key_value, f.purpose, f.granted, f.consent_date, f.date_only,
           FALSE AS placeholder, coalesce(r.owners, 0) AS owners, r.cluster, coalesce(r.first, TRUE) AS first,
           coalesce(r.denial_only, FALSE) AS denial_only
    FROM consent_records f
    LEFT JOIN _consent_record_owners r ON r.source = f.source AND r.record_id = f.key_value${one('r')}
    WHERE f.key_kind = 'record'`;
}

/** The facts that are orphans (one row per fact) and the facts applied (one row per owner), see above. */
const FUTURE_GRANT = futureGrantSql('consent_date', 'granted', '(SELECT future_after FROM _consent_run_clock)');
const ORPHAN = `owners = 0 OR (granted AND (owners > 1 OR placeholder)) OR ${FUTURE_GRANT}`;
const APPLIED = `owners > 0 AND (NOT granted OR (owners = 1 AND NOT placeholder AND NOT denial_only)) AND NOT ${FUTURE_GRANT}`;

export interface AttachOptions {
  /** The run's start: grants dated more than a day later are 'future-dated grant' orphans. */
  readonly runStartedAt: Date;
  /**
   * Resolve the facts once into `_consent_resolved` (for runs whose facts are read several times) and
   * also provide `_consent_attached_g`, the applied facts keyed by `g` = cluster · purposes + the purpose's
   * index in `purposes` (the declared purposes in config order, as effective-consent.ts numbers them).
   */
  readonly materialise?: { readonly purposes: readonly string[] };
  /** `SELECT count(*) FROM consent_records` when the caller already has it (a view over every fact: a full scan). */
  readonly consentFacts?: number;
  /** A denial keyed by a placeholder applies to its holders when they are at most this many (matching.maxClusterSize); default 0: never. */
  readonly placeholderDenialOwners?: number;
}

export async function attachConsent(connection: DuckDBConnection, rules: PlaceholderRules, options: AttachOptions): Promise<AttachStats> {
  // The limit as a one-row table: the view below cannot hold a bound parameter.
  await execute(connection, {
    sql: 'CREATE OR REPLACE TEMP TABLE _consent_run_clock AS SELECT CAST($future_after AS TIMESTAMP) AS future_after',
    params: { future_after: timestampParam(futureGrantLimit(options.runStartedAt)) },
  });
  // Every profile key with its owners: one row per (key, owning customer), `first` marking one of them;
  // a placeholder key held by more customers than placeholderDenialOwners has one row with owners 0 and no
  // cluster (nobody's key); one held by fewer keeps its owners, for denials only (APPLIED).
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _consent_key_owners AS
          SELECT k.key_kind, k.key_value, k.placeholder,
                 CASE WHEN k.placeholder AND o.owners > $denial_owners THEN 0 ELSE o.owners END AS owners,
                 CASE WHEN NOT k.placeholder OR o.owners <= $denial_owners THEN o.cluster END AS cluster,
                 o.first
          FROM _unify_keys k
          JOIN (SELECT kc.kid, kc.cluster, n.owners, kc.cluster = n.owner AS first
                FROM _unify_key_clusters kc
                JOIN (SELECT kid, CAST(count(*) AS INTEGER) AS owners, min(cluster) AS owner
                      FROM _unify_key_clusters GROUP BY kid) n ON n.kid = kc.kid) o
            ON o.kid = k.kid
          WHERE o.first OR NOT k.placeholder OR o.owners <= $denial_owners`,
    params: { denial_owners: options.placeholderDenialOwners ?? 0 },
  });
  // Owners of the profile records that carry consent (only those referenced by a 'record' fact), and, for
  // records carrying a denial, every other customer holding one of the record's keys (`denial_only`): when
  // a key has several owners (a refused over-merge, a source that does not match on it) the record's
  // withdrawal must not stop at its own customer while the person's other records, with the same email or
  // phone, stay granted. Such rows apply denials only and are never a fact's `first` row (never orphans).
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _consent_record_owners AS
          WITH own AS (
            SELECT DISTINCT m.source, m.record_id, m.cluster, m.rid, r.denies
            FROM _unify_members m
            JOIN (SELECT source, key_value, bool_or(NOT granted) AS denies FROM consent_records WHERE key_kind = 'record' GROUP BY ALL) r
              ON r.source = m.source AND r.key_value = m.record_id
          ),
          counted AS (
            SELECT source, record_id, cluster, CAST(count(*) OVER (PARTITION BY source, record_id) AS INTEGER) AS owners,
                   cluster = min(cluster) OVER (PARTITION BY source, record_id) AS first
            FROM (SELECT DISTINCT source, record_id, cluster FROM own)
          ),
          shared AS (
            SELECT k.kid, k.holders FROM _unify_keys k
            JOIN (SELECT kid, count(*) AS owners FROM _unify_key_clusters GROUP BY kid HAVING count(*) > 1) n ON n.kid = k.kid
            WHERE NOT k.placeholder OR n.owners <= $denial_owners
          ),
          via AS (
            SELECT DISTINCT o.source, o.record_id, kc.cluster
            FROM (SELECT kid, unnest(holders) // 2 AS rid FROM shared) h
            JOIN own o ON o.rid = h.rid AND o.denies
            JOIN _unify_key_clusters kc ON kc.kid = h.kid
          )
          SELECT source, record_id, cluster, owners, first, FALSE AS denial_only FROM counted
          UNION ALL
          SELECT v.source, v.record_id, v.cluster, c.owners, FALSE AS first, TRUE AS denial_only
          FROM via v JOIN counted c ON c.source = v.source AND c.record_id = v.record_id AND c.first
          WHERE NOT EXISTS (SELECT 1 FROM own x WHERE x.source = v.source AND x.record_id = v.record_id AND x.cluster = v.cluster)`,
    params: { denial_owners: options.placeholderDenialOwners ?? 0 },
  });

  let orphanCandidates = `SELECT * FROM (${resolvedFacts(false)}) WHERE ${ORPHAN}`;
  if (options.materialise) {
    // One pass over the facts: whether each row applies (orphan = the first row of a fact that does not),
    // and its aggregate key g. Key values are kept only where the orphan reason still needs them.
    const purposes = options.materialise.purposes;
    const params: Record<string, string> = {};
    const numbered = purposes.map((name, index) => {
      params[`purpose_${index}`] = name;
      return `(CAST($purpose_${index} AS VARCHAR), ${index})`;
    });
    // Only what the slices and the orphans read: the purpose and the cluster are in g; the key's kind and
    // value are kept for orphans only (at tens of millions of rows this table spills, so width is time).
    await execute(connection, {
      sql: `CREATE OR REPLACE TEMP TABLE _consent_resolved AS
            SELECT g, applied, first, granted, consent_date, date_only, source, source_rank, consent_id, row_no, placeholder, owners,
                   CASE WHEN first AND NOT applied THEN key_kind END AS key_kind,
                   CASE WHEN first AND NOT applied AND owners = 0 THEN key_value END AS key_value
            FROM (SELECT f.*, f.cluster * ${purposes.length} + p.purpose_no AS g, (${APPLIED}) AS applied
                  FROM (${resolvedFacts(true)}) f
                  LEFT JOIN (VALUES ${numbered.join(', ')}) p(purpose_name, purpose_no) ON p.purpose_name = f.purpose)`,
      params,
    });
    orphanCandidates = 'SELECT * FROM _consent_resolved WHERE first AND NOT applied';
    await execute(connection, {
      sql: `CREATE OR REPLACE TEMP VIEW _consent_attached_g AS
            SELECT g, granted, consent_date, date_only, source, source_rank, consent_id, row_no FROM _consent_resolved WHERE applied`,
    });
  } else {
    // Applied facts: every owner of the key, except grants on keys with several owners and future-dated
    // grants. Exactly the facts that are not orphans.
    await execute(connection, {
      sql: `CREATE OR REPLACE TEMP VIEW _consent_attached AS
            SELECT cluster, purpose, granted, consent_date, date_only, source, source_rank, consent_id, row_no
            FROM (${resolvedFacts(true)}) WHERE ${APPLIED}`,
    });
  }
  // An unowned key may still be a placeholder: the regex runs for those facts only.
  const placeholder = placeholderByKindSql(rules, 'key_kind', 'key_value');
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE consent_orphans AS
          SELECT source, consent_id, row_no, key_kind, granted,
                 CASE WHEN placeholder OR (owners = 0 AND ${placeholder.sql}) THEN 'placeholder key'
                      WHEN owners = 0 THEN 'no customer'
                      WHEN owners > 1 AND granted THEN 'ambiguous key'
                      ELSE 'future-dated grant' END AS reason
          FROM (${orphanCandidates})
          ORDER BY source, row_no, consent_id`,
    params: placeholder.params,
  });
  const consentFacts = options.consentFacts ?? (await queryNumber(connection, { sql: 'SELECT count(*) FROM consent_records' }));
  const [orphans] = await queryRows<{ facts: string; withdrawals: string | null }>(connection, {
    sql: 'SELECT count(*) AS facts, count(*) FILTER (WHERE NOT granted) AS withdrawals FROM consent_orphans',
  });
  const orphanFacts = Number(orphans?.facts ?? 0);
  return { consentFacts, attachedFacts: consentFacts - orphanFacts, orphanFacts, orphanWithdrawals: Number(orphans?.withdrawals ?? 0) };
}
