/**
 * The consent value vocabulary (design §4) on numbers: 1 and 0 with a decimal fraction of zeros (`1.0`,
 * `0,00`: a DOUBLE or DECIMAL column, a JSON `0.0`, a European spreadsheet) read as 1 and 0, in every
 * format and in consent sources and profile-carried consent columns alike; the JavaScript reading agrees
 * with the SQL one. Signs, exponents and other numbers stay rejected.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { consentValueSql, parseConsentValue } from '../../../core/consent/vocabulary.js';
import { execute } from '../../../core/db/connection.js';
import { quoteLiteral } from '../../../core/sql/identifiers.js';
import { freshWorkspaceAndDbForEachTest, consentRecords, consentSource, crmSource, importAll, rejectTuples, type Db, type Workspace } from './helpers.js';

const CRM = path.resolve(import.meta.dirname, '../../fixtures/import/crm_contacts.csv');

let ws: Workspace;
let db: Db;
freshWorkspaceAndDbForEachTest((freshWs, freshDb) => {
  ws = freshWs;
  db = freshDb;
});

const READINGS: [value: string, granted: boolean | undefined][] = [
  ['1.0', true],
  ['1.00', true],
  [' 1,0 ', true],
  ['1,000', true],
  ['0.0', false],
  ['0,0', false],
  ['0.000', false],
  ['\u00a00.0\u00a0', false],
  ['1', true],
  ['0', false],
  // Not consent: a sign, an exponent, another number, a fraction that is not all zeros, half a decimal.
  ['-0', undefined],
  ['-0.0', undefined],
  ['+1', undefined],
  ['+1.0', undefined],
  ['+0', undefined],
  ['1e0', undefined],
  ['1.0e0', undefined],
  ['2', undefined],
  ['2.0', undefined],
  ['10.0', undefined],
  ['0.5', undefined],
  ['1.01', undefined],
  ['0.10', undefined],
  ['1.', undefined],
  ['.0', undefined],
  ['01', undefined],
  ['00.0', undefined],
  ['1.0.0', undefined],
  ['1 .0', undefined],
];

describe('numbers with a fraction of zeros', () => {
  test('read as 1 and 0 in JavaScript and in SQL alike; signs, exponents and other numbers are not consent', async () => {
    for (const [value, granted] of READINGS) expect([value, parseConsentValue(value)]).toEqual([value, granted]);
    const values = READINGS.map(([value]) => `(${quoteLiteral(value)})`).join(', ');
    const rows = await db.rows<{ v: string; granted: boolean | null }>(`SELECT v, ${consentValueSql('v')} AS granted FROM (VALUES ${values}) AS t(v)`);
    expect(rows.map((row) => [row.v, row.granted ?? undefined])).toEqual(READINGS);
  });

  test('a CSV consent source: a withdrawal written 0.0 or 0,0 is a withdrawal', async () => {
    const file = ws.write(
      'consent.csv',
      [
        'consent_id,email,consent_option,consent_value,consent_date',
        'k1,carol@example.org,Newsletter,1.0,2024-01-01',
        'k2,carol@example.org,Newsletter,"0,0",2024-02-01',
        'k3,carol@example.org,Sale of data,0.00,2024-02-01',
        'k4,carol@example.org,Newsletter,-0,2024-03-01',
        'k5,carol@example.org,Newsletter,1e0,2024-03-01',
      ].join('\n') + '\n',
    );
    await importAll(db, ws.config([crmSource(CRM), consentSource(file)]));
    expect((await consentRecords(db)).map((row) => [row['consent_id'], row['purpose'], row['granted']])).toEqual([
      ['k1', 'Newsletter', true],
      ['k2', 'Newsletter', false],
      ['k3', 'Sale of data', false],
    ]);
    expect((await rejectTuples(db)).filter(([source]) => source === 'consent')).toEqual([
      ['consent', 4, 'consent_value', 'invalid consent value'],
      ['consent', 5, 'consent_value', 'invalid consent value'],
    ]);
  });

  test('a JSON lines consent source: typed doubles (0.0, 1.00) and the same numbers as strings', async () => {
    const file = ws.write(
      'consent.jsonl',
      [
        '{"cid": 1, "email": "carol@example.org", "opt": "Newsletter", "val": 1.00, "dt": "2024-01-01"}',
        '{"cid": 2, "email": "carol@example.org", "opt": "Newsletter", "val": 0.0, "dt": "2024-02-01"}',
        '{"cid": 3, "email": "carol@example.org", "opt": "Sale of data", "val": "0,0", "dt": "2024-02-01"}',
        '{"cid": 4, "email": "carol@example.org", "opt": "Sale of data", "val": "1.0", "dt": "2024-01-01"}',
        '{"cid": 5, "email": "carol@example.org", "opt": "Newsletter", "val": -0.0, "dt": "2024-03-01"}',
        '{"cid": 6, "email": "carol@example.org", "opt": "Newsletter", "val": "1e0", "dt": "2024-03-01"}',
        '{"cid": 7, "email": "carol@example.org", "opt": "Newsletter", "val": 0.5, "dt": "2024-03-01"}',
      ].join('\n') + '\n',
    );
    const source = { name: 'app', type: 'consent', format: 'jsonl', path: file, primaryKey: 'cid', keys: { email: 'email' }, option: 'opt', value: 'val', date: 'dt' };
    await importAll(db, ws.config([crmSource(CRM), source]));
    expect((await consentRecords(db)).map((row) => [row['consent_id'], row['purpose'], row['granted']])).toEqual([
      ['1', 'Newsletter', true],
      ['2', 'Newsletter', false],
      ['3', 'Sale of data', false],
      ['4', 'Sale of data', true],
    ]);
    expect(await db.rows("SELECT row_no, reason, value FROM rejects WHERE source = 'app' ORDER BY row_no")).toEqual([
      { row_no: '5', reason: 'invalid consent value', value: '-0.0' },
      { row_no: '6', reason: 'invalid consent value', value: '1e0' },
      { row_no: '7', reason: 'invalid consent value', value: '0.5' },
    ]);
  });

  test('Parquet DOUBLE, FLOAT and DECIMAL columns, in a consent source and as a profile-carried consent column', async () => {
    const file = path.join(ws.dir, 'consent.parquet');
    await execute(db.connection, {
      sql: `COPY (SELECT * FROM (VALUES
              ('d1', 'carol@example.org', CAST(0 AS DOUBLE), CAST(1 AS FLOAT), CAST(1 AS DECIMAL(5, 2))),
              ('d2', 'dan@example.org', CAST(1 AS DOUBLE), CAST(0 AS FLOAT), CAST(0 AS DECIMAL(18, 3))),
              ('d3', 'eve@example.org', CAST(2 AS DOUBLE), CAST(0.5 AS FLOAT), CAST(-1 AS DECIMAL(5, 2)))
            ) AS t(id, email, v_double, v_float, v_decimal)) TO ${quoteLiteral(file)} (FORMAT parquet)`,
    });
    for (const [column, expected] of [
      ['v_double', [false, true]],
      ['v_float', [true, false]],
      ['v_decimal', [true, false]],
    ] as const) {
      const source = { name: 'events', type: 'consent', format: 'parquet', path: file, primaryKey: 'id', keys: { email: 'email' }, purpose: 'Newsletter', value: column };
      await importAll(db, ws.config([crmSource(CRM), source]));
      expect([column, (await consentRecords(db)).map((row) => [row['consent_id'], row['granted']])]).toEqual([column, [['d1', expected[0]], ['d2', expected[1]]]]);
      expect(await rejectTuples(db)).toContainEqual(['events', 3, column, 'invalid consent value']);

      const profiles = { name: 'shop', type: 'profiles', format: 'parquet', path: file, primaryKey: 'id', keys: { email: 'email' }, attributes: {}, consent: { purposes: { Newsletter: column } } };
      await importAll(db, ws.config([profiles]));
      expect([column, (await consentRecords(db)).map((row) => [row['consent_id'], row['granted']])]).toEqual([column, [['d1', expected[0]], ['d2', expected[1]]]]);
      expect(await rejectTuples(db)).toEqual([['shop', 3, column, 'invalid consent value']]);
    }
  });

  test('a profile-carried CSV consent column written by a European spreadsheet (0,0)', async () => {
    const file = ws.write('crm.csv', ['contact_id,email,nl', 'p1,a@example.org,"1,0"', 'p2,b@example.org,"0,0"', 'p3,c@example.org,"0,5"'].join('\n') + '\n');
    const source = crmSource(file, { keys: { email: 'email' }, attributes: {}, consent: { purposes: { Newsletter: 'nl' } } });
    await importAll(db, ws.config([source]));
    expect((await consentRecords(db)).map((row) => [row['consent_id'], row['granted']])).toEqual([
      ['p1', true],
      ['p2', false],
    ]);
    expect(await rejectTuples(db)).toEqual([['crm', 3, 'nl', 'invalid consent value']]);
  });
});
