/**
 * Stable customer ids across refreshes (design §3): each run writes its own DuckDB file; the next run
 * ATTACHes the previous one READ_ONLY as `prev`. Three runs: merges, splits, new and vanished records.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, queryRows } from '../../../core/db/connection.js';
import { quoteLiteral } from '../../../core/sql/identifiers.js';
import { unify, type UnifyResult } from '../../../core/unify/index.js';
import { createConsentRecords, createProfileRecords, testConfig, type ProfileInput } from './inputs.js';

const config = testConfig({
  purposes: { Newsletter: { regime: 'opt-in' } },
  sources: [
    { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' } },
    { name: 'shop', type: 'profiles', format: 'csv', path: 'shop.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' } },
  ],
});

const crm = (id: string, email: string, phone: string | null = null): ProfileInput => ({ source: 'crm', rank: 0, id, email, phone });
const shop = (id: string, email: string, phone: string | null = null): ProfileInput => ({ source: 'shop', rank: 1, id, email, phone });

interface RunOutput {
  result: UnifyResult;
  ids: Map<string, string>;
  firstSeen: Map<string, string>;
}

let dir: string;

async function runRefresh(runId: string, startedAt: string, profiles: ProfileInput[], previousRunId?: string): Promise<RunOutput> {
  const instance = await DuckDBInstance.create(path.join(dir, `${runId}.duckdb`));
  const connection = await instance.connect();
  try {
    if (previousRunId !== undefined) {
      await execute(connection, { sql: `ATTACH ${quoteLiteral(path.join(dir, `${previousRunId}.duckdb`))} AS prev (READ_ONLY)` });
    }
    await createProfileRecords(connection, [], profiles);
    await createConsentRecords(connection, []);
    const result = await unify(connection, config, { runId, runStartedAt: new Date(startedAt), hasPrevious: previousRunId !== undefined });
    const rows = await queryRows<{ member: string; customer_id: string; first_seen: string }>(connection, {
      sql: `SELECT source || ':' || record_id AS member, customer_id, CAST(first_seen AS VARCHAR) AS first_seen FROM record_customer`,
    });
    if (previousRunId !== undefined) await execute(connection, { sql: 'DETACH prev' });
    return {
      result,
      ids: new Map(rows.map((row) => [row.member, row.customer_id])),
      firstSeen: new Map(rows.map((row) => [row.member, row.first_seen])),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const newId = (runId: string, member: string) => `cus_${createHash('md5').update(`${runId}|${member}`).digest('hex').slice(0, 16)}`;

const RUN1 = [
  crm('a1', 'x@m.com'),
  shop('b1', 'y@m.com'),
  crm('a3', 'z@m.com'),
  shop('b3', 'z@m.com'),
  crm('a4', 'w@m.com'),
  shop('b4', 'v@m.com'),
  crm('a7', 'q@m.com'),
  crm('a8', 'q@m.com'),
  shop('b9', 'r@m.com'),
  crm('a10', 'gone@m.com'),
];
const RUN2 = [
  crm('a1', 'x@m.com', '5551110001'), // a1 and b1 now share a phone: X and Y merge, X (crm, older) survives
  shop('b1', 'y@m.com', '5551110001'),
  crm('a3', 'z@m.com'), // Z splits: a3 keeps Z, b3 gets a new id
  shop('b3', 'z2@m.com'),
  crm('a4', 'w@m.com'),
  crm('a5', 'w@m.com'), // new record joins W
  shop('b4', 'v@m.com'),
  crm('a6', 'v@m.com'), // new crm record joins V: b4 is older (first_seen), V survives despite source rank
  crm('a7', 'q@m.com'), // X2 splits; a8 joins Y2's b9: X2 stays with a7, {a8, b9} takes Y2
  crm('a8', 'r@m.com'),
  shop('b9', 'r@m.com'),
  // a10 is gone
];
const RUN3 = RUN2.map((p) => (p.id === 'a6' ? crm('a6', 'v2@m.com') : p)); // V splits: b4 (older) keeps V

let run1: RunOutput;
let run2: RunOutput;
let run3: RunOutput;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'unify-ids-'));
  run1 = await runRefresh('r1', '2025-01-01T00:00:00Z', RUN1);
  run2 = await runRefresh('r2', '2025-02-01T00:00:00Z', RUN2, 'r1');
  run3 = await runRefresh('r3', '2025-03-01T00:00:00Z', RUN3, 'r2');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('customer ids across refreshes', () => {
  it('run 1: new ids from the oldest member of each cluster', () => {
    const X = newId('r1', 'crm:a1');
    expect(Object.fromEntries(run1.ids)).toEqual({
      'crm:a1': X,
      'shop:b1': newId('r1', 'shop:b1'),
      'crm:a3': newId('r1', 'crm:a3'),
      'shop:b3': newId('r1', 'crm:a3'),
      'crm:a4': newId('r1', 'crm:a4'),
      'shop:b4': newId('r1', 'shop:b4'),
      'crm:a7': newId('r1', 'crm:a7'),
      'crm:a8': newId('r1', 'crm:a7'),
      'shop:b9': newId('r1', 'shop:b9'),
      'crm:a10': newId('r1', 'crm:a10'),
    });
    expect(new Set(run1.firstSeen.values())).toEqual(new Set(['2025-01-01 00:00:00']));
  });

  it('run 2: a merge keeps the oldest member id, a split keeps it with the older part', () => {
    const X = run1.ids.get('crm:a1')!;
    const Z = run1.ids.get('crm:a3')!;
    const W = run1.ids.get('crm:a4')!;
    const V = run1.ids.get('shop:b4')!;
    const X2 = run1.ids.get('crm:a7')!;
    const Y2 = run1.ids.get('shop:b9')!;
    expect(Object.fromEntries(run2.ids)).toEqual({
      'crm:a1': X,
      'shop:b1': X,
      'crm:a3': Z,
      'shop:b3': newId('r2', 'shop:b3'),
      'crm:a4': W,
      'crm:a5': W,
      'shop:b4': V,
      'crm:a6': V,
      'crm:a7': X2,
      'crm:a8': Y2,
      'shop:b9': Y2,
    });
    expect(run2.firstSeen.get('crm:a1')).toBe('2025-01-01 00:00:00');
    expect(run2.firstSeen.get('crm:a5')).toBe('2025-02-01 00:00:00');
    expect(run2.firstSeen.get('crm:a6')).toBe('2025-02-01 00:00:00');
    expect(run2.result.customers).toBe(7);
    expect(run2.result.mergedRecords).toBe(8);
  });

  it('run 3: ids and first_seen carry over; a split by first_seen keeps the id with the older record', () => {
    const expected = new Map(run2.ids);
    expected.set('crm:a6', newId('r3', 'crm:a6'));
    expect(Object.fromEntries(run3.ids)).toEqual(Object.fromEntries(expected));
    expect(Object.fromEntries(run3.firstSeen)).toEqual(Object.fromEntries(run2.firstSeen));
    expect(new Set(run3.ids.values()).size).toBe(8);
  });
});
