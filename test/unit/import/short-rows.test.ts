/**
 * CSV rows with fewer columns than the header: the missing trailing columns read as blank, so the row is
 * used (a withdrawal whose optional date was left off is not lost); rows with more columns than the header
 * stay `malformed row` rejects. Row numbers count records as everywhere else.
 */
import { describe, expect, test } from 'vitest';
import { consentRecords, consentSource, crmSource, freshWorkspaceAndDbForEachTest, importAll, profileRecords, type Db, type Workspace } from './helpers.js';

const HEADER = 'contact_id,email,phone,first_name,country';

let ws: Workspace;
let db: Db;
freshWorkspaceAndDbForEachTest((freshWs, freshDb) => {
  ws = freshWs;
  db = freshDb;
});

const rejects = () => db.rows('SELECT source, row_no, column_name, reason, detail, value FROM rejects ORDER BY source, row_no');

describe('rows missing trailing columns', () => {
  test('a withdrawal without its date is used; a row with a stray comma stays a reject (acceptance c02e)', async () => {
    const crm = ws.write('crm.csv', 'contact_id,email,phone,first_name\nC1,anna@example.com,,Anna\nC2,bert@example.com,,Bert\nC3,carl@example.com,,Carl\n');
    const consent = ws.write(
      'consent.csv',
      'consent_id,email,consent_option,consent_value,consent_date\n1,anna@example.com,Newsletter,yes,2024-05-01\n2,bert@example.com,Newsletter,yes,2024-05-01\n' +
        '3,bert@example.com,Newsletter,no,2024-05-02,extra note, with comma\n4,carl@example.com,Newsletter,yes,2024-05-01\n5,carl@example.com,Newsletter,no\n',
    );
    const [, result] = await importAll(db, ws.config([crmSource(crm, { attributes: { first_name: 'first_name' } }), consentSource(consent)]));
    expect((await consentRecords(db)).map((row) => [row.consent_id, row.row_no, row.key_value, row.granted, row.consent_date])).toEqual([
      ['1', '1', 'anna@example.com', true, '2024-05-01 00:00:00'],
      ['2', '2', 'bert@example.com', true, '2024-05-01 00:00:00'],
      ['4', '4', 'carl@example.com', true, '2024-05-01 00:00:00'],
      ['5', '5', 'carl@example.com', false, null],
    ]);
    expect(await rejects()).toEqual([
      {
        source: 'consent',
        row_no: '3',
        column_name: null,
        reason: 'malformed row',
        detail: 'too many columns: expected 5, found 7',
        value: '3,bert@example.com,Newsletter,no,2024-05-02,extra note, with comma',
      },
    ]);
    expect(result).toMatchObject({ rowsRead: 5, rowsAccepted: 4, rowsRejected: 1, consentFacts: 4 });
  });

  test('row numbers count records: blank lines, quoted line breaks (in short rows too), rejects around them; LF and CRLF', async () => {
    for (const [name, eol] of [['lf.csv', '\n'], ['crlf.csv', '\r\n']] as const) {
      const lines = [
        HEADER,
        '1,a@example.org,,Ann,GB',
        '2,b@example.org',
        '',
        '3,"c@example.org",,"two',
        '',
        'lines"',
        '4,x,y,z,w,too many',
        '',
        '',
        '5,"d@example.org"',
        '6,e@example.org,,"Eve ""E""",',
        '7,g@example.org,',
        '8,f@example.org,,Fay,GB',
        '',
      ];
      await importAll(db, ws.config([crmSource(ws.write(name, lines.join(eol)))]));
      expect(await profileRecords(db, 'record_id, row_no, email, first_name, country')).toEqual([
        { record_id: '1', row_no: '1', email: 'a@example.org', first_name: 'Ann', country: 'GB' },
        { record_id: '2', row_no: '2', email: 'b@example.org', first_name: null, country: null },
        { record_id: '3', row_no: '3', email: 'c@example.org', first_name: `two${eol}${eol}lines`, country: null },
        { record_id: '5', row_no: '5', email: 'd@example.org', first_name: null, country: null },
        { record_id: '6', row_no: '6', email: 'e@example.org', first_name: 'Eve "E"', country: null },
        { record_id: '7', row_no: '7', email: 'g@example.org', first_name: null, country: null },
        { record_id: '8', row_no: '8', email: 'f@example.org', first_name: 'Fay', country: 'GB' },
      ]);
      expect((await rejects()).map((row) => [row.row_no, row.reason, row.detail])).toEqual([['4', 'malformed row', 'too many columns: expected 5, found 6']]);
    }
  });

  test('custom dialect, nullString and header: false', async () => {
    const file = ws.write('crm.csv', "contact_id|email|phone|first_name|country\n1|'a|b@example.org'|NULL\n2|c@example.org||'O\\'Brien\nline'\n3|NULL|''\n");
    await importAll(db, ws.config([crmSource(file, { csv: { delimiter: '|', quote: "'", escape: '\\', nullString: 'NULL' } })]));
    expect(await profileRecords(db, 'record_id, row_no, email, phone, first_name, country')).toEqual([
      { record_id: '1', row_no: '1', email: 'a|b@example.org', phone: null, first_name: null, country: null },
      { record_id: '2', row_no: '2', email: 'c@example.org', phone: null, first_name: "O'Brien\nline", country: null },
      { record_id: '3', row_no: '3', email: null, phone: null, first_name: null, country: null },
    ]);
    const headerless = ws.write('people.csv', '7,g@example.org,Gil\n8,h@example.org\n');
    const source = { name: 'crm', type: 'profiles', format: 'csv', path: headerless, primaryKey: 'column0', keys: { email: 'column1' }, attributes: { name: 'column2' }, csv: { header: false } };
    await importAll(db, ws.config([source]));
    expect(await profileRecords(db, 'record_id, row_no, email, name')).toEqual([
      { record_id: '7', row_no: '1', email: 'g@example.org', name: 'Gil' },
      { record_id: '8', row_no: '2', email: 'h@example.org', name: null },
    ]);
  });

  test('not padded: a single field (another delimiter, free text), a short last row without a line break (a file cut off)', async () => {
    const file = ws.write('crm.csv', `${HEADER}\n1,a@example.org,,Ann,GB\n2;b@example.org;;Bob;GB\nsome free text\n4,d@example.org,,Di,GB\n5,e@example.org`);
    await importAll(db, ws.config([crmSource(file)]));
    expect((await rejects()).map((row) => [row.row_no, row.reason, row.detail, row.value])).toEqual([
      ['2', 'malformed row', 'too few columns: expected 5, found 1', '2;b@example.org;;Bob;GB'],
      ['3', 'malformed row', 'too few columns: expected 5, found 1', 'some free text'],
      ['5', 'malformed row', 'too few columns: expected 5, found 2', '5,e@example.org'],
    ]);
    expect(await profileRecords(db, 'record_id, row_no')).toEqual([
      { record_id: '1', row_no: '1' },
      { record_id: '4', row_no: '4' },
    ]);
    // The same last row with its line break is a row (LF, CRLF, UTF-16).
    for (const [name, content, csv] of [
      ['lf.csv', `${HEADER}\n1,a@example.org,,Ann,GB\n5,e@example.org\n`, {}],
      ['crlf.csv', `${HEADER}\r\n1,a@example.org,,Ann,GB\r\n5,e@example.org\r\n`, {}],
      ['utf16.csv', Buffer.from(`${HEADER}\r\n1,a@example.org,,Ann,GB\r\n5,e@example.org\r\n`, 'utf16le'), { encoding: 'utf-16' }],
    ] as const) {
      await importAll(db, ws.config([crmSource(ws.write(name, content), { csv })]));
      expect(await profileRecords(db, 'record_id, row_no, email')).toEqual([
        { record_id: '1', row_no: '1', email: 'a@example.org' },
        { record_id: '5', row_no: '2', email: 'e@example.org' },
      ]);
    }
    const cutUtf16 = ws.write('cut16.csv', Buffer.from(`${HEADER}\r\n1,a@example.org,,Ann,GB\r\n5,e@example.org`, 'utf16le'));
    await importAll(db, ws.config([crmSource(cutUtf16, { csv: { encoding: 'utf-16' } })]));
    expect((await rejects()).map((row) => [row.row_no, row.detail])).toEqual([['2', 'too few columns: expected 5, found 2']]);
  });

  test('a short row with a broken quote is not padded: it stays a reject, or fails the source when it takes later rows', async () => {
    const atEnd = ws.write('crm.csv', `${HEADER}\n1,a@example.org,,Ann,GB\n2,"b@example.org\n`);
    await importAll(db, ws.config([crmSource(atEnd)]));
    expect((await rejects()).map((row) => [row.row_no, row.detail])).toEqual([['2', 'unterminated or misplaced quote']]);
    const swallowing = ws.write('shop.csv', `${HEADER}\n1,a@example.org,,Ann,GB\n2,"b@example.org\n3,c@example.org,,Cy,GB\n`);
    await expect(importAll(db, ws.config([crmSource(swallowing)]))).rejects.toThrow(`source "crm" (${swallowing}) row 2: a quote opened on this row is not closed on it`);
  });
});
