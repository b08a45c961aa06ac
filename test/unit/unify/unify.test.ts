/**
 * The unify stage on a hand-made dataset that exercises every rule of design §3–§4, with the exact
 * expected tables. Real in-memory DuckDB; the import stage's tables are created directly.
 */
import { createHash } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber } from '../../../core/db/connection.js';
import { unify, type UnifyResult } from '../../../core/unify/index.js';
import { createConsentRecords, createProfileRecords, tableRows, testConfig, type ConsentInput, type ProfileInput } from './inputs.js';

const RUN_ID = 'run-hand-1';
const RUN_STARTED_AT = new Date('2025-06-01T00:00:00Z');
const FIRST_SEEN = '2025-06-01 00:00:00';

const config = testConfig({
  purposes: {
    Newsletter: { regime: 'opt-in' },
    'Product updates': { regime: 'opt-in', expiresAfter: 'P24M' },
    'Sale of data': { regime: 'opt-out' },
  },
  matching: { maxClusterSize: 4 },
  sources: [
    { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' },
      attributes: { first_name: 'first_name', country: 'country' },
      consent: { purposes: { 'Product updates': 'updates', Newsletter: 'news' }, date: 'consent_date' } },
    { name: 'shop', type: 'profiles', format: 'csv', path: 'shop.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' },
      matchOn: ['phone'], attributes: { first_name: 'name', country: 'country' } },
    { name: 'web', type: 'profiles', format: 'csv', path: 'web.csv', primaryKey: 'id', keys: { email: 'email' },
      attributes: { first_name: 'first', loyalty_tier: 'tier' } },
    { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'id', keys: { email: 'email' }, option: 'option', value: 'value', date: 'date' },
    { name: 'sms', type: 'consent', format: 'csv', path: 'sms.csv', primaryKey: 'id', keys: { phone: 'phone' }, option: 'option', value: 'value', date: 'date' },
  ],
});
const ATTRIBUTES = ['first_name', 'country', 'loyalty_tier'];

const crm = (id: string, row: number, email: string | null, phone: string | null, first_name: string | null, country: string | null = null): ProfileInput => ({
  source: 'crm', rank: 0, id, row, email, phone, emailMatch: true, phoneMatch: true, attributes: { first_name, country },
});
const shop = (id: string, row: number, email: string | null, phone: string | null, first_name: string | null, country: string | null = null): ProfileInput => ({
  source: 'shop', rank: 1, id, row, email, phone, emailMatch: false, phoneMatch: true, attributes: { first_name, country },
});
const web = (id: string, row: number, email: string | null, first_name: string | null, loyalty_tier: string | null): ProfileInput => ({
  source: 'web', rank: 2, id, row, email, phone: null, emailMatch: true, phoneMatch: false, attributes: { first_name, loyalty_tier },
});

const PROFILES: ProfileInput[] = [
  crm('c1', 1, ' Alice@Mail.COM ', '+44 7700 900001', 'Alice'), // merges with shop s1 through the phone
  crm('c2', 2, 'bob@mail.com', null, 'Bob', 'UK'), // shop s2 has the same email but shop does not match on email
  crm('c3', 3, '', null, 'Blank1'), // blank emails never merge
  crm('c4', 4, '   ', null, 'Blank2'),
  crm('c5', 5, 'test@test.com', null, 'P1'), // a placeholder shared by three records
  crm('c6', 6, 'TEST@test.com', null, 'P2'),
  crm('c7', 7, ' test@test.com', null, 'P3'),
  crm('c8', 8, 'big1@mail.com', null, 'B8'), // c8–c11 + c15: a component of 5 > maxClusterSize 4
  crm('c9', 9, 'big1@mail.com', '555-010-0111', 'B9'),
  crm('c10', 10, 'big2@mail.com', '555 010 0111', 'B10'),
  crm('c11', 11, 'big2@mail.com', null, 'B11'),
  crm('c12', 12, 'dave@mail.com', null, 'Dave', 'NL'),
  crm('c13', 13, 'carol@mail.com', '(555) 123-4567', 'Carol'), // carol: email (web) + phone (shop) + phone (crm)
  crm('c14', 14, null, '555 123 4567', 'Caro', 'IT'),
  crm('c15', 15, null, '5550100111', 'B15'),
  shop('s1', 1, 'alice.shop@mail.com', '44-7700-900-001', 'Alicia', 'FR'),
  shop('s2', 2, 'bob@mail.com', null, 'Robert'),
  shop('s3', 3, null, '0000000', 'Zero1'), // placeholder phone shared by two records
  shop('s4', 4, null, '000-0000', 'Zero2'),
  shop('s5', 5, 'carol@other.com', '555.123.4567', 'Caroline', 'DE'),
  web('w1', 1, 'CAROL@mail.com ', null, 'gold'),
  web('w2', 2, 'erin@mail.com', 'Erin', null),
];

