/**
 * Latest wins, a tie goes to the denial (design §4) — with records that carry only a date: against a
 * timed record on the same day the order is unknown, a tie, so the denial wins. Different days: the later.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { expect, it } from 'vitest';
import { queryRows } from '../../../core/db/connection.js';
import { unify } from '../../../core/unify/index.js';
import { createConsentRecords, createProfileRecords, testConfig, type ConsentInput, memoryConnectionForFile } from './inputs.js';

const config = testConfig({
  purposes: { Newsletter: { regime: 'opt-in' } },
  sources: [
    { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email' } },
    { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'id', keys: { email: 'email' }, purpose: 'Newsletter', value: 'v', date: 'd' },
  ],
});

const record = (id: string, person: string, granted: boolean, date: string): ConsentInput => ({
  source: 'consent', rank: 1, id, kind: 'email', key: `${person}@example.org`, purpose: 'Newsletter', granted, date,
});

let connection: DuckDBConnection;
memoryConnectionForFile((opened) => (connection = opened));

it('a date-only record ties with a timed one on the same day (the denial wins); an explicit midnight is a time; other days keep latest-wins', async () => {
  const records = [
    record('a1', 'ann', true, '2024-05-01 10:00:00'), // ann: withdrew "on 1 May" — maybe after 10:00
    record('a2', 'ann', false, '2024-05-01'),
    record('b1', 'ben', false, '2024-05-01 09:00:00'), // ben: granted "on 1 May" — maybe before 09:00
    record('b2', 'ben', true, '2024-05-01'),
    record('c1', 'cat', false, '2024-05-01'), // cat: granted again the next day
    record('c2', 'cat', true, '2024-05-02 08:00:00'),
    record('d1', 'dan', false, '2024-05-01 08:00:00'), // dan: both timed, the later grant wins
    record('d2', 'dan', true, '2024-05-01 10:00:00'),
    record('e1', 'eve', true, '2024-05-02'), // eve: both date-only, later day wins
    record('e2', 'eve', false, '2024-05-01'),
    record('f1', 'fay', false, '2024-05-01T00:00:00Z'), // fay: withdrew at midnight (a time), granted at 09:30
    record('f2', 'fay', true, '2024-05-01T09:30:00Z'),
    record('g1', 'guy', false, '2024-05-01 00:00:00'), // guy: the same, written with a space
    record('g2', 'guy', true, '2024-05-01 09:30:00'),
  ];
  const people = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'guy'];
  await createProfileRecords(connection, [], people.map((name, i) => ({ source: 'crm', rank: 0, id: String(i + 1), email: `${name}@example.org` })));
  await createConsentRecords(connection, records);
  await unify(connection, config, { runId: 'run', runStartedAt: new Date('2026-11-29T11:15:00Z'), hasPrevious: false });
  const rows = await queryRows(connection, {
    sql: `SELECT c.email, e.granted, e.consent_id FROM effective_consent e JOIN customers c USING (customer_id) ORDER BY c.email`,
  });
  expect(rows).toEqual([
    { email: 'ann@example.org', granted: false, consent_id: 'a2' },
    { email: 'ben@example.org', granted: false, consent_id: 'b1' },
    { email: 'cat@example.org', granted: true, consent_id: 'c2' },
    { email: 'dan@example.org', granted: true, consent_id: 'd2' },
    { email: 'eve@example.org', granted: true, consent_id: 'e1' },
    { email: 'fay@example.org', granted: true, consent_id: 'f2' },
    { email: 'guy@example.org', granted: true, consent_id: 'g2' },
  ]);
});
