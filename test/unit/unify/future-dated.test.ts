/**
 * A grant dated in the future (more than a day after the run started) is reported as an orphan
 * ('future-dated grant') and never applied: as the latest record it would otherwise outrank every real
 * withdrawal until that date. A future-dated denial applies (withholding is always safe). Both paths:
 * facts read through views (small runs) and materialised + sliced (large runs).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../../core/db/connection.js';
import { unify } from '../../../core/unify/index.js';
import { createConsentRecords, createProfileRecords, testConfig, type ConsentInput, memoryConnectionForFile } from './inputs.js';

const config = testConfig({
  purposes: { Newsletter: { regime: 'opt-in' }, 'Sale of data': { regime: 'opt-out' } },
  sources: [
    { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email' } },
    { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'id', keys: { email: 'email' }, option: 'o', value: 'v', date: 'd' },
  ],
});
const RUN_STARTED_AT = new Date('2026-11-29T11:15:00Z');

const fact = (id: string, email: string, purpose: string, granted: boolean, date: string): ConsentInput => ({
  source: 'consent', rank: 1, id, kind: 'email', key: email, purpose, granted, date,
});

const FACTS = [
  // pia: withdrew today, but a grant typed as 2027 would outrank it: not applied.
  fact('p1', 'pia@example.org', 'Newsletter', true, '2027-01-01'),
  fact('p2', 'pia@example.org', 'Newsletter', false, '2026-11-29 09:00:00'),
  // tom: a grant from later today (a local time read as UTC) is within the day's tolerance: applied.
  fact('t1', 'tom@example.org', 'Newsletter', true, '2026-11-30 10:00:00'),
  // una: a future-dated withdrawal applies (and outranks the older grant).
  fact('u1', 'una@example.org', 'Sale of data', true, '2025-01-01'),
  fact('u2', 'una@example.org', 'Sale of data', false, '2031-05-05'),
  // vic: a future-dated grant alone: the default decides (Newsletter is opt-in ⇒ denied).
  fact('v1', 'vic@example.org', 'Newsletter', true, '2026-12-01'),
];

let connection: DuckDBConnection;
memoryConnectionForFile((opened) => (connection = opened));

describe('future-dated consent records', () => {
  for (const factsPerSlice of [undefined, 2]) {
    it(`grants dated after the run's next day are orphans, denials apply (${factsPerSlice === undefined ? 'views' : 'materialised, in slices'})`, async () => {
      const people = ['pia', 'tom', 'una', 'vic'];
      await createProfileRecords(connection, [], people.map((name, i) => ({ source: 'crm', rank: 0, id: String(i + 1), email: `${name}@example.org` })));
      await createConsentRecords(connection, FACTS);
      const result = await unify(connection, config, {
        runId: 'run',
        runStartedAt: RUN_STARTED_AT,
        hasPrevious: false,
        ...(factsPerSlice === undefined ? {} : { factsPerSlice }),
      });
      expect(await queryRows(connection, { sql: 'SELECT consent_id, reason FROM consent_orphans ORDER BY consent_id' })).toEqual([
        { consent_id: 'p1', reason: 'future-dated grant' },
        { consent_id: 'v1', reason: 'future-dated grant' },
      ]);
      expect(result).toMatchObject({ consentFacts: 6, attachedFacts: 4, orphanFacts: 2 });
      const rows = await queryRows(connection, {
        sql: `SELECT c.email, e.purpose, e.granted, e.basis, e.consent_id, e.record_count
              FROM effective_consent e JOIN customers c USING (customer_id) ORDER BY c.email, e.purpose`,
      });
      expect(rows).toEqual([
        { email: 'pia@example.org', purpose: 'Newsletter', granted: false, basis: 'record', consent_id: 'p2', record_count: 1 },
        { email: 'pia@example.org', purpose: 'Sale of data', granted: true, basis: 'default', consent_id: null, record_count: 0 },
        { email: 'tom@example.org', purpose: 'Newsletter', granted: true, basis: 'record', consent_id: 't1', record_count: 1 },
        { email: 'tom@example.org', purpose: 'Sale of data', granted: true, basis: 'default', consent_id: null, record_count: 0 },
        { email: 'una@example.org', purpose: 'Newsletter', granted: false, basis: 'default', consent_id: null, record_count: 0 },
        { email: 'una@example.org', purpose: 'Sale of data', granted: false, basis: 'record', consent_id: 'u2', record_count: 2 },
        { email: 'vic@example.org', purpose: 'Newsletter', granted: false, basis: 'default', consent_id: null, record_count: 0 },
        { email: 'vic@example.org', purpose: 'Sale of data', granted: true, basis: 'default', consent_id: null, record_count: 0 },
      ]);
    });
  }
});
