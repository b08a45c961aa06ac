/**
 * Profile sources: primary keys (blank, duplicate), key normalisation, attributes, matchOn, and consent
 * carried by the profile rows themselves.
 */
import { describe, expect, test } from 'vitest';
import { normaliseEmailValue, normalisePhoneValue } from '../../../core/sql/normalise.js';
import { freshWorkspaceAndDbForEachTest, crmSource, consentRecords, importAll, profileRecords, rejectTuples, type Db, type Workspace } from './helpers.js';

let ws: Workspace;
let db: Db;
freshWorkspaceAndDbForEachTest((freshWs, freshDb) => {
  ws = freshWs;
  db = freshDb;
});

describe('primary keys, keys and attributes', () => {
  test('blank keys are rejected, duplicates keep the first row in file order', async () => {
    const file = ws.write(
      'crm.csv',
      [
        'contact_id,email,phone,first_name,country',
        ' 10 ,A@Example.org,,Ann,GB', // trimmed id
        '  ,b@example.org,,Bob,GB', // blank id
        '10,dup@example.org,,Dup,GB', // duplicate of row 1 (after trimming)
        ',c@example.org,,Cy,GB', // empty id
        '11,,,,', // no email, no phone: still a profile
        '10,dup2@example.org,,Dup2,GB',
      ].join('\n') + '\n',
    );
    const [result] = await importAll(db, ws.config([crmSource(file)]));
    expect(await profileRecords(db, '* EXCLUDE (rid)')).toEqual([
      // The duplicates' emails are the record's extra keys (consent keyed by them reaches it; they do not match).
      { source: 'crm', source_rank: 0, record_id: '10', row_no: '1', email: 'a@example.org', phone: null, email_match: true, phone_match: true, first_name: 'Ann', country: 'GB', extra_emails: ['dup2@example.org', 'dup@example.org'], extra_phones: null },
      { source: 'crm', source_rank: 0, record_id: '11', row_no: '5', email: null, phone: null, email_match: true, phone_match: true, first_name: null, country: null, extra_emails: null, extra_phones: null },
    ]);
    expect(await db.rows('SELECT source, row_no, column_name, reason, detail, value FROM rejects ORDER BY row_no')).toEqual([
      { source: 'crm', row_no: '2', column_name: 'contact_id', reason: 'missing primary key', detail: 'the primary key is blank', value: '  ' },
      { source: 'crm', row_no: '3', column_name: 'contact_id', reason: 'duplicate primary key', detail: 'same primary key as row 1, which is kept', value: '10' },
      { source: 'crm', row_no: '4', column_name: 'contact_id', reason: 'missing primary key', detail: 'the primary key is blank', value: null },
      { source: 'crm', row_no: '6', column_name: 'contact_id', reason: 'duplicate primary key', detail: 'same primary key as row 1, which is kept', value: '10' },
    ]);
    expect(result).toEqual({
      source: 'crm',
      rowsRead: 6,
      rowsAccepted: 2,
      rowsRejected: 4,
      consentFacts: 0,
      rejectedWithdrawals: 0,
      topRejectReasons: [
        { reason: 'duplicate primary key', count: 2 },
        { reason: 'missing primary key', count: 2 },
      ],
    });
  });

  test('emails are NFC, trimmed and lower-cased; phones digits only; blanks are NULL', async () => {
    const file = ws.write(
      'crm.csv',
      'contact_id,email,phone,first_name,country\n1,\u00a0JOSE\u0301@Example.ORG\u200b,+1 (555) 010-0001,  José  ,\t\n2,   ,n/a,,\n',
    );
    await importAll(db, ws.config([crmSource(file)]));
    expect(await profileRecords(db, 'record_id, email, phone, first_name, country')).toEqual([
      { record_id: '1', email: 'jos\u00e9@example.org', phone: '15550100001', first_name: 'José', country: null },
      { record_id: '2', email: null, phone: null, first_name: null, country: null },
    ]);
    expect(await rejectTuples(db)).toEqual([]);
  });

  test('every Unicode space at the edges is trimmed (ideographic, em, line separator, vertical tab …), in SQL as in the JavaScript mirror', async () => {
    const spaces = ['\u3000', '\u2003', '\u2028', '\u2029', '\u202f', '\u205f', '\u1680', '\u000b', '\u00a0\u200b\ufeff'];
    const rows = spaces.map((space, index) => [String(index + 1), `${space}Ann@Example.com${space}`]);
    const file = ws.write('crm.csv', `contact_id,email,phone,first_name,country\n${rows.map(([id, email]) => `${id},"${email}",,,`).join('\n')}\n`);
    await importAll(db, ws.config([crmSource(file)]));
    const emails = (await profileRecords(db, 'record_id, email')).map((row) => row['email']);
    expect(emails).toEqual(spaces.map(() => 'ann@example.com'));
    expect(rows.map(([, email]) => normaliseEmailValue(email!) ?? null)).toEqual(emails);
  });

  test('a phone a spreadsheet or a typed column wrote as a decimal number (2125550100.0) loses the decimal part, not gains a digit', async () => {
    const rows = [
      ['1', '2125550100.0'],
      ['2', ' 2125550100.00 '],
      ['3', '2125550100,0'],
      ['4', '+12125550100.0'],
      ['5', '212.555.0100'], // dotted format: every digit counts
      ['6', '2125550100.5'], // not a whole number: digits only, as ever
    ];
    const file = ws.write('crm.csv', `contact_id,email,phone,first_name,country\n${rows.map(([id, phone]) => `${id},,"${phone}",,`).join('\n')}\n`);
    await importAll(db, ws.config([crmSource(file)]));
    const phones = (await profileRecords(db, 'record_id, phone')).map((row) => row['phone']);
    expect(phones).toEqual(['2125550100', '2125550100', '2125550100', '12125550100', '2125550100', '21255501005']);
    expect(rows.map(([, phone]) => normalisePhoneValue(phone!) ?? null)).toEqual(phones);
  });

  test('emails lose the wrappers mail clients and spreadsheets add: quotes, mailto:, a display name in <>, a trailing dot', async () => {
    const rows = [
      ['1', '<Bob@Example.com>'],
      ['2', '"Bob Smith" <bob@example.com>'],
      ['3', 'MAILTO:bob@example.com'],
      ['4', 'bob@example.com.'],
      ['5', ' mailto:<bob@example.com>. '],
      ['6', 'bob+news@example.com'], // plus-addressing is part of the address
      ['7', '<>'],
      ['8', 'a<b@example.com'], // no closing bracket: left as it is
      ['9', '"Bob@Example.com"'],
      ['10', " 'bob@example.com' "],
      ['11', '\u201cbob@example.com\u201d'],
      ['12', '"<bob@example.com>"'],
      ['13', '"bob"@example.com'], // a quoted local part keeps its quotes
      ['14', '"bob@example.com'], // only an opening quote: left as it is
      ['15', '\u201ebob@example.com\u201c'],
      ['16', '\u00abbob@example.com\u00bb'],
      ['17', '`bob@example.com`'],
      ['18', 'bob@example.com;'],
      ['19', '"bob@example.com", '],
      ['20', '\u2039bob@example.com\u203a'],
    ];
    const file = ws.write('crm.csv', `contact_id,email,phone,first_name,country\n${rows.map(([id, email]) => `${id},"${email!.replaceAll('"', '""')}",,,`).join('\n')}\n`);
    await importAll(db, ws.config([crmSource(file)]));
    expect((await profileRecords(db, 'record_id, email')).map((row) => row['email'])).toEqual([
      'bob@example.com',
      'bob@example.com',
      'bob@example.com',
      'bob@example.com',
      'bob@example.com',
      'bob+news@example.com',
      '<>',
      'a<b@example.com',
      'bob@example.com',
      'bob@example.com',
      'bob@example.com',
      'bob@example.com',
      '"bob"@example.com',
      '"bob@example.com',
      'bob@example.com',
      'bob@example.com',
      'bob@example.com',
      'bob@example.com',
      'bob@example.com',
      'bob@example.com',
    ]);
    // The JavaScript mirror (configured placeholders, CLI look-ups) agrees.
    expect(rows.map(([, email]) => normaliseEmailValue(email!) ?? null)).toEqual((await profileRecords(db, 'record_id, email')).map((row) => row['email']));
  });

  test('matchOn picks the keys that take part in matching; unmapped keys never match', async () => {
    const file = ws.write('crm.csv', 'id,mail,tel\n1,a@example.org,555\n');
    const base = { name: 'crm', type: 'profiles', format: 'csv', path: file, primaryKey: 'id' };
    await importAll(db, ws.config([{ ...base, keys: { email: 'mail', phone: 'tel' }, matchOn: ['phone'] }]));
    expect(await profileRecords(db, 'email, phone, email_match, phone_match')).toEqual([
      { email: 'a@example.org', phone: '555', email_match: false, phone_match: true },
    ]);
    await importAll(db, ws.config([{ ...base, keys: { email: 'mail' } }]));
    expect(await profileRecords(db, 'email, phone, email_match, phone_match')).toEqual([
      { email: 'a@example.org', phone: null, email_match: true, phone_match: false },
    ]);
  });
});

describe('consent carried by profile rows', () => {
  const source = (file: string) =>
    crmSource(file, {
      keys: { email: 'email' },
      attributes: {},
      consent: { purposes: { newsletter: 'nl', 'Sale of data': 'sale' }, date: 'updated' },
    });

  test('non-blank values become facts keyed by the record; blank means no record; bad values and dates are rejected', async () => {
    const file = ws.write(
      'crm.csv',
      [
        'contact_id,email,nl,sale,updated',
        'p1,a@example.org,Yes,opt-out,2024-04-01',
        'p2,b@example.org,,  ,', // blank: no records
        'p3,c@example.org,maybe,no,2024-04-02T08:00:00-01:00', // bad value for one purpose only
        'p4,d@example.org,yes,yes,yesterday', // bad date: no facts from this row
        ',e@example.org,yes,yes,2024-04-03', // rejected profile: no facts
        'p1,f@example.org,no,no,2024-05-01', // duplicate profile: its consent still counts (a later withdrawal of p1)
        'p5,,OPTED_IN,,', // undated fact
      ].join('\n') + '\n',
    );
    const [result] = await importAll(db, ws.config([source(file)]));
    expect(await profileRecords(db, 'record_id, row_no, email')).toEqual([
      { record_id: 'p1', row_no: '1', email: 'a@example.org' },
      { record_id: 'p2', row_no: '2', email: 'b@example.org' },
      { record_id: 'p3', row_no: '3', email: 'c@example.org' },
      { record_id: 'p4', row_no: '4', email: 'd@example.org' },
      { record_id: 'p5', row_no: '7', email: null },
    ]);
    const fact = (consentId: string, rowNo: string, purpose: string, granted: boolean, consentDate: string | null) => ({
      source: 'crm',
      source_rank: 0,
      consent_id: consentId,
      row_no: rowNo,
      key_kind: 'record',
      key_value: consentId,
      purpose,
      granted,
      consent_date: consentDate,
    });
    expect(await consentRecords(db)).toEqual([
      fact('p1', '1', 'Newsletter', true, '2024-04-01 00:00:00'),
      fact('p1', '1', 'Sale of data', false, '2024-04-01 00:00:00'),
      fact('p3', '3', 'Sale of data', false, '2024-04-02 09:00:00'),
      fact('p1', '6', 'Newsletter', false, '2024-05-01 00:00:00'),
      fact('p1', '6', 'Sale of data', false, '2024-05-01 00:00:00'),
      fact('p5', '7', 'Newsletter', true, null),
    ]);
    expect(await db.rows("SELECT detail FROM rejects WHERE reason = 'duplicate primary key'")).toEqual([
      { detail: 'same primary key as row 1, which is kept (the consent values of this row still count)' },
    ]);
    expect(await rejectTuples(db)).toEqual([
      ['crm', 3, 'nl', 'invalid consent value'],
      ['crm', 4, 'updated', 'invalid date'],
      ['crm', 5, 'contact_id', 'missing primary key'],
      ['crm', 6, 'contact_id', 'duplicate primary key'],
    ]);
    // The profile rows with bad consent values stay accepted: rows_rejected counts rejected profiles only.
    expect(result).toMatchObject({ rowsRead: 7, rowsAccepted: 5, rowsRejected: 2, consentFacts: 6 });
  });
});