const consent = (id: string, key: string, purpose: string, granted: boolean, date: string | null): ConsentInput => ({
  source: 'consent', rank: 3, id, kind: 'email', key, purpose, granted, date,
});
const sms = (id: string, key: string, purpose: string, granted: boolean, date: string | null): ConsentInput => ({
  source: 'sms', rank: 4, id, kind: 'phone', key, purpose, granted, date,
});
const carried = (id: string, purpose: string, granted: boolean, date: string | null): ConsentInput => ({
  source: 'crm', rank: 0, id, kind: 'record', key: id, purpose, granted, date,
});

const CONSENTS: ConsentInput[] = [
  consent('k1', 'alice@mail.com', 'Newsletter', true, '2024-01-01'),
  consent('k2', ' ALICE@mail.com', 'Newsletter', false, '2024-03-01'), // withdrawal after grant
  consent('k3', 'bob@mail.com', 'Newsletter', true, '2024-05-01'), // grant on a key two customers own → orphan
  consent('k4', 'bob@mail.com', 'Sale of data', false, '2024-05-01'), // denial on it → both owners
  consent('k5', 'carol@mail.com', 'Newsletter', true, '2023-01-01'),
  consent('k6', 'CAROL@MAIL.COM', 'Newsletter', false, '2023-06-01'),
  consent('k7', 'carol@mail.com', 'Newsletter', true, '2024-02-01'), // re-grant after withdrawal
  consent('k8', 'carol@other.com', 'Product updates', true, '2025-05-01'), // via a non-matching key; same day as p1
  consent('k9', 'stranger@mail.com', 'Newsletter', true, '2024-01-01'), // no customer
  consent('k10', 'test@test.com', 'Newsletter', true, '2024-01-01'), // placeholder key
  consent('k11', 'big1@mail.com', 'Newsletter', true, '2024-01-01'), // refused cluster: ambiguous grant
  consent('k12', 'big2@mail.com', 'Newsletter', false, '2024-01-01'), // refused cluster: denial to both
  consent('k13', 'erin@mail.com', 'Product updates', true, null), // undated grant, expiring purpose → expired
  consent('k14', 'dave@mail.com', 'Product updates', true, '2024-12-01'), // not yet expired
  consent('k15', 'dave@mail.com', 'Newsletter', true, null), // undated but the only record
  consent('k16', 'alice@mail.com', 'Sale of data', true, '2020-01-01'),
  sms('p1', '555-123-4567', 'Product updates', false, '2025-05-01'), // same day as k8: denial wins
  sms('p2', '+44 7700 900001', 'Sale of data', false, null), // undated: ranks below k16
  sms('p3', '0000000', 'Sale of data', false, '2024-01-01'), // a denial on a placeholder two customers hold → both
  carried('c1', 'Product updates', true, '2023-01-01'), // expired on 2025-01-01
  carried('c12', 'Product updates', false, null), // undated: older than k14
  carried('c999', 'Newsletter', true, '2024-01-01'), // no such record
];

const md5Id = (member: string) => `cus_${createHash('md5').update(`${RUN_ID}|${member}`).digest('hex').slice(0, 16)}`;
const ALICE = md5Id('crm:c1');
const CAROL = md5Id('crm:c13');
const BOB_CRM = md5Id('crm:c2');
const BOB_SHOP = md5Id('shop:s2');
const DAVE = md5Id('crm:c12');
const ERIN = md5Id('web:w2');

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let result: UnifyResult;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await createProfileRecords(connection, ATTRIBUTES, PROFILES);
  await createConsentRecords(connection, CONSENTS);
  result = await unify(connection, config, { runId: RUN_ID, runStartedAt: RUN_STARTED_AT, hasPrevious: false });
});

afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

describe('unify: hand-made dataset', () => {
  it('summarises the run with counts only', () => {
    expect(result).toEqual({
      profileRecords: 22,
      customers: 18,
      mergedRecords: 6,
      largestCluster: 4,
      refusedKeys: 5,
      refusedClusters: 1,
      consentFacts: 22,
      attachedFacts: 17,
      orphanFacts: 5,
      orphanWithdrawals: 0,
      effectiveGranted: { Newsletter: 2, 'Product updates': 1, 'Sale of data': 14 },
    });
  });

  it('record_customer: every record once, opaque ids from the oldest member, first_seen = run clock', async () => {
    const rows = await tableRows(connection, 'record_customer', ['source', 'record_id']);
    const customerOf = (source: string, id: string) => {
      if (source === 'crm' && id === 'c1') return ALICE;
      if (source === 'shop' && id === 's1') return ALICE;
      if (['crm:c13', 'crm:c14', 'shop:s5', 'web:w1'].includes(`${source}:${id}`)) return CAROL;
      return md5Id(`${source}:${id}`);
    };
    expect(rows).toEqual(
      PROFILES.map((p) => ({ source: p.source, record_id: p.id, customer_id: customerOf(p.source, p.id), first_seen: FIRST_SEEN })).sort(
        (a, b) => a.source.localeCompare(b.source) || (a.record_id < b.record_id ? -1 : 1),
      ),
    );
    for (const row of rows) expect(row['customer_id']).toMatch(/^cus_[0-9a-f]{16}$/);
  });

  it('customers: attributes by source priority (source_rank, row_no), placeholders are not contact data', async () => {
    const rows = await tableRows(connection, 'customers', ['customer_id']);
    const single = (member: string, email: string | null, phone: string | null, first_name: string, country: string | null = null) => ({
      customer_id: md5Id(member), email, phone, first_name, country, loyalty_tier: null, source_records: [member], record_count: 1,
    });
    const expected = [
      { customer_id: ALICE, email: 'alice@mail.com', phone: '447700900001', first_name: 'Alice', country: 'FR', loyalty_tier: null,
        source_records: ['crm:c1', 'shop:s1'], record_count: 2 },
      { customer_id: CAROL, email: 'carol@mail.com', phone: '5551234567', first_name: 'Carol', country: 'IT', loyalty_tier: 'gold',
        source_records: ['crm:c13', 'crm:c14', 'shop:s5', 'web:w1'], record_count: 4 },
      single('crm:c2', 'bob@mail.com', null, 'Bob', 'UK'),
      single('crm:c3', null, null, 'Blank1'),
      single('crm:c4', null, null, 'Blank2'),
      single('crm:c5', null, null, 'P1'),
      single('crm:c6', null, null, 'P2'),
      single('crm:c7', null, null, 'P3'),
      single('crm:c8', 'big1@mail.com', null, 'B8'),
      single('crm:c9', 'big1@mail.com', '5550100111', 'B9'),
      single('crm:c10', 'big2@mail.com', '5550100111', 'B10'),
      single('crm:c11', 'big2@mail.com', null, 'B11'),
      single('crm:c12', 'dave@mail.com', null, 'Dave', 'NL'),
      single('crm:c15', null, '5550100111', 'B15'),
      single('shop:s2', 'bob@mail.com', null, 'Robert'),
      single('shop:s3', null, null, 'Zero1'),
      single('shop:s4', null, null, 'Zero2'),
      single('web:w2', 'erin@mail.com', null, 'Erin'),
    ].sort((a, b) => (a.customer_id < b.customer_id ? -1 : 1));
    expect(rows).toEqual(expected);
  });

  it('customer_keys: every normalised key of every member, placeholders flagged', async () => {
    const rows = await tableRows(connection, 'customer_keys', ['customer_id', 'key_kind', 'key_value']);
    const key = (customer_id: string, key_kind: string, key_value: string, placeholder = false) => ({ customer_id, key_kind, key_value, placeholder });
    const expected = [
      key(ALICE, 'email', 'alice@mail.com'),
      key(ALICE, 'email', 'alice.shop@mail.com'),
      key(ALICE, 'phone', '447700900001'),
      key(CAROL, 'email', 'carol@mail.com'),
      key(CAROL, 'email', 'carol@other.com'),
      key(CAROL, 'phone', '5551234567'),
      key(BOB_CRM, 'email', 'bob@mail.com'),
      key(BOB_SHOP, 'email', 'bob@mail.com'),
      key(md5Id('crm:c5'), 'email', 'test@test.com', true),
      key(md5Id('crm:c6'), 'email', 'test@test.com', true),
      key(md5Id('crm:c7'), 'email', 'test@test.com', true),
      key(md5Id('crm:c8'), 'email', 'big1@mail.com'),
      key(md5Id('crm:c9'), 'email', 'big1@mail.com'),
      key(md5Id('crm:c9'), 'phone', '5550100111'),
      key(md5Id('crm:c10'), 'email', 'big2@mail.com'),
      key(md5Id('crm:c10'), 'phone', '5550100111'),
      key(md5Id('crm:c11'), 'email', 'big2@mail.com'),
      key(DAVE, 'email', 'dave@mail.com'),
      key(md5Id('crm:c15'), 'phone', '5550100111'),
      key(md5Id('shop:s3'), 'phone', '0000000', true),
      key(md5Id('shop:s4'), 'phone', '0000000', true),
      key(ERIN, 'email', 'erin@mail.com'),
    ].sort((a, b) => (a.customer_id < b.customer_id ? -1 : a.customer_id > b.customer_id ? 1 : a.key_kind < b.key_kind ? -1 : a.key_kind > b.key_kind ? 1 : a.key_value < b.key_value ? -1 : 1));
    expect(rows).toEqual(expected);
  });

  it('merge_refusals: shared placeholders and the keys of the too-large cluster', async () => {
    expect(await tableRows(connection, 'merge_refusals', ['reason', 'key_kind', 'key_value'])).toEqual([
      { key_kind: 'email', key_value: 'big1@mail.com', reason: 'cluster too large', record_count: 2, customer_count: 2 },
      { key_kind: 'email', key_value: 'big2@mail.com', reason: 'cluster too large', record_count: 2, customer_count: 2 },
      { key_kind: 'phone', key_value: '5550100111', reason: 'cluster too large', record_count: 3, customer_count: 3 },
      { key_kind: 'email', key_value: 'test@test.com', reason: 'placeholder', record_count: 3, customer_count: 3 },
      { key_kind: 'phone', key_value: '0000000', reason: 'placeholder', record_count: 2, customer_count: 2 },
    ]);
  });

  it('consent_orphans: no customer, placeholder key, ambiguous grant', async () => {
    expect(await tableRows(connection, 'consent_orphans', ['source', 'consent_id'])).toEqual([
      { source: 'consent', consent_id: 'k10', row_no: '10', key_kind: 'email', granted: true, reason: 'placeholder key' },
      { source: 'consent', consent_id: 'k11', row_no: '11', key_kind: 'email', granted: true, reason: 'ambiguous key' },
      { source: 'consent', consent_id: 'k3', row_no: '3', key_kind: 'email', granted: true, reason: 'ambiguous key' },
      { source: 'consent', consent_id: 'k9', row_no: '9', key_kind: 'email', granted: true, reason: 'no customer' },
      { source: 'crm', consent_id: 'c999', row_no: '22', key_kind: 'record', granted: true, reason: 'no customer' },
    ]);
  });

  it('effective_consent: one row per customer × purpose with lineage', async () => {
    const rows = await tableRows(connection, 'effective_consent', ['customer_id', 'purpose']);
    type Row = { customer_id: string; purpose: string; granted: boolean; basis: string; source: string | null; consent_id: string | null; consent_date: string | null; record_count: number };
    const decided = new Map<string, Row>();
    const set = (customer_id: string, purpose: string, granted: boolean, basis: string, source: string, consent_id: string, date: string | null, record_count: number) =>
      decided.set(`${customer_id}|${purpose}`, { customer_id, purpose, granted, basis, source, consent_id, consent_date: date === null ? null : `${date} 00:00:00`, record_count });
    set(ALICE, 'Newsletter', false, 'record', 'consent', 'k2', '2024-03-01', 2); // withdrawal after grant
    set(ALICE, 'Product updates', false, 'expired', 'crm', 'c1', '2023-01-01', 1); // expired grant
    set(ALICE, 'Sale of data', true, 'record', 'consent', 'k16', '2020-01-01', 2); // dated beats undated
    set(BOB_CRM, 'Sale of data', false, 'record', 'consent', 'k4', '2024-05-01', 1); // ambiguous denial → every owner
    set(BOB_SHOP, 'Sale of data', false, 'record', 'consent', 'k4', '2024-05-01', 1);
    set(CAROL, 'Newsletter', true, 'record', 'consent', 'k7', '2024-02-01', 3); // re-grant after withdrawal
    set(CAROL, 'Product updates', false, 'record', 'sms', 'p1', '2025-05-01', 2); // same-day conflict: deny wins
    set(md5Id('crm:c10'), 'Newsletter', false, 'record', 'consent', 'k12', '2024-01-01', 1);
    set(md5Id('crm:c11'), 'Newsletter', false, 'record', 'consent', 'k12', '2024-01-01', 1);
    set(DAVE, 'Newsletter', true, 'record', 'consent', 'k15', null, 1); // undated, only record
    set(DAVE, 'Product updates', true, 'record', 'consent', 'k14', '2024-12-01', 2); // not yet expired; undated denial older
    set(ERIN, 'Product updates', false, 'expired', 'consent', 'k13', null, 1); // undated grant under expiry
    // A denial keyed by a placeholder applies to its holders when they are few (≤ maxClusterSize): a withdrawal is never lost.
    set(md5Id('shop:s3'), 'Sale of data', false, 'record', 'sms', 'p3', '2024-01-01', 1);
    set(md5Id('shop:s4'), 'Sale of data', false, 'record', 'sms', 'p3', '2024-01-01', 1);
    const customers = [...new Set(rows.map((row) => row['customer_id'] as string))].sort();
    expect(customers).toHaveLength(18);
    const expected: Row[] = [];
    for (const customer_id of customers) {
      for (const [purpose, defaultGranted] of [['Newsletter', false], ['Product updates', false], ['Sale of data', true]] as const) {
        expected.push(
          decided.get(`${customer_id}|${purpose}`) ?? {
            customer_id, purpose, granted: defaultGranted, basis: 'default', source: null, consent_id: null, consent_date: null, record_count: 0,
          },
        );
      }
    }
    expect(rows).toEqual(expected);
  });

  it('is idempotent: a second run with the same run id gives the same tables', async () => {
    const before = await Promise.all(['customers', 'effective_consent', 'record_customer'].map((t) => tableRows(connection, t, ['customer_id'])));
    const again = await unify(connection, config, { runId: RUN_ID, runStartedAt: RUN_STARTED_AT, hasPrevious: false });
    expect(again).toEqual(result);
    const after = await Promise.all(['customers', 'effective_consent', 'record_customer'].map((t) => tableRows(connection, t, ['customer_id'])));
    const sort = (rows: Record<string, unknown>[]) => rows.map((row) => JSON.stringify(row)).sort();
    expect(after.map(sort)).toEqual(before.map(sort));
  });
});

describe('unify: empty inputs', () => {
  it('produces empty tables and zero counts', async () => {
    const empty = await DuckDBInstance.create(':memory:');
    const db = await empty.connect();
    try {
      await createProfileRecords(db, ATTRIBUTES, []);
      await createConsentRecords(db, []);
      const summary = await unify(db, config, { runId: 'empty', runStartedAt: RUN_STARTED_AT, hasPrevious: false });
      expect(summary).toEqual({
        profileRecords: 0, customers: 0, mergedRecords: 0, largestCluster: 0, refusedKeys: 0, refusedClusters: 0,
        consentFacts: 0, attachedFacts: 0, orphanFacts: 0, orphanWithdrawals: 0, effectiveGranted: { Newsletter: 0, 'Product updates': 0, 'Sale of data': 0 },
      });
      for (const table of ['record_customer', 'customers', 'customer_keys', 'merge_refusals', 'consent_orphans', 'effective_consent']) {
        expect(await queryNumber(db, { sql: `SELECT count(*) FROM ${table}` })).toBe(0);
      }
    } finally {
      db.closeSync();
      empty.closeSync();
    }
  });
});
