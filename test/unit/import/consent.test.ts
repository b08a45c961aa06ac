/**
 * Consent sources: every check (missing id, missing key, undeclared purpose, invalid value, invalid date),
 * date parsing to UTC, fixed purposes and phone keys, and the duplicate consent id winner rule.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { execute } from '../../../core/db/connection.js';
import { freshWorkspaceAndDbForEachTest, PURPOSES, consentSource, consentRecords, crmSource, importAll, rejectTuples, type Db, type Workspace } from './helpers.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/import');
const CRM = path.join(FIXTURES, 'crm_contacts.csv');
const HEADER = 'consent_id,email,consent_option,consent_value,consent_date';

let ws: Workspace;
let db: Db;
freshWorkspaceAndDbForEachTest((freshWs, freshDb) => {
  ws = freshWs;
  db = freshDb;
});

const fact = (consentId: string, rowNo: number, keyValue: string, purpose: string, granted: boolean, consentDate: string | null, keyKind = 'email') => ({
  source: 'consent',
  source_rank: 1,
  consent_id: consentId,
  row_no: String(rowNo),
  key_kind: keyKind,
  key_value: keyValue,
  purpose,
  granted,
  consent_date: consentDate,
});

async function importConsent(lines: string[], extra: Record<string, unknown> = {}) {
  const file = ws.write('consent.csv', [HEADER, ...lines].join('\n') + '\n');
  const results = await importAll(db, ws.config([crmSource(CRM), consentSource(file, extra)]));
  return results[1]!;
}

describe('row checks', () => {
  test('each problem is a reject with its column; good rows become facts (fixture)', async () => {
    const [, result] = await importAll(db, ws.config([crmSource(CRM), consentSource(path.join(FIXTURES, 'consent.csv'))]));
    expect(await consentRecords(db)).toEqual([
      fact('k1', 1, 'ann.example@mail.com', 'Newsletter', true, '2024-01-15 00:00:00'),
      fact('k2', 2, 'ann.example@mail.com', 'Product updates', true, '2024-02-01 09:30:00'),
      fact('k3', 3, 'carol@example.org', 'Sale of data', false, '2024-03-01 08:00:00'),
      fact('k8', 9, 'dan@example.org', 'Newsletter', true, null),
    ]);
    expect((await rejectTuples(db)).filter(([source]) => source === 'consent')).toEqual([
      ['consent', 4, 'consent_option', 'undeclared purpose'],
      ['consent', 5, 'email', 'missing key'],
      ['consent', 6, 'consent_value', 'invalid consent value'],
      ['consent', 7, 'consent_date', 'invalid date'],
      ['consent', 8, 'consent_id', 'missing primary key'],
    ]);
    expect(await db.rows("SELECT detail, value FROM rejects WHERE source = 'consent' ORDER BY row_no")).toEqual([
      { detail: 'not a purpose declared in the config', value: 'Loyalty' },
      { detail: 'the email is blank', value: null },
      { detail: 'not a recognised consent value', value: 'perhaps' },
      { detail: 'not an ISO-8601 date or timestamp; this row withdraws consent: until it is fixed, an older grant of this person still decides', value: '01/03/2024' },
      { detail: 'the consent id is blank', value: null },
    ]);
    expect(result).toEqual({
      source: 'consent',
      rowsRead: 9,
      rowsAccepted: 4,
      rowsRejected: 5,
      consentFacts: 4,
      rejectedWithdrawals: 1,
      topRejectReasons: [
        { reason: 'invalid consent value', count: 1 },
        { reason: 'invalid date', count: 1 },
        { reason: 'missing key', count: 1 },
        { reason: 'missing primary key', count: 1 },
        { reason: 'undeclared purpose', count: 1 },
      ],
    });
  });

  test('rejected rows that withdraw consent for a known person and purpose are counted and say so', async () => {
    const result = await importConsent([
      'c1,a@example.org,Newsletter,no,31.12.2025', // withdrawal, unreadable date: counted
      ',b@example.org,Sale of data,opt-out,2025-01-01', // withdrawal, blank consent id: counted
      'c3,c@example.org,Newsletter,yes,31.12.2025', // grant, unreadable date: not a withdrawal
      'c4,,Newsletter,no,31.12.2025', // no key: nobody to name
      'c5,d@example.org,Loyalty,no,31.12.2025', // undeclared purpose
      'c6,e@example.org,Newsletter,nein,2025-01-01', // not a consent value
    ]);
    const withdraws = 'this row withdraws consent: until it is fixed, an older grant of this person still decides';
    expect(await db.rows("SELECT row_no, reason, detail FROM rejects WHERE source = 'consent' ORDER BY row_no, reason")).toEqual([
      { row_no: '1', reason: 'invalid date', detail: `not an ISO-8601 date or timestamp; ${withdraws}` },
      { row_no: '2', reason: 'missing primary key', detail: `the consent id is blank; ${withdraws}` },
      { row_no: '3', reason: 'invalid date', detail: 'not an ISO-8601 date or timestamp' },
      { row_no: '4', reason: 'invalid date', detail: 'not an ISO-8601 date or timestamp' },
      { row_no: '4', reason: 'missing key', detail: 'the email is blank' },
      { row_no: '5', reason: 'invalid date', detail: 'not an ISO-8601 date or timestamp' },
      { row_no: '5', reason: 'undeclared purpose', detail: 'not a purpose declared in the config' },
      { row_no: '6', reason: 'invalid consent value', detail: 'not a recognised consent value' },
    ]);
    expect(result).toMatchObject({ rowsRead: 6, rowsAccepted: 0, rowsRejected: 6, rejectedWithdrawals: 2 });
    expect(await db.rows("SELECT rejected_withdrawals FROM source_stats WHERE source = 'consent'")).toEqual([{ rejected_withdrawals: '2' }]);
  });

  test('a row with several problems gets one reject per problem but counts once', async () => {
    const result = await importConsent([' ,  ,Bogus,maybe,soon', 'c2,b@example.org,newsletter,,']);
    expect(await db.rows("SELECT row_no, column_name, reason, detail FROM rejects WHERE source = 'consent' ORDER BY row_no, column_name")).toEqual([
      { row_no: '1', column_name: 'consent_date', reason: 'invalid date', detail: 'not an ISO-8601 date or timestamp' },
      { row_no: '1', column_name: 'consent_id', reason: 'missing primary key', detail: 'the consent id is blank' },
      { row_no: '1', column_name: 'consent_option', reason: 'undeclared purpose', detail: 'not a purpose declared in the config' },
      { row_no: '1', column_name: 'consent_value', reason: 'invalid consent value', detail: 'not a recognised consent value' },
      { row_no: '1', column_name: 'email', reason: 'missing key', detail: 'the email is blank' },
      { row_no: '2', column_name: 'consent_value', reason: 'invalid consent value', detail: 'the value is blank' },
    ]);
    expect(result).toMatchObject({ rowsRead: 2, rowsAccepted: 0, rowsRejected: 2, consentFacts: 0 });
  });

  test('options match declared purposes case-insensitively after trimming; a blank option is undeclared', async () => {
    await importConsent(['c1,a@example.org,  NEWSLETTER ,y,', 'c2,a@example.org,sale OF data,revoked,', 'c3,a@example.org,   ,yes,']);
    expect(await consentRecords(db)).toEqual([
      fact('c1', 1, 'a@example.org', 'Newsletter', true, null),
      fact('c2', 2, 'a@example.org', 'Sale of data', false, null),
    ]);
    expect(await db.rows("SELECT row_no, reason, detail FROM rejects WHERE source = 'consent'")).toEqual([
      { row_no: '3', reason: 'undeclared purpose', detail: 'the option is blank' },
    ]);
  });

  test('options and purpose names match in any Unicode normal form (an accent as a combining mark, as macOS writes it)', async () => {
    const nfc = 'Partage des donn\u00e9es';
    const nfd = 'Partage des donne\u0301es';
    const file = ws.write('consent.csv', [HEADER, `c1,a@example.org,${nfd},no,2024-01-01`, `c2,a@example.org, ${nfc.toUpperCase()} ,yes,2023-01-01`].join('\n') + '\n');
    // The config spells the purpose decomposed, the file both ways.
    await importAll(db, ws.config([crmSource(CRM), consentSource(file)], { purposes: { ...PURPOSES, [nfd]: { regime: 'opt-out' } } }));
    expect((await consentRecords(db)).map((row) => [row['consent_id'], row['purpose'], row['granted']])).toEqual([
      ['c1', nfd, false],
      ['c2', nfd, true],
    ]);
    expect(await db.rows("SELECT row_no FROM rejects WHERE source = 'consent'")).toEqual([]);
  });

  test('a fixed purpose and a phone key', async () => {
    const file = ws.write('sms.csv', 'id,mobile,answer\ns1,+1 (555) 010-0001,STOP\ns2,n/a,yes\n');
    const source = { name: 'sms', type: 'consent', format: 'csv', path: file, primaryKey: 'id', keys: { phone: 'mobile' }, purpose: 'newsletter ', value: 'answer' };
    await importAll(db, ws.config([crmSource(CRM), source]));
    expect(await consentRecords(db)).toEqual([]);
    expect(await rejectTuples(db)).toContainEqual(['sms', 1, 'answer', 'invalid consent value']);
    expect(await rejectTuples(db)).toContainEqual(['sms', 2, 'mobile', 'missing key']);

    const file2 = ws.write('sms2.csv', 'id,mobile,answer\ns1,+1 (555) 010-0001,opt_out\n');
    await importAll(db, ws.config([crmSource(CRM), { ...source, path: file2 }]));
    expect(await consentRecords(db)).toEqual([{ ...fact('s1', 1, '15550100001', 'Newsletter', false, null, 'phone'), source: 'sms' }]);
  });
});

describe('dates', () => {
  test('ISO-8601 dates and timestamps (year first, leniently padded), offsets converted to UTC, regardless of the session time zone', async () => {
    await execute(db.connection, { sql: "SET TimeZone = 'America/New_York'" });
    const dates = [
      '2024-03-01',
      '2024-03-01T10:00',
      '2024-03-01 10:00:00.25',
      '2024-03-01T10:00:00Z',
      '2024-03-01T10:00:00z',
      '2024-03-01T10:00:00+02:00',
      '2024-03-01T10:00+0530',
      '2024-03-01T23:00:00-08',
      ' 2024-03-01 ',
      '2024-3-1',
      '20240301',
      '2024-03-01 9:05',
      '2024-03-01 10:00:00 UTC',
      '2024-03-01T10:00:00gmt',
      '20240301T10:00+01:00',
    ];
    await importConsent(dates.map((date, i) => `c${i + 1},a@example.org,Newsletter,yes,${date}`));
    const parsed = await db.rows<{ d: string }>("SELECT CAST(consent_date AS VARCHAR) AS d FROM consent_records WHERE source = 'consent' ORDER BY row_no");
    expect(parsed.map((row) => row.d)).toEqual([
      '2024-03-01 00:00:00',
      '2024-03-01 10:00:00',
      '2024-03-01 10:00:00.25',
      '2024-03-01 10:00:00',
      '2024-03-01 10:00:00',
      '2024-03-01 08:00:00',
      '2024-03-01 04:30:00',
      '2024-03-02 07:00:00',
      '2024-03-01 00:00:00',
      '2024-03-01 00:00:00',
      '2024-03-01 00:00:00',
      '2024-03-01 09:05:00',
      '2024-03-01 10:00:00',
      '2024-03-01 10:00:00',
      '2024-03-01 09:00:00',
    ]);
    expect(await db.rows("SELECT typeof(consent_date) AS t FROM consent_records LIMIT 1")).toEqual([{ t: 'TIMESTAMP' }]);
  });

  test('unparseable dates are rejected', async () => {
    const bad = ['2024-02-30', '2024-13-01', '2024031', '2024-031', '202403011', 'March 1st', '2024-03-01T25:00', '01/03/2024', '2024-03-01T10:00:00 CET', '1712000000', '2024-03-01T10', '2024-05-01T10:00:00+25:00', '2024-05-01T10:00-0960', '2024-05-01T10:00:00+2400'];
    const result = await importConsent(bad.map((date, i) => `c${i + 1},a@example.org,Newsletter,yes,${date}`));
    expect((await rejectTuples(db)).filter(([source]) => source === 'consent')).toEqual(bad.map((_, i) => ['consent', i + 1, 'consent_date', 'invalid date']));
    expect(result).toMatchObject({ rowsAccepted: 0, rowsRejected: bad.length });
  });

  test('date_only marks dates written without a time of day; an explicit midnight, a zone-shifted one or a format with a time is a time', async () => {
    const dates = ['2024-03-01', '2024-3-1', '20240301', '2024-03-01Z', '2024-03-01T00:00:00Z', '2024-03-01 00:00', '2024-03-01T02:00:00+02:00', ''];
    await importConsent(dates.map((date, i) => `c${i + 1},a@example.org,Newsletter,yes,${date}`));
    expect((await db.rows<{ date_only: boolean }>("SELECT date_only FROM consent_records WHERE source = 'consent' ORDER BY row_no")).map((row) => row.date_only)).toEqual([
      true, true, true, true, false, false, false, false,
    ]);
    await importConsent(['c1,a@example.org,Newsletter,yes,01/03/2024', 'c2,a@example.org,Newsletter,yes,2024-03-02'], { dateFormat: '%d/%m/%Y' });
    expect(await db.rows("SELECT date_only FROM consent_records WHERE source = 'consent' ORDER BY row_no")).toEqual([{ date_only: true }, { date_only: true }]);
    await importConsent(['c1,a@example.org,Newsletter,yes,01/03/2024 00:00'], { dateFormat: '%d/%m/%Y %H:%M' });
    expect(await db.rows("SELECT date_only FROM consent_records WHERE source = 'consent'")).toEqual([{ date_only: false }]);
  });

  test('dateFormat reads other formats (ISO still accepted), with zones converted to UTC', async () => {
    await importConsent(['c1,a@example.org,Newsletter,yes,01/03/2024', 'c2,a@example.org,Newsletter,yes,2024-03-02', 'c3,a@example.org,Newsletter,yes,31/02/2024'], {
      dateFormat: '%d/%m/%Y',
    });
    expect(await db.rows("SELECT row_no, CAST(consent_date AS VARCHAR) AS d FROM consent_records WHERE source = 'consent' ORDER BY row_no")).toEqual([
      { row_no: '1', d: '2024-03-01 00:00:00' },
      { row_no: '2', d: '2024-03-02 00:00:00' },
    ]);
    expect(await db.rows("SELECT row_no, reason, detail FROM rejects WHERE source = 'consent'")).toEqual([
      { row_no: '3', reason: 'invalid date', detail: 'neither an ISO-8601 date nor in the configured dateFormat' },
    ]);

    await importConsent(['c1,a@example.org,Newsletter,yes,01/03/2024 10:00 +0200'], { dateFormat: '%d/%m/%Y %H:%M %z' });
    expect(await db.rows("SELECT CAST(consent_date AS VARCHAR) AS d FROM consent_records WHERE source = 'consent'")).toEqual([{ d: '2024-03-01 08:00:00' }]);
  });

  test('a dateFormat shaped like ISO: a valid ISO date reads as ISO, an impossible one falls back to the format', async () => {
    await importConsent(['c1,a@example.org,Newsletter,yes,2024-03-01', 'c2,a@example.org,Newsletter,yes,2024-25-12', 'c3,a@example.org,Newsletter,yes,2024-25-13'], {
      dateFormat: '%Y-%d-%m',
    });
    expect(await db.rows("SELECT row_no, CAST(consent_date AS VARCHAR) AS d FROM consent_records WHERE source = 'consent' ORDER BY row_no")).toEqual([
      { row_no: '1', d: '2024-03-01 00:00:00' },
      { row_no: '2', d: '2024-12-25 00:00:00' },
    ]);
    expect(await db.rows("SELECT row_no, reason FROM rejects WHERE source = 'consent'")).toEqual([{ row_no: '3', reason: 'invalid date' }]);
  });
});

describe('duplicate consent ids (snapshot: one id = one current fact about a person and purpose)', () => {
  test('the kept row is the one that would win: latest date, undated oldest, denied on ties, then the later row', async () => {
    const result = await importConsent([
      'd1,a@example.org,Newsletter,yes,2024-01-01', // 1
      'd1,a@example.org,Newsletter,no,2024-03-01', // 2 kept: latest
      ' d1 ,a@example.org,Newsletter,yes,2024-02-01', // 3 (id trimmed)
      'd2,a@example.org,Newsletter,yes,2024-01-01', // 4
      'd2,a@example.org,Newsletter,no,2024-01-01', // 5 kept: denied wins the tie
      'd2,a@example.org,Newsletter,yes,2024-01-01', // 6
      'd3,a@example.org,Newsletter,yes,', // 7 undated ranks oldest
      'd3,a@example.org,Newsletter,no,2020-01-01', // 8 kept
      'd4,a@example.org,Newsletter,yes,2024-01-01', // 9
      'd4,a@example.org,Newsletter,yes,2024-01-01', // 10 kept: full tie, later row
      'd5,a@example.org,Newsletter,yes,2024-01-01T00:00:00+01:00', // 11 = 2023-12-31 23:00 UTC
      'd5,a@example.org,Newsletter,no,2023-12-31T23:30:00Z', // 12 kept: later in UTC
      'd6,a@example.org,Newsletter,maybe,2025-01-01', // 13 invalid: not a contender
      'd6,a@example.org,Newsletter,yes,2024-01-01', // 14 kept
      'd7,a@example.org,Newsletter,yes,2024-01-01T10:00:00Z', // 15
      'd7,a@example.org,Newsletter,no,2024-01-01', // 16 kept: date-only on the same day is a tie, denied wins
      'd8,a@example.org,Newsletter,yes,2099-01-01', // 17 a future-dated grant never wins within its id
      'd8,a@example.org,Newsletter,no,2024-01-01', // 18 kept: the real withdrawal stays
      'd9,a@example.org,Newsletter,yes,2024-01-01T10:00:00Z', // 19 kept: later than a denial at an explicit midnight
      'd9,a@example.org,Newsletter,no,2024-01-01T00:00:00Z', // 20
    ]);
    expect((await consentRecords(db)).map((row) => [row['consent_id'], row['row_no'], row['granted']])).toEqual([
      ['d1', '2', false],
      ['d2', '5', false],
      ['d3', '8', false],
      ['d4', '10', true],
      ['d5', '12', false],
      ['d6', '14', true],
      ['d7', '16', false],
      ['d8', '18', false],
      ['d9', '19', true],
    ]);
    expect(await db.rows("SELECT row_no, column_name, reason, detail, value FROM rejects WHERE source = 'consent' ORDER BY row_no")).toEqual([
      { row_no: '1', column_name: 'consent_id', reason: 'duplicate primary key', detail: 'same consent id as row 2, which is kept', value: 'd1' },
      { row_no: '3', column_name: 'consent_id', reason: 'duplicate primary key', detail: 'same consent id as row 2, which is kept', value: ' d1 ' },
      { row_no: '4', column_name: 'consent_id', reason: 'duplicate primary key', detail: 'same consent id as row 5, which is kept', value: 'd2' },
      { row_no: '6', column_name: 'consent_id', reason: 'duplicate primary key', detail: 'same consent id as row 5, which is kept', value: 'd2' },
      { row_no: '7', column_name: 'consent_id', reason: 'duplicate primary key', detail: 'same consent id as row 8, which is kept', value: 'd3' },
      { row_no: '9', column_name: 'consent_id', reason: 'duplicate primary key', detail: 'same consent id as row 10, which is kept', value: 'd4' },
      { row_no: '11', column_name: 'consent_id', reason: 'duplicate primary key', detail: 'same consent id as row 12, which is kept', value: 'd5' },
      { row_no: '13', column_name: 'consent_value', reason: 'invalid consent value', detail: 'not a recognised consent value', value: 'maybe' },
      { row_no: '15', column_name: 'consent_id', reason: 'duplicate primary key', detail: 'same consent id as row 16, which is kept', value: 'd7' },
      { row_no: '17', column_name: 'consent_id', reason: 'duplicate primary key', detail: 'same consent id as row 18, which is kept', value: 'd8' },
      { row_no: '20', column_name: 'consent_id', reason: 'duplicate primary key', detail: 'same consent id as row 19, which is kept', value: 'd9' },
    ]);
    expect(result).toMatchObject({ rowsRead: 20, rowsAccepted: 9, rowsRejected: 11, consentFacts: 9 });
  });

  test('an id reused for another purpose or another person is a separate fact: neither row hides the other’s withdrawal', async () => {
    const result = await importConsent([
      't2,alex@example.org,Product updates,yes,2024-01-01', // 1
      't1,alex@example.org,Product updates,no,2025-01-01', // 2 kept: alex's withdrawal from Product updates
      't1,alex@example.org,Newsletter,yes,2025-06-01', // 3 kept: the same id about another purpose
      'u2,bea@example.org,Newsletter,yes,2024-01-01', // 4
      'u1,bea@example.org,Newsletter,no,2025-01-01', // 5 kept: bea's withdrawal
      'u1,carl@example.org,Newsletter,yes,2025-06-01', // 6 kept: the same id about another person
      'u1,CARL@example.org ,Newsletter,no,2025-05-01', // 7 the same id, person and purpose as row 6: loses to it
    ]);
    expect((await consentRecords(db)).map((row) => [row['consent_id'], row['row_no'], row['key_value'], row['purpose'], row['granted']])).toEqual([
      ['t2', '1', 'alex@example.org', 'Product updates', true],
      ['t1', '2', 'alex@example.org', 'Product updates', false],
      ['t1', '3', 'alex@example.org', 'Newsletter', true],
      ['u2', '4', 'bea@example.org', 'Newsletter', true],
      ['u1', '5', 'bea@example.org', 'Newsletter', false],
      ['u1', '6', 'carl@example.org', 'Newsletter', true],
    ]);
    expect(await db.rows("SELECT row_no, reason, detail FROM rejects WHERE source = 'consent' ORDER BY row_no")).toEqual([
      { row_no: '7', reason: 'duplicate primary key', detail: 'same consent id as row 6, which is kept' },
    ]);
    expect(result).toMatchObject({ rowsRead: 7, rowsAccepted: 6, rowsRejected: 1, consentFacts: 6 });
  });
});
