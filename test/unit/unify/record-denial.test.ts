/**
 * A withdrawal carried by a profile record reaches the person's other records that hold the same email or
 * phone but are other customers (a refused over-merge, a source that does not match on the key); a grant
 * carried by a record stays with that record's customer.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { expect, it } from 'vitest';
import { queryRows } from '../../../core/db/connection.js';
import { unify } from '../../../core/unify/index.js';
import { createConsentRecords, createProfileRecords, testConfig, type ConsentInput, type ProfileInput, memoryConnectionForFile } from './inputs.js';

const config = testConfig({
  purposes: { Newsletter: { regime: 'opt-in' }, 'Sale of data': { regime: 'opt-out' } },
  matching: { maxClusterSize: 3 },
  sources: [
    { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' } },
    { name: 'shop', type: 'profiles', format: 'csv', path: 'shop.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' },
      consent: { purposes: { 'Sale of data': 'sale', Newsletter: 'news' } } },
  ],
});

const profile = (source: 'crm' | 'shop', id: string, email: string | null, phone: string | null, matches = true): ProfileInput => ({
  source, rank: source === 'crm' ? 0 : 1, id, email, phone, emailMatch: matches, phoneMatch: true,
});
const carried = (id: string, purpose: string, granted: boolean): ConsentInput => ({
  source: 'shop', rank: 1, id: `${id}-${purpose}`, kind: 'record', key: id, purpose, granted, date: '2026-11-01',
});

let connection: DuckDBConnection;
memoryConnectionForFile((opened) => (connection = opened));

it('a denial reaches every customer holding one of the record’s keys; a grant only its own customer; a crowded placeholder carries nothing', async () => {
  await createProfileRecords(connection, [], [
    // Paula's crm and shop records share her email; the family phone makes the cluster 4 > 3: four customers.
    profile('crm', 'C-P', 'paula@x.com', '+1 212 555 0100'),
    profile('crm', 'C-F1', 'fred@x.com', '+1 212 555 0100'),
    profile('crm', 'C-F2', 'fiona@x.com', '+1 212 555 0100'),
    profile('shop', 'S-P', 'paula@x.com', null),
    // Quentin: shop does not match on email here, so his two records stay two customers.
    profile('crm', 'C-Q', 'quentin@x.com', null),
    profile('shop', 'S-Q', 'quentin@x.com', '+1 212 555 0199', false),
    // A placeholder phone held by five customers (more than maxClusterSize): it carries no denial.
    ...['1', '2', '3', '4'].map((n) => profile('crm', `C-Z${n}`, `z${n}@x.com`, '0000000')),
    profile('shop', 'S-Z', 'z@x.com', '0000000'),
  ]);
  await createConsentRecords(connection, [
    carried('S-P', 'Sale of data', false),
    carried('S-P', 'Newsletter', true),
    carried('S-Q', 'Sale of data', false),
    carried('S-Z', 'Sale of data', false),
  ]);
  await unify(connection, config, { runId: 'run', runStartedAt: new Date('2026-12-01T00:00:00Z'), hasPrevious: false });
  const rows = await queryRows(connection, {
    sql: `SELECT list_sort(c.source_records)[1] AS record, e.purpose, e.granted, e.basis, e.source, e.consent_id
          FROM effective_consent e JOIN customers c USING (customer_id) ORDER BY record, e.purpose`,
  });
  const decided = (record: string, purpose: string, granted: boolean, consentId: string | null) => ({
    record, purpose, granted, basis: consentId === null ? 'default' : 'record', source: consentId === null ? null : 'shop', consent_id: consentId,
  });
  expect(rows).toEqual([
    decided('crm:C-F1', 'Newsletter', false, null),
    decided('crm:C-F1', 'Sale of data', true, null), // the family phone is not Paula's withdrawal's to spread
    decided('crm:C-F2', 'Newsletter', false, null),
    decided('crm:C-F2', 'Sale of data', true, null),
    decided('crm:C-P', 'Newsletter', false, null), // Paula's shop grant stays with the shop record
    decided('crm:C-P', 'Sale of data', false, 'S-P-Sale of data'), // her shop withdrawal reaches her crm record
    decided('crm:C-Q', 'Newsletter', false, null),
    decided('crm:C-Q', 'Sale of data', false, 'S-Q-Sale of data'),
    ...['1', '2', '3', '4'].flatMap((n) => [decided(`crm:C-Z${n}`, 'Newsletter', false, null), decided(`crm:C-Z${n}`, 'Sale of data', true, null)]),
    decided('shop:S-P', 'Newsletter', true, 'S-P-Newsletter'),
    decided('shop:S-P', 'Sale of data', false, 'S-P-Sale of data'),
    decided('shop:S-Q', 'Newsletter', false, null),
    decided('shop:S-Q', 'Sale of data', false, 'S-Q-Sale of data'),
    decided('shop:S-Z', 'Newsletter', false, null),
    decided('shop:S-Z', 'Sale of data', false, 'S-Z-Sale of data'),
  ]);
  expect(await queryRows(connection, { sql: 'SELECT count(*) AS n FROM consent_orphans' })).toEqual([{ n: '0' }]);
});
