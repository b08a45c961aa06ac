/**
 * combineImports: the combined tables of docs/tables.md from every source's tables — union of attribute
 * columns, order, source_stats, exact column types — and parallel imports on separate connections.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { openInstance, queryRows, withConnection } from '../../../core/db/connection.js';
import { combineImports, importSource } from '../../../core/import/index.js';
import { freshWorkspaceAndDbForEachTest, consentSource, importAll, type Db, type Workspace } from './helpers.js';

let ws: Workspace;
let db: Db;
freshWorkspaceAndDbForEachTest((freshWs, freshDb) => {
  ws = freshWs;
  db = freshDb;
});

function threeSources() {
  const crm = ws.write('crm.csv', 'id,email,first_name,country\nc1,a@example.org,Ann,GB\nc2,b@example.org,,IE\n,x@example.org,,\n');
  const shop = ws.write('shop.csv', 'id,phone,Country,tier,nl\ns1,555 0101,FR,gold,yes\ns2,,,silver,\n');
  const consent = ws.write('consent.csv', 'consent_id,email,consent_option,consent_value,consent_date\nk1,a@example.org,Newsletter,no,2024-01-01\nk2,b@example.org,Bogus,yes,\n');
  return ws.config([
    { name: 'crm', type: 'profiles', format: 'csv', path: crm, primaryKey: 'id', keys: { email: 'email' }, attributes: { first_name: 'first_name', country: 'country' } },
    consentSource(consent),
    {
      name: 'shop',
      type: 'profiles',
      format: 'csv',
      path: shop,
      primaryKey: 'id',
      keys: { phone: 'phone' },
      attributes: { Country: 'Country', tier: 'tier' },
      consent: { purposes: { Newsletter: 'nl' } },
    },
  ]);
}

test('profile_records has one column per unified attribute across sources, NULL where a source lacks it', async () => {
  await importAll(db, threeSources());
  expect(await db.rows('SELECT * FROM profile_records ORDER BY rid')).toEqual([
    { rid: '0', source: 'crm', source_rank: 0, record_id: 'c1', row_no: '1', email: 'a@example.org', phone: null, email_match: true, phone_match: false, first_name: 'Ann', country: 'GB', tier: null, extra_emails: null, extra_phones: null },
    { rid: '1', source: 'crm', source_rank: 0, record_id: 'c2', row_no: '2', email: 'b@example.org', phone: null, email_match: true, phone_match: false, first_name: null, country: 'IE', tier: null, extra_emails: null, extra_phones: null },
    { rid: String(2 * 2 ** 40), source: 'shop', source_rank: 2, record_id: 's1', row_no: '1', email: null, phone: '5550101', email_match: false, phone_match: true, first_name: null, country: 'FR', tier: 'gold', extra_emails: null, extra_phones: null },
    { rid: String(2 * 2 ** 40 + 1), source: 'shop', source_rank: 2, record_id: 's2', row_no: '2', email: null, phone: null, email_match: false, phone_match: true, first_name: null, country: null, tier: 'silver', extra_emails: null, extra_phones: null },
  ]);
});

test('a run file of an earlier release, with the record tables as tables, is combined into views', async () => {
  await db.rows('CREATE TABLE profile_records AS SELECT 1 AS x');
  await db.rows('CREATE TABLE consent_records AS SELECT 1 AS x');
  await importAll(db, threeSources());
  expect(await db.rows("SELECT view_name FROM duckdb_views() WHERE NOT internal AND view_name LIKE '%_records' ORDER BY view_name")).toEqual([
    { view_name: 'consent_records' },
    { view_name: 'profile_records' },
  ]);
  expect(await db.rows('SELECT count(*) AS n FROM profile_records')).toEqual([{ n: '4' }]);
});

test('consent_records, rejects and source_stats combine every source, in config order', async () => {
  await importAll(db, threeSources());
  expect(await db.rows('SELECT source, source_rank, consent_id, row_no, key_kind, key_value, purpose, granted, CAST(consent_date AS VARCHAR) AS consent_date FROM consent_records')).toEqual([
    { source: 'consent', source_rank: 1, consent_id: 'k1', row_no: '1', key_kind: 'email', key_value: 'a@example.org', purpose: 'Newsletter', granted: false, consent_date: '2024-01-01 00:00:00' },
    { source: 'shop', source_rank: 2, consent_id: 's1', row_no: '1', key_kind: 'record', key_value: 's1', purpose: 'Newsletter', granted: true, consent_date: null },
  ]);
  expect(await db.rows('SELECT * FROM rejects')).toEqual([
    { source: 'crm', row_no: '3', column_name: 'id', reason: 'missing primary key', detail: 'the primary key is blank', value: null },
    { source: 'consent', row_no: '2', column_name: 'consent_option', reason: 'undeclared purpose', detail: 'not a purpose declared in the config', value: 'Bogus' },
  ]);
  expect(await db.rows('SELECT * FROM source_stats')).toEqual([
    { source: 'crm', source_type: 'profiles', format: 'csv', rows_read: '3', rows_accepted: '2', rows_rejected: '1', consent_facts: '0', rejected_withdrawals: '0' },
    { source: 'consent', source_type: 'consent', format: 'csv', rows_read: '2', rows_accepted: '1', rows_rejected: '1', consent_facts: '1', rejected_withdrawals: '0' },
    { source: 'shop', source_type: 'profiles', format: 'csv', rows_read: '2', rows_accepted: '2', rows_rejected: '0', consent_facts: '1', rejected_withdrawals: '0' },
  ]);
});

test('column types follow docs/tables.md', async () => {
  await importAll(db, threeSources());
  const types = await db.rows<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM duckdb_columns()
     WHERE table_name IN ('profile_records', 'consent_records', 'rejects', 'source_stats') ORDER BY table_name, column_index`,
  );
  const of = (table: string) => Object.fromEntries(types.filter((row) => row.table_name === table).map((row) => [row.column_name, row.data_type]));
  expect(of('profile_records')).toEqual({
    rid: 'BIGINT',
    source: 'VARCHAR',
    source_rank: 'INTEGER',
    record_id: 'VARCHAR',
    row_no: 'BIGINT',
    email: 'VARCHAR',
    phone: 'VARCHAR',
    email_match: 'BOOLEAN',
    phone_match: 'BOOLEAN',
    first_name: 'VARCHAR',
    country: 'VARCHAR',
    tier: 'VARCHAR',
    extra_emails: 'VARCHAR[]',
    extra_phones: 'VARCHAR[]',
  });
  expect(of('consent_records')).toEqual({
    source: 'VARCHAR',
    source_rank: 'INTEGER',
    consent_id: 'VARCHAR',
    row_no: 'BIGINT',
    key_kind: 'VARCHAR',
    key_value: 'VARCHAR',
    purpose: 'VARCHAR',
    granted: 'BOOLEAN',
    consent_date: 'TIMESTAMP',
    date_only: 'BOOLEAN',
  });
  expect(of('rejects')).toEqual({ source: 'VARCHAR', row_no: 'BIGINT', column_name: 'VARCHAR', reason: 'VARCHAR', detail: 'VARCHAR', value: 'VARCHAR' });
  expect(of('source_stats')).toEqual({
    source: 'VARCHAR',
    source_type: 'VARCHAR',
    format: 'VARCHAR',
    rows_read: 'BIGINT',
    rows_accepted: 'BIGINT',
    rows_rejected: 'BIGINT',
    consent_facts: 'BIGINT',
    rejected_withdrawals: 'BIGINT',
  });
});

test('combining before every source is imported is an error', async () => {
  const config = threeSources();
  await importSource(db.connection, config, 0);
  await expect(combineImports(db.connection, config)).rejects.toThrow('source "consent" has not been imported: table src_1_consent is missing');
});

test('imports run in parallel on separate connections of one run database file', async () => {
  const config = threeSources();
  const file = path.join(ws.dir, 'run.duckdb');
  const instance = await openInstance(file);
  try {
    const results = await Promise.all(config.sources.map((_, index) => withConnection(instance, (connection) => importSource(connection, config, index))));
    expect(results.map((result) => [result.source, result.rowsAccepted, result.rowsRejected])).toEqual([
      ['crm', 2, 1],
      ['consent', 1, 1],
      ['shop', 2, 0],
    ]);
    await withConnection(instance, (connection) => combineImports(connection, config));
    const counts = await withConnection(instance, (connection) =>
      queryRows(connection, { sql: 'SELECT (SELECT count(*) FROM profile_records) AS p, (SELECT count(*) FROM consent_records) AS c, (SELECT count(*) FROM rejects) AS r' }),
    );
    expect(counts).toEqual([{ p: '4', c: '2', r: '2' }]);
  } finally {
    instance.closeSync();
    rmSync(file, { force: true });
  }
});
