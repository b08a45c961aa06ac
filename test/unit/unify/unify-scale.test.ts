/**
 * Scale smoke test: 200k generated profile records (with long chains and a placeholder shared by
 * thousands) and 800k consent facts stay fast, and the counts are exactly what the generator implies.
 * The 10M-row benchmark lives in bench/; this guards against accidental quadratic or per-link passes.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, queryNumber } from '../../../core/db/connection.js';
import { unify } from '../../../core/unify/index.js';
import { testConfig } from './inputs.js';

const RAW_CONFIG = {
  purposes: { Newsletter: { regime: 'opt-in' }, 'Sale of data': { regime: 'opt-out', expiresAfter: 'P2Y' } },
  matching: { maxClusterSize: 1000 },
  sources: [
    { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' }, attributes: { city: 'city' } },
    { name: 'shop', type: 'profiles', format: 'csv', path: 'shop.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' }, matchOn: ['phone'] },
    { name: 'consent', type: 'consent', format: 'csv', path: 'c.csv', primaryKey: 'id', keys: { email: 'email' }, option: 'o', value: 'v', date: 'd' },
  ],
};
const config = testConfig(RAW_CONFIG);

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  connection = await instance.connect();
  // crm: 100k records. Records 0..9999 form 20 chains of 500: inside a chain, record k shares its email
  //   with k+1 when k is even and its phone with k+1 when k is odd. Records 10000.. come in pairs sharing
  //   an email (45k pairs).
  // shop: 100k records, email not matched; record j < 40k shares a phone with crm record 10000 + j (so
  //   20k pairs grow to 4 records); records 95000.. share the placeholder phone 0000000 (5000 records).
  await execute(connection, {
    sql: `CREATE TABLE profile_records AS
          SELECT i AS rid, 'crm' AS source, 0 AS source_rank, 'c' || i AS record_id, CAST(i + 1 AS BIGINT) AS row_no,
                 CASE WHEN i < 10000 THEN 'chain' || (i // 500) || '_' || ((i % 500) // 2) || '@mail.com'
                      ELSE 'u' || (i // 2) || '@mail.com' END AS email,
                 CASE WHEN i < 10000 THEN '44' || (1000000 + (i // 500) * 1000 + ((i % 500) + 1) // 2)
                      ELSE '33' || (1000000 + i) END AS phone,
                 TRUE AS email_match, TRUE AS phone_match, 'city' || (i % 50) AS city,
                 CAST(NULL AS VARCHAR[]) AS extra_emails, CAST(NULL AS VARCHAR[]) AS extra_phones
          FROM range(100000) t(i)
          UNION ALL
          SELECT 100000 + j, 'shop', 1, 's' || j, j + 1, 'shop' || j || '@mail.com',
                 CASE WHEN j < 40000 THEN '33' || (1000000 + 10000 + j) WHEN j >= 95000 THEN '0000000' ELSE '49' || (1000000 + j) END,
                 FALSE, TRUE, NULL, NULL, NULL
          FROM range(100000) t(j)`,
  });
  await execute(connection, {
    sql: `CREATE TABLE consent_records AS
          SELECT 'consent' AS source, 2 AS source_rank, 'k' || n AS consent_id, CAST(n + 1 AS BIGINT) AS row_no,
                 'email' AS key_kind, 'u' || (5000 + (n * 7919) % 45000) || '@mail.com' AS key_value,
                 CASE WHEN n % 3 = 0 THEN 'Sale of data' ELSE 'Newsletter' END AS purpose,
                 n % 5 <> 0 AS granted,
                 CASE WHEN n % 11 = 0 THEN NULL ELSE TIMESTAMP '2022-01-01' + to_days(CAST(n % 1200 AS INTEGER)) END AS consent_date,
                 TRUE AS date_only
          FROM range(800000) t(n)`,
  });
});

afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

describe('unify at scale', () => {
  it('merges a 2000-link chain alternating email and phone links across two sources', async () => {
    const chain = await DuckDBInstance.create(':memory:');
    const db = await chain.connect();
    try {
      // Record k (k = 0..2000) shares its email with k+1 when k is even and its phone when k is odd; even
      // records come from crm, odd ones from shop; record ids are hashes, so node order ≠ chain order.
      await execute(db, {
        sql: `CREATE TABLE profile_records AS
              SELECT k AS rid, CASE WHEN k % 2 = 0 THEN 'crm' ELSE 'shop' END AS source, CAST(k % 2 AS INTEGER) AS source_rank,
                     md5(CAST(k AS VARCHAR)) AS record_id, CAST(k + 1 AS BIGINT) AS row_no,
                     'link' || (k // 2) || '@mail.com' AS email, CAST(7123450000 + (k + 1) // 2 AS VARCHAR) AS phone,
                     TRUE AS email_match, TRUE AS phone_match, NULL::VARCHAR AS city,
                     CAST(NULL AS VARCHAR[]) AS extra_emails, CAST(NULL AS VARCHAR[]) AS extra_phones
              FROM range(2001) t(k)`,
      });
      await execute(db, {
        sql: `CREATE TABLE consent_records AS
              SELECT 'consent' AS source, 2 AS source_rank, 'k1' AS consent_id, CAST(1 AS BIGINT) AS row_no, 'email' AS key_kind,
                     'link1000@mail.com' AS key_value, 'Newsletter' AS purpose, TRUE AS granted, TIMESTAMP '2024-06-01' AS consent_date, TRUE AS date_only`,
      });
      const result = await unify(db, testConfig({ ...RAW_CONFIG, matching: { maxClusterSize: 5000 } }), {
        runId: 'chain', runStartedAt: new Date('2025-01-01T00:00:00Z'), hasPrevious: false,
      });
      expect(result).toMatchObject({ profileRecords: 2001, customers: 1, mergedRecords: 2001, largestCluster: 2001, effectiveGranted: { Newsletter: 1 } });
      // Over the guard the same chain is refused: 2001 customers, every shared key reported.
      const refused = await unify(db, testConfig({ ...RAW_CONFIG, matching: { maxClusterSize: 2000 } }), {
        runId: 'chain', runStartedAt: new Date('2025-01-01T00:00:00Z'), hasPrevious: false,
      });
      expect(refused).toMatchObject({ customers: 2001, mergedRecords: 0, largestCluster: 1, refusedClusters: 1, refusedKeys: 2000, orphanFacts: 0 });
    } finally {
      db.closeSync();
      chain.closeSync();
    }
  });

  it('200k records and 800k consent facts in reasonable time', async () => {
    const started = performance.now();
    // After every record's date (the latest is 2025-04-14): a future-dated grant would be an orphan.
    const result = await unify(connection, config, { runId: 'scale', runStartedAt: new Date('2025-06-01T00:00:00Z'), hasPrevious: false });
    const seconds = (performance.now() - started) / 1000;
    console.log(`unify 200k profiles + 800k consents: ${seconds.toFixed(1)} s`, JSON.stringify(result));
    expect(seconds).toBeLessThan(60);

    // 20 chains of 500, 45k crm pairs (20k of them joined by two shop records), 60k lone shop records.
    expect(result.profileRecords).toBe(200_000);
    expect(result.largestCluster).toBe(500);
    expect(result.customers).toBe(20 + 45_000 + 60_000);
    expect(result.mergedRecords).toBe(10_000 + 90_000 + 40_000);
    expect(result.attachedFacts).toBe(800_000);
    expect(result.refusedClusters).toBe(0);
    expect(result.refusedKeys).toBe(1); // the shared placeholder phone
    expect(result.consentFacts).toBe(800_000);
    expect(result.orphanFacts).toBe(0);
    expect(await queryNumber(connection, { sql: 'SELECT count(*) FROM effective_consent' })).toBe(2 * result.customers);
  });
});
