/**
 * Expiry counts in days (design §4: a grant "counts as denied from the day it expires"): the run's time of
 * day never changes the outcome. Run on 2026-11-29 at 11:15 UTC with `expiresAfter: P24M`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { expect, it } from 'vitest';
import { queryRows } from '../../../core/db/connection.js';
import { unify } from '../../../core/unify/index.js';
import { createConsentRecords, createProfileRecords, testConfig, type ConsentInput, memoryConnectionForFile } from './inputs.js';

const config = testConfig({
  purposes: { Updates: { regime: 'opt-in', expiresAfter: 'P24M' } },
  sources: [
    { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email' } },
    { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'id', keys: { email: 'email' }, purpose: 'Updates', value: 'v', date: 'd' },
  ],
});

const grant = (id: string, date: string): ConsentInput => ({ source: 'consent', rank: 1, id, kind: 'email', key: `${id}@example.org`, purpose: 'Updates', granted: true, date });

let connection: DuckDBConnection;
memoryConnectionForFile((opened) => (connection = opened));

it('a grant expires for the whole of its expiry day, whatever the time of the grant or of the run', async () => {
  const grants = [
    grant('g1', '2024-11-29'), // expires 2026-11-29: expired
    grant('g2', '2024-11-29 23:00:00'), // expires 2026-11-29 23:00, later than the run: still expired (same day)
    grant('g3', '2024-11-30 00:00:00'), // expires tomorrow: granted
    grant('g4', '2024-11-28 23:59:59'), // expired yesterday
  ];
  await createProfileRecords(connection, [], grants.map((g, i) => ({ source: 'crm', rank: 0, id: String(i + 1), email: g.key })));
  await createConsentRecords(connection, grants);
  await unify(connection, config, { runId: 'run', runStartedAt: new Date('2026-11-29T11:15:00Z'), hasPrevious: false });
  const rows = await queryRows(connection, {
    sql: `SELECT e.consent_id, e.granted, e.basis FROM effective_consent e ORDER BY e.consent_id`,
  });
  expect(rows).toEqual([
    { consent_id: 'g1', granted: false, basis: 'expired' },
    { consent_id: 'g2', granted: false, basis: 'expired' },
    { consent_id: 'g3', granted: true, basis: 'record' },
    { consent_id: 'g4', granted: false, basis: 'expired' },
  ]);
});
