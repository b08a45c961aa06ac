/**
 * Reading CSV sources: file-level failures (SourceError with exact messages), dialects, encodings and
 * malformed rows becoming `malformed row` rejects with their data row numbers.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { SourceError } from '../../../core/errors.js';
import { importSource } from '../../../core/import/index.js';
import { freshWorkspaceAndDbForEachTest, consentSource, crmSource, importAll, profileRecords, rejectTuples, type Db, type Workspace } from './helpers.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/import');
const HEADER = 'contact_id,email,phone,first_name,country';

let ws: Workspace;
let db: Db;
freshWorkspaceAndDbForEachTest((freshWs, freshDb) => {
  ws = freshWs;
  db = freshDb;
});

async function importError(config: ReturnType<Workspace['config']>, index = 0): Promise<SourceError> {
  const error = await importSource(db.connection, config, index).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

describe('file-level failures', () => {
  test('a missing file names source and file', async () => {
    const file = path.join(ws.dir, 'nope.csv');
    const error = await importError(ws.config([crmSource(file)]));
    expect(error.message).toBe(`source "crm" (${file}): file not found (check sources[0].path; relative paths resolve against the config file's folder)`);
    expect([error.source, error.file, error.column]).toEqual(['crm', file, undefined]);
  });

  test('a folder is not a readable file', async () => {
    const folder = path.join(ws.dir, 'folder.csv');
    mkdirSync(folder);
    expect((await importError(ws.config([crmSource(folder)]))).message).toBe(`source "crm" (${folder}): not a regular file`);
  });

  test.skipIf(process.getuid?.() === 0)('an unreadable file fails the import', async () => {
    const file = ws.write('locked.csv', 'contact_id\n');
    chmodSync(file, 0o000);
    expect((await importError(ws.config([crmSource(file)]))).message).toBe(`source "crm" (${file}): file is not readable (permission denied)`);
  });

  test('a blank first line is not a header', async () => {
    const file = ws.write('blank.csv', '\ncontact_id,email\n');
    expect((await importError(ws.config([crmSource(file)]))).message).toBe(`source "crm" (${file}): the header row is blank`);
  });

  test('binary bytes after the header fail the source with a reason a user can act on', async () => {
    const file = path.join(FIXTURES, 'binary-after-header.csv');
    expect((await importError(ws.config([crmSource(file)]))).message).toBe(
      `source "crm" (${file}): cannot be read as csv: the file holds bytes the CSV reader cannot parse (binary data, or text in another encoding?)`,
    );
  });

  test('an empty (0 byte) file fails the import', async () => {
    const file = ws.write('empty.csv', '');
    expect((await importError(ws.config([crmSource(file)]))).message).toBe(`source "crm" (${file}): file is empty (0 bytes)`);
  });

  test('a mapped column absent from the header is named in the error', async () => {
    const file = ws.write('crm.csv', 'contact_id,email,first_name,country\n1,a@example.org,Ann,GB\n');
    const error = await importError(ws.config([crmSource(file)]));
    expect(error.message).toBe(`source "crm" (${file}) column "phone": mapped column not found (the file has 4 columns); mapped by sources[0].keys.phone`);
    expect(error.column).toBe('phone');
  });

  test('without csv.delimiter, a ; | or tab header holding every mapped column picks that delimiter', async () => {
    for (const delimiter of [';', '\t', '|']) {
      const rows = [['contact_id', 'email', 'phone', 'first_name', 'country'], ['1', 'a@example.org', '', 'Ann, Jr.', 'GB']];
      const file = ws.write('crm.csv', rows.map((row) => row.join(delimiter)).join('\n') + '\n');
      await importAll(db, ws.config([crmSource(file)]));
      expect(await profileRecords(db, 'record_id, email, first_name, country')).toEqual([
        { record_id: '1', email: 'a@example.org', first_name: 'Ann, Jr.', country: 'GB' },
      ]);
    }
  });

  test('a wrong delimiter shows up as a single-column header; an explicit delimiter is never second-guessed', async () => {
    const file = ws.write('crm.csv', 'contact_id;email;phone;first_name;country\n1;a@example.org;;Ann;GB\n');
    const error = await importError(ws.config([crmSource(file, { csv: { delimiter: '|' } })]));
    expect(error.message).toBe(
      `source "crm" (${file}) column "contact_id": mapped column not found (the header has a single column: is csv.delimiter right?); mapped by sources[0].primaryKey`,
    );
    // With the right delimiter, or none, the same file reads.
    for (const csv of [{ delimiter: ';' }, {}]) {
      await importAll(db, ws.config([crmSource(file, { csv })]));
      expect(await profileRecords(db, 'record_id, email, first_name, country')).toEqual([
        { record_id: '1', email: 'a@example.org', first_name: 'Ann', country: 'GB' },
      ]);
    }
  });

  test('a ; header missing one mapped column names that column, not the first one read with commas', async () => {
    const file = ws.write('crm.csv', 'contact_id;E_MAIL;phone;first_name;country\n1;a@example.org;;Ann;GB\n');
    const error = await importError(ws.config([crmSource(file)]));
    expect(error.message).toBe(`source "crm" (${file}) column "email": mapped column not found (the file has 5 columns); mapped by sources[0].keys.email`);
  });

  test('several columns matching case-insensitively is an error, never a guess', async () => {
    const file = ws.write('crm.csv', 'contact_id, Email ,email ,phone,first_name,country\n');
    const error = await importError(ws.config([crmSource(file, { keys: { email: 'EMAIL' } })]));
    expect(error.message).toBe(
      `source "crm" (${file}) column "EMAIL": mapped column is ambiguous: 2 columns match it when case and surrounding spaces are ignored; mapped by sources[0].keys.email`,
    );
  });

  test('an invalid UTF-8 header fails the import', async () => {
    const file = ws.write('crm.csv', Buffer.concat([Buffer.from('contact_id,em'), Buffer.from([0xff]), Buffer.from('ail,phone\n1,a,b\n')]));
    expect((await importError(ws.config([crmSource(file)]))).message).toBe(
      `source "crm" (${file}): the header row is not valid UTF-8 (the file must be UTF-8, or name its encoding in sources[0].csv.encoding: latin-1 or utf-16)`,
    );
  });

  test('messages never contain row values', async () => {
    const file = ws.write('crm.csv', 'contact_id,secret@example.org,phone\n');
    const error = await importError(ws.config([crmSource(file)]));
    expect(error.message).not.toContain('secret');
  });
});

describe('dialects and encodings', () => {
  test('a header-only file is fine: 0 rows', async () => {
    const file = ws.write('crm.csv', `${HEADER}\n`);
    const [result] = await importAll(db, ws.config([crmSource(file)]));
    expect(result).toEqual({ source: 'crm', rowsRead: 0, rowsAccepted: 0, rowsRejected: 0, consentFacts: 0, rejectedWithdrawals: 0, topRejectReasons: [] });
    expect(await profileRecords(db)).toEqual([]);
    expect(await rejectTuples(db)).toEqual([]);
  });

  test('a header without a final line break is fine too', async () => {
    const file = ws.write('crm.csv', HEADER);
    const [result] = await importAll(db, ws.config([crmSource(file)]));
    expect(result?.rowsRead).toBe(0);
  });

  test('headers with stray spaces and odd case, quoted newlines and doubled quotes (fixture)', async () => {
    const config = ws.config([crmSource(path.join(FIXTURES, 'crm_contacts.csv'))]);
    const [result] = await importAll(db, config);
    expect(await profileRecords(db, 'record_id, row_no, email, phone, first_name, country')).toEqual([
      // '+44 (0)20 …': the bracketed trunk prefix of an international number is not part of it.
      { record_id: 'c-001', row_no: '1', email: 'ann.example@mail.com', phone: '442079460001', first_name: 'Ann', country: 'GB' },
      { record_id: 'c-002', row_no: '2', email: null, phone: null, first_name: 'Bob "Bobby"', country: null },
      { record_id: 'c-003', row_no: '3', email: 'carol@example.org', phone: '5550100', first_name: 'Carol\nSmith', country: 'DE' },
      { record_id: 'c-004', row_no: '6', email: null, phone: '0049301234', first_name: null, country: null },
    ]);
    expect(await rejectTuples(db)).toEqual([
      ['crm', 4, 'contact_id', 'missing primary key'],
      ['crm', 5, 'contact_id', 'duplicate primary key'],
    ]);
    expect(result).toEqual({
      source: 'crm',
      rowsRead: 6,
      rowsAccepted: 4,
      rowsRejected: 2,
      consentFacts: 0,
      rejectedWithdrawals: 0,
      topRejectReasons: [
        { reason: 'duplicate primary key', count: 1 },
        { reason: 'missing primary key', count: 1 },
      ],
    });
  });

  test('an exact header match wins over case-insensitive ones', async () => {
    const file = ws.write('crm.csv', 'contact_id,email,Email,phone,first_name,country\n1,lower@example.org,upper@example.org,,,\n');
    await importAll(db, ws.config([crmSource(file, { keys: { email: 'Email' } })]));
    expect(await profileRecords(db, 'email')).toEqual([{ email: 'upper@example.org' }]);
  });

  test('mixed line endings fail the source naming the row where they change and why; a quoted line break does not count', async () => {
    const cases: [string, string][] = [
      [`${HEADER}\r\n1,a@example.org,,,\r\n\n2,b@example.org,,,\r\n`, ': line endings are mixed: the first line ends with CRLF (Windows), but a blank line after row 1 ends with LF (Unix)'],
      [`${HEADER}\n1,a@example.org,,"multi\r\nline",\n2,b@example.org,,,\r\n\r\n3,c@example.org,,,\n`, 'row 2: line endings are mixed: the first line ends with LF (Unix), but row 2 ends with CRLF (Windows)'],
      [`${HEADER}\n1,a@example.org,,,\r\n\r\n2,b@example.org,,,\n`, 'row 1: line endings are mixed: the first line ends with LF (Unix), but row 1 ends with CRLF (Windows)'],
      [`${HEADER}\n1,a@example.org,,,\n\r\n2,b@example.org,,,\n`, ': line endings are mixed: the first line ends with LF (Unix), but a blank line after row 1 ends with CRLF (Windows)'],
    ];
    for (const [content, expected] of cases) {
      const file = ws.write('crm.csv', content);
      const error = await importError(ws.config([crmSource(file)]));
      expect(error.message).toBe(`source "crm" (${file}) ${expected}; the reader needs one kind throughout (convert the file, e.g. with dos2unix or unix2dos)`.replace(') :', '):'));
    }
  });

  test('a UTF-8 BOM is skipped (header and first value)', async () => {
    const file = ws.write('crm.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}\r\n1,a@example.org,,Zoë,DE\r\n`)]));
    await importAll(db, ws.config([crmSource(file)]));
    expect(await profileRecords(db, 'record_id, row_no, email, first_name, country')).toEqual([
      { record_id: '1', row_no: '1', email: 'a@example.org', first_name: 'Zoë', country: 'DE' },
    ]);
  });

  test('custom delimiter, quote and escape, CRLF line ends, nullString', async () => {
    const file = ws.write(
      'crm.csv',
      "contact_id|email|phone|first_name|country\r\n1|'a|b@example.org'|NULL|'O\\'Brien'|NULL\r\n2|c@example.org||'multi\r\nline'|IE\r\n",
    );
    await importAll(db, ws.config([crmSource(file, { csv: { delimiter: '|', quote: "'", escape: '\\', nullString: 'NULL' } })]));
    expect(await profileRecords(db, 'record_id, row_no, email, phone, first_name, country')).toEqual([
      { record_id: '1', row_no: '1', email: 'a|b@example.org', phone: null, first_name: "O'Brien", country: null },
      { record_id: '2', row_no: '2', email: 'c@example.org', phone: null, first_name: 'multi\r\nline', country: 'IE' },
    ]);
  });

  test('header: false maps columns by position (column0, column1, ...)', async () => {
    const file = ws.write('crm.csv', '7,g@example.org\n8,h@example.org\n');
    const source = { name: 'crm', type: 'profiles', format: 'csv', path: file, primaryKey: 'column0', keys: { email: 'column1' }, csv: { header: false } };
    await importAll(db, ws.config([source]));
    expect(await profileRecords(db, 'record_id, row_no, email')).toEqual([
      { record_id: '7', row_no: '1', email: 'g@example.org' },
      { record_id: '8', row_no: '2', email: 'h@example.org' },
    ]);
  });
});

describe('malformed rows become rejects, with data row numbers', () => {
  // Invalid UTF-8 fails the source instead (csv-encoding.test.ts): rows 4 and 7 held it, and are plain rows here.
  // Row 6 lacks trailing columns: it is read with them blank (short-rows.test.ts).
  test('too many columns and a broken quote', async () => {
    const file = ws.write(
      'crm.csv',
      `${HEADER}\n1,a@example.org,,Ann,GB\n2,"two\nlines",,Bob,GB\n3,too,many,columns,here,x\n4,b@example.org,,Carl,GB\n` +
        '5,c@example.org,,Dan,GB\n6,short\n7,d@example.org,,Eve,\n8,e@example.org,,Fay,GB\n9,"unterminated,,,\n',
    );
    const [result] = await importAll(db, ws.config([crmSource(file)]));
    expect(await db.rows('SELECT source, row_no, column_name, reason, detail, value FROM rejects ORDER BY row_no')).toEqual([
      { source: 'crm', row_no: '3', column_name: null, reason: 'malformed row', detail: 'too many columns: expected 5, found 6', value: '3,too,many,columns,here,x' },
      { source: 'crm', row_no: '9', column_name: null, reason: 'malformed row', detail: 'unterminated or misplaced quote', value: '9,"unterminated,,,\n' },
    ]);
    expect(await profileRecords(db, 'record_id, row_no, first_name')).toEqual([
      { record_id: '1', row_no: '1', first_name: 'Ann' },
      { record_id: '2', row_no: '2', first_name: 'Bob' },
      { record_id: '4', row_no: '4', first_name: 'Carl' },
      { record_id: '5', row_no: '5', first_name: 'Dan' },
      { record_id: '6', row_no: '6', first_name: null },
      { record_id: '7', row_no: '7', first_name: 'Eve' },
      { record_id: '8', row_no: '8', first_name: 'Fay' },
    ]);
    expect(result).toMatchObject({ rowsRead: 9, rowsAccepted: 7, rowsRejected: 2, topRejectReasons: [{ reason: 'malformed row', count: 2 }] });
  });

  test('blank lines are not rows: rejects and kept rows count records the same way (LF and CRLF, a blank line inside a quoted value)', async () => {
    for (const [name, eol] of [['lf.csv', '\n'], ['crlf.csv', '\r\n']] as const) {
      const lines = [HEADER, '1,a@example.org,,Ann,GB', '', '2,x,y,z,w,v', '3,"b@example.org",,"two', '', 'lines",GB', '', '', '4,too,many,columns,here,x', '5,c@example.org,,Cy,GB', ''];
      const file = ws.write(name, lines.join(eol));
      await importAll(db, ws.config([crmSource(file)]));
      expect(await rejectTuples(db)).toEqual([
        ['crm', 2, null, 'malformed row'],
        ['crm', 4, null, 'malformed row'],
      ]);
      expect(await profileRecords(db, 'record_id, row_no')).toEqual([
        { record_id: '1', row_no: '1' },
        { record_id: '3', row_no: '3' },
        { record_id: '5', row_no: '5' },
      ]);
    }
    // The consent case acceptance found: a value reject after a blank line and a malformed row.
    const consent = ws.write('consent.csv', 'consent_id,email,consent_option,consent_value,consent_date\n1,ann@ex.com,Newsletter,yes,2024-01-01\n\n2,x,y,z,w,v\n3,ann@ex.com,Newsletter,maybe,2024-06-01\n');
    const crm = ws.write('crm.csv', `${HEADER}\n1,ann@ex.com,,Ann,GB\n`);
    await importAll(db, ws.config([crmSource(crm), consentSource(consent)]));
    expect(await rejectTuples(db)).toEqual([
      ['consent', 2, null, 'malformed row'],
      ['consent', 3, 'consent_value', 'invalid consent value'],
    ]);
    // A quote that swallows later lines is named by its record number too.
    const swallowing = ws.write('swallow.csv', `${HEADER}\n1,a@example.org,,Ann,GB\n\n\n2,"b@example.org,,Bob,GB\n3,c@example.org,,Cy,GB\n`);
    await expect(importAll(db, ws.config([crmSource(swallowing)]))).rejects.toThrow(`source "crm" (${swallowing}) row 2: a quote opened on this row`);
  });

  test('an unterminated quote that would take later rows into its own fails the source, naming the row', async () => {
    // To the end of the file: rows 3–4 would vanish without a reject of their own.
    const toEnd = ws.write('crm.csv', `${HEADER}\n1,a@example.org,,Ann,GB\n2,"b@example.org,,Bob,GB\n3,c@example.org,,Cy,GB\n4,d@example.org,,Di,GB\n`);
    await expect(importAll(db, ws.config([crmSource(toEnd)]))).rejects.toThrow(
      `source "crm" (${toEnd}) row 2: a quote opened on this row is not closed on it: the reader took the next 2 lines into this row, ` +
        'so those rows would be lost (fix the quoting; a quote inside a quoted value is written as two quotes)',
    );
    // Up to a later quote (CRLF): row 3 would vanish, reading resumes after row 4.
    const toLaterQuote = ws.write('shop.csv', `${HEADER}\r\n1,a@example.org,,Ann,GB\r\n2,"b@example.org,,Bob,GB\r\n3,c@example.org,,Cy,GB\r\n4,"d@example.org",,Di,GB\r\n5,e@example.org,,Ed,GB\r\n`);
    await expect(importAll(db, ws.config([crmSource(toLaterQuote)]))).rejects.toThrow(
      `source "crm" (${toLaterQuote}) row 2: a quote opened on this row is not closed on it: the reader took the next 2 lines into this row`,
    );
  });

  test('a 1 MB field is read whole; a 1 MB bad value is kept as 200 characters', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const file = ws.write('crm.csv', `${HEADER},newsletter\n1,a@example.org,,${big},GB,yes\n2,b@example.org,,Bo,GB,${big}\n`);
    await importAll(db, ws.config([crmSource(file, { consent: { purposes: { Newsletter: 'newsletter' } } })]));
    expect(await db.rows('SELECT record_id, length(first_name) AS n FROM profile_records ORDER BY row_no')).toEqual([
      { record_id: '1', n: '1048576' },
      { record_id: '2', n: '2' },
    ]);
    expect(await db.rows('SELECT row_no, column_name, reason, length(value) AS n FROM rejects')).toEqual([
      { row_no: '2', column_name: 'newsletter', reason: 'invalid consent value', n: '200' },
    ]);
  });

  test('row numbers stay exact across reader buffers (generated 200k-row file)', async () => {
    const lines = [HEADER];
    const bad: number[] = [];
    for (let row = 1; row <= 200_000; row++) {
      if (row % 9973 === 0) {
        lines.push(`${row},x,y,z,w,extra`);
        bad.push(row);
      } else if (row % 15013 === 0) {
        lines.push(`${row},short${row}@example.org`); // read with the missing columns blank: a row, numbered like the others
      } else if (row % 7919 === 0) {
        lines.push(`${row},"multi\nline\nvalue",,,`);
      } else {
        lines.push(`${row},u${row}@example.org,,name ${row},GB`);
      }
    }
    const file = ws.write('big.csv', lines.join('\n') + '\n');
    const progress: number[] = [];
    const result = await importSource(db.connection, ws.config([crmSource(file)]), 0, { onProgress: (rows) => progress.push(rows) });
    expect(result).toMatchObject({ rowsRead: 200_000, rowsAccepted: 200_000 - bad.length, rowsRejected: bad.length });
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)).toBe(200_000);
    const misnumbered = await db.rows<{ n: string }>('SELECT count(*) AS n FROM src_0_profiles WHERE CAST(record_id AS BIGINT) <> row_no');
    expect(misnumbered).toEqual([{ n: '0' }]);
    const rejected = await db.rows<{ row_no: string }>('SELECT row_no FROM src_0_rejects ORDER BY row_no');
    expect(rejected.map((row) => Number(row.row_no))).toEqual(bad.sort((a, b) => a - b));
  });
});

describe('re-running', () => {
  test('importing the same source twice gives the same tables', async () => {
    const config = ws.config([crmSource(path.join(FIXTURES, 'crm_contacts.csv'))]);
    await importAll(db, config);
    const first = [await profileRecords(db, '*'), await rejectTuples(db), await db.rows('SELECT * FROM source_stats')];
    await importAll(db, config);
    expect([await profileRecords(db, '*'), await rejectTuples(db), await db.rows('SELECT * FROM source_stats')]).toEqual(first);
    // Working tables are gone; only the documented per-source outputs stay.
    const tables = await db.rows<{ table_name: string }>("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'src_%' ORDER BY 1");
    expect(tables.map((row) => row.table_name)).toEqual(['src_0_consent', 'src_0_profiles', 'src_0_rejects', 'src_0_stats']);
  });
});
