/**
 * Parquet and JSON-lines sources: mapped columns cast to VARCHAR, row numbers in file order, malformed
 * JSON lines as rejects, file-level failures as SourceErrors.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { execute } from '../../../core/db/connection.js';
import { SourceError } from '../../../core/errors.js';
import { importSource } from '../../../core/import/index.js';
import { quoteLiteral } from '../../../core/sql/identifiers.js';
import { freshWorkspaceAndDbForEachTest, consentRecords, crmSource, importAll, profileRecords, rejectTuples, type Db, type Workspace } from './helpers.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/import');
const CRM = path.join(FIXTURES, 'crm_contacts.csv');

let ws: Workspace;
let db: Db;
freshWorkspaceAndDbForEachTest((freshWs, freshDb) => {
  ws = freshWs;
  db = freshDb;
});

async function writeParquet(name: string, select: string): Promise<string> {
  const file = path.join(ws.dir, name);
  await execute(db.connection, { sql: `COPY (${select}) TO ${quoteLiteral(file)} (FORMAT parquet)` });
  return file;
}

async function expectSourceError(config: ReturnType<Workspace['config']>, index: number): Promise<SourceError> {
  const error = await importSource(db.connection, config, index).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

describe('Parquet', () => {
  test('a profile source with typed columns and carried consent', async () => {
    const file = await writeParquet(
      'shop.parquet',
      `SELECT * FROM (VALUES
         (101, ' Ann@Example.org ', 4420, DATE '2020-05-01', true),
         (NULL, 'nobody@example.org', NULL, NULL, false),
         (102, NULL, 5551, NULL, NULL),
         (101, 'dup@example.org', NULL, NULL, true)
       ) AS t("Customer ID", "E-Mail", phone, signup, newsletter)`,
    );
    const source = {
      name: 'shop',
      type: 'profiles',
      format: 'parquet',
      path: file,
      primaryKey: 'customer id',
      keys: { email: 'e-mail', phone: 'phone' },
      attributes: { signup: 'signup' },
      consent: { purposes: { Newsletter: 'newsletter' } },
    };
    const [result] = await importAll(db, ws.config([source]));
    expect(await profileRecords(db, 'source, record_id, row_no, email, phone, signup')).toEqual([
      { source: 'shop', record_id: '101', row_no: '1', email: 'ann@example.org', phone: '4420', signup: '2020-05-01' },
      { source: 'shop', record_id: '102', row_no: '3', email: null, phone: '5551', signup: null },
    ]);
    expect((await consentRecords(db)).map((row) => [row['consent_id'], row['row_no'], row['purpose'], row['granted']])).toEqual([
      ['101', '1', 'Newsletter', true],
      ['101', '4', 'Newsletter', true], // a duplicate profile row's consent still counts
    ]);
    expect(await rejectTuples(db)).toEqual([
      ['shop', 2, 'customer id', 'missing primary key'],
      ['shop', 4, 'customer id', 'duplicate primary key'],
    ]);
    expect(result).toMatchObject({ rowsRead: 4, rowsAccepted: 2, rowsRejected: 2, consentFacts: 2 });
  });

  test('a consent source with TIMESTAMP and TIMESTAMPTZ columns', async () => {
    const file = await writeParquet(
      'events.parquet',
      `SELECT * FROM (VALUES
         ('e1', 'a@example.org', 'Newsletter', 'yes', TIMESTAMP '2024-01-02 03:04:05', TIMESTAMPTZ '2024-01-02 03:04:05+02'),
         ('e2', 'b@example.org', 'Newsletter', 'no', NULL, NULL)
       ) AS t(id, email, opt, val, ts, tstz)`,
    );
    const base = { name: 'events', type: 'consent', format: 'parquet', path: file, primaryKey: 'id', keys: { email: 'email' }, option: 'opt', value: 'val' };
    await importAll(db, ws.config([crmSource(CRM), { ...base, date: 'ts' }]));
    expect((await consentRecords(db)).map((row) => [row['consent_id'], row['granted'], row['consent_date']])).toEqual([
      ['e1', true, '2024-01-02 03:04:05'],
      ['e2', false, null],
    ]);
    await importAll(db, ws.config([crmSource(CRM), { ...base, date: 'tstz' }]));
    expect((await consentRecords(db)).map((row) => [row['consent_id'], row['consent_date']])).toEqual([
      ['e1', '2024-01-02 01:04:05'],
      ['e2', null],
    ]);
  });

  test('a consent source keyed by phones in a DOUBLE or BIGINT column: the same digits as the text form', async () => {
    const file = await writeParquet(
      'withdrawals.parquet',
      `SELECT * FROM (VALUES ('d1', CAST(2125550100 AS DOUBLE), CAST(2125550100 AS BIGINT), 'Newsletter', 'no')) AS t(id, phone_double, phone_int, opt, val)`,
    );
    const base = { name: 'withdrawals', type: 'consent', format: 'parquet', path: file, primaryKey: 'id', option: 'opt', value: 'val' };
    for (const column of ['phone_double', 'phone_int']) {
      await importAll(db, ws.config([crmSource(CRM), { ...base, keys: { phone: column } }]));
      expect((await consentRecords(db)).map((row) => [row['consent_id'], row['key_value'], row['granted']])).toEqual([['d1', '2125550100', false]]);
    }
  });

  test('a missing column and a file that is not Parquet fail the import', async () => {
    const file = await writeParquet('x.parquet', `SELECT 1 AS contact_id, 'a@example.org' AS email, 'Ann' AS first_name`);
    const source = crmSource(file, { format: 'parquet' });
    const error = await expectSourceError(ws.config([source]), 0);
    expect(error.message).toBe(`source "crm" (${file}) column "phone": mapped column not found (the file has 3 columns); mapped by sources[0].keys.phone`);

    const notParquet = ws.write('fake.parquet', 'contact_id,email\n1,a@example.org\n');
    const error2 = await expectSourceError(ws.config([crmSource(notParquet, { format: 'parquet' })]), 0);
    expect(error2.message.startsWith(`source "crm" (${notParquet}): cannot be read as parquet: `)).toBe(true);
  });

  test('a mapped column of nested values (struct, list, map) fails the import naming its key', async () => {
    const cases: [select: string, kind: string][] = [
      [`{'addr': 'a@example.org'} AS email`, 'struct'],
      [`['a@example.org'] AS email`, 'list'],
      [`MAP {'home': 'a@example.org'} AS email`, 'map'],
    ];
    for (const [select, kind] of cases) {
      const file = await writeParquet(`nested-${kind}.parquet`, `SELECT 1 AS contact_id, ${select}, '555' AS phone, 'Ann' AS first_name, 'GB' AS country`);
      const error = await expectSourceError(ws.config([crmSource(file, { format: 'parquet' })]), 0);
      expect(error.message).toBe(`source "crm" (${file}) column "email": mapped column holds nested values (a ${kind}), not plain values; mapped by sources[0].keys.email`);
    }
  });
});

describe('JSON lines', () => {
  test('a consent source: values of any JSON type, blank lines skipped, malformed lines rejected (fixture)', async () => {
    const source = {
      name: 'app',
      type: 'consent',
      format: 'jsonl',
      path: path.join(FIXTURES, 'consent.jsonl'),
      primaryKey: 'id',
      keys: { phone: 'phone' },
      option: 'purpose',
      value: 'granted',
      date: 'at',
    };
    const [, result] = await importAll(db, ws.config([crmSource(CRM), source]));
    expect(await consentRecords(db)).toEqual([
      { source: 'app', source_rank: 1, consent_id: 'j1', row_no: '1', key_kind: 'phone', key_value: '15550100001', purpose: 'Newsletter', granted: true, consent_date: '2024-05-01 12:00:00' },
      { source: 'app', source_rank: 1, consent_id: 'j2', row_no: '2', key_kind: 'phone', key_value: '5550100', purpose: 'Sale of data', granted: false, consent_date: null },
      { source: 'app', source_rank: 1, consent_id: '3', row_no: '3', key_kind: 'phone', key_value: '5550102', purpose: 'Newsletter', granted: true, consent_date: '2024-05-02 00:00:00' },
    ]);
    expect(await db.rows("SELECT row_no, column_name, reason, detail, value FROM rejects WHERE source = 'app' ORDER BY row_no")).toEqual([
      { row_no: '4', column_name: 'phone', reason: 'missing key', detail: 'the phone has no digits', value: '' },
      { row_no: '5', column_name: null, reason: 'malformed row', detail: 'not valid JSON (or not UTF-8)', value: null },
      { row_no: '6', column_name: null, reason: 'malformed row', detail: 'not a JSON object', value: '[1, 2, 3]' },
      // A nested value is no option: not read as the text `{"nested":true}`, the row is malformed.
      {
        row_no: '7',
        column_name: 'purpose',
        reason: 'malformed row',
        detail: 'holds a JSON object, not a plain value',
        value: '{"id": "j5", "phone": "5550105", "purpose": {"nested": true}, "granted": "yes"}',
      },
    ]);
    expect(result).toMatchObject({ rowsRead: 7, rowsAccepted: 3, rowsRejected: 4, consentFacts: 3 });
  });

  // An invalid UTF-8 line fails the source instead (csv-encoding.test.ts): line 2 is broken JSON here.
  test('a profile source with keys matched case-insensitively and a line that is not JSON', async () => {
    const file = ws.write('people.jsonl', '{"ID": "u1", "Email ": "U1@Example.org", "name": "Ann"}\n{"ID": "u2", "Email ": "u2@example.org", "name": "B\n{"ID": "u3", "name": "  "}\n');
    const source = { name: 'people', type: 'profiles', format: 'jsonl', path: file, primaryKey: 'id', keys: { email: 'email' }, attributes: { name: 'name' } };
    await importAll(db, ws.config([source]));
    expect(await profileRecords(db, 'record_id, row_no, email, name')).toEqual([
      { record_id: 'u1', row_no: '1', email: 'u1@example.org', name: 'Ann' },
      { record_id: 'u3', row_no: '3', email: null, name: null },
    ]);
    expect(await rejectTuples(db)).toEqual([['people', 2, null, 'malformed row']]);
  });

  test('an empty JSON lines file is an empty snapshot when the source allows it, else a clear error', async () => {
    const file = ws.write('consent.jsonl', '');
    const source = { name: 'events', type: 'consent', format: 'jsonl', path: file, primaryKey: 'id', keys: { email: 'email' }, option: 'opt', value: 'val' };
    const error = await importAll(db, ws.config([crmSource(path.join(FIXTURES, 'crm_contacts.csv')), source])).catch((e: unknown) => e);
    expect(String(error)).toContain('file is empty (0 bytes)');
    const [, result] = await importAll(db, ws.config([crmSource(path.join(FIXTURES, 'crm_contacts.csv')), { ...source, allowEmpty: true }]));
    expect(result).toMatchObject({ rowsRead: 0, rowsAccepted: 0, rowsRejected: 0, consentFacts: 0 });
    expect(await db.rows("SELECT count(*) AS n FROM consent_records WHERE source = 'events'")).toEqual([{ n: '0' }]);
    // Blank lines only: the same empty snapshot.
    ws.write('consent.jsonl', '\n\n');
    const [, blank] = await importAll(db, ws.config([crmSource(path.join(FIXTURES, 'crm_contacts.csv')), { ...source, allowEmpty: true }]));
    expect(blank).toMatchObject({ rowsRead: 0, rowsAccepted: 0, rowsRejected: 0, consentFacts: 0 });
  });

  test('a byte order mark before the first line (Windows editors) does not cost the first record', async () => {
    const lines = ['{"id": "u1", "email": "ann@example.org"}', '{"id": "u2", "email": "bob@example.org"}', ''];
    for (const [name, newline] of [['lf.jsonl', '\n'], ['crlf.jsonl', '\r\n']] as const) {
      const file = ws.write(name, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join(newline))]));
      const source = { name: 'people', type: 'profiles', format: 'jsonl', path: file, primaryKey: 'id', keys: { email: 'email' } };
      await importAll(db, ws.config([source]));
      expect(await profileRecords(db, 'record_id, row_no, email')).toEqual([
        { record_id: 'u1', row_no: '1', email: 'ann@example.org' },
        { record_id: 'u2', row_no: '2', email: 'bob@example.org' },
      ]);
      expect(await rejectTuples(db)).toEqual([]);
    }
    // A first line that is not JSON without the mark either stays a malformed row.
    const broken = ws.write('broken.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"id": "u1", \n{"id": "u2", "email": "bob@example.org"}\n')]));
    await importAll(db, ws.config([{ name: 'people', type: 'profiles', format: 'jsonl', path: broken, primaryKey: 'id', keys: { email: 'email' } }]));
    expect(await rejectTuples(db)).toEqual([['people', 1, null, 'malformed row']]);
  });

  test('a JSON array file given as JSON lines fails the source, pretty-printed or on one line; a first line that is an array is a reject', async () => {
    const objects = [
      { id: 'u1', email: 'ann@example.org' },
      { id: 'u2', email: 'bob@example.org' },
      { id: 'u3', email: 'cy@example.org' },
    ];
    const source = (file: string) => ({ name: 'people', type: 'profiles', format: 'jsonl', path: file, primaryKey: 'id', keys: { email: 'email' } });
    const files = [
      // One object per line with trailing commas: the last element alone would read as a whole object.
      ws.write('lines.jsonl', ['[', ...objects.map((object, i) => `  ${JSON.stringify(object)}${i < objects.length - 1 ? ',' : ''}`), ']', ''].join('\n')),
      ws.write('pretty.jsonl', JSON.stringify(objects, null, 2) + '\n'),
      ws.write('one-line.jsonl', JSON.stringify(objects) + '\n'),
      ws.write('bom-crlf.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\r\n  [${JSON.stringify(objects[0])},\r\n${JSON.stringify(objects[1])}]\r\n`)])),
    ];
    for (const file of files) {
      expect((await expectSourceError(ws.config([source(file)]), 0)).message).toBe(
        `source "people" (${file}): the file is a JSON array, not JSON lines: one object per line (convert it, e.g. jq -c '.[]' file.json > file.jsonl)`,
      );
    }
    // JSON lines whose first line happens to be an array: that line is a malformed row, the rest is read.
    const firstArray = ws.write('first-array.jsonl', ['[1, 2, 3]', ...objects.map((object) => JSON.stringify(object)), ''].join('\n'));
    await importAll(db, ws.config([source(firstArray)]));
    expect(await profileRecords(db, 'record_id, row_no')).toEqual([
      { record_id: 'u1', row_no: '2' },
      { record_id: 'u2', row_no: '3' },
      { record_id: 'u3', row_no: '4' },
    ]);
    expect(await rejectTuples(db)).toEqual([['people', 1, null, 'malformed row']]);
  });

  test('a file without records, and a missing key, fail the import', async () => {
    const blank = ws.write('blank.jsonl', '\n\n');
    const source = { name: 'people', type: 'profiles', format: 'jsonl', path: blank, primaryKey: 'id', keys: { email: 'email' } };
    expect((await expectSourceError(ws.config([source]), 0)).message).toBe(
      `source "people" (${blank}): file has no JSON records (set allowEmpty: true on the source if it may be empty)`,
    );

    const noEmail = ws.write('people.jsonl', '{"id": 1}\n');
    expect((await expectSourceError(ws.config([{ ...source, path: noEmail }]), 0)).message).toBe(
      `source "people" (${noEmail}) column "email": mapped column not found (the file has 1 column); mapped by sources[0].keys.email`,
    );
  });
});
