/**
 * Excel's `sep=;` first line names the file's delimiter above the header: it is skipped, its delimiter used
 * (unless the source names another: then the source fails), and row numbers count records after the header.
 */
import { describe, expect, test } from 'vitest';
import { SourceError } from '../../../core/errors.js';
import { importSource } from '../../../core/import/index.js';
import { consentRecords, consentSource, crmSource, freshWorkspaceAndDbForEachTest, importAll, profileRecords, type Db, type Workspace } from './helpers.js';

let ws: Workspace;
let db: Db;
freshWorkspaceAndDbForEachTest((freshWs, freshDb) => {
  ws = freshWs;
  db = freshDb;
});

const rejects = () => db.rows<{ row_no: string; detail: string }>('SELECT row_no, detail FROM rejects ORDER BY row_no');

describe('an Excel sep= line', () => {
  test('is skipped and its delimiter used (acceptance c02a: sep=; and sep=, with CRLF)', async () => {
    const crm = ws.write('crm.csv', 'sep=;\r\ncontact_id;email;phone;first_name\r\nC1;anna@example.com;0171 1111111;Anna\r\nC2;bert@example.com;0171 2222222;Bert\r\n');
    const consent = ws.write('consent.csv', 'sep=,\r\nconsent_id,email,consent_option,consent_value,consent_date\r\n1,anna@example.com,Newsletter,yes,2024-05-01\r\n2,bert@example.com,Newsletter,no,2024-05-01\r\n');
    await importAll(db, ws.config([crmSource(crm, { attributes: { first_name: 'first_name' } }), consentSource(consent)]));
    expect(await profileRecords(db, 'record_id, row_no, email, first_name')).toEqual([
      { record_id: 'C1', row_no: '1', email: 'anna@example.com', first_name: 'Anna' },
      { record_id: 'C2', row_no: '2', email: 'bert@example.com', first_name: 'Bert' },
    ]);
    expect((await consentRecords(db)).map((row) => [row.consent_id, row.row_no, row.granted])).toEqual([
      ['1', '1', true],
      ['2', '2', false],
    ]);
  });

  test('row numbers of rejects, short rows and kept rows count records after the header (blank lines, quoted line breaks, header: false)', async () => {
    const lines = ['sep=;', 'contact_id;email;phone;first_name;country', '1;a@example.org;;Ann;GB', '', '2;x;y;z;w;too many', '3;"b@example.org";;"two', 'lines";GB', '4;c@example.org', '5;d@example.org;;Di;GB', ''];
    await importAll(db, ws.config([crmSource(ws.write('crm.csv', lines.join('\n')))]));
    expect(await rejects()).toEqual([{ row_no: '2', detail: 'too many columns: expected 5, found 6' }]);
    expect(await profileRecords(db, 'record_id, row_no, first_name')).toEqual([
      { record_id: '1', row_no: '1', first_name: 'Ann' },
      { record_id: '3', row_no: '3', first_name: 'two\nlines' },
      { record_id: '4', row_no: '4', first_name: null },
      { record_id: '5', row_no: '5', first_name: 'Di' },
    ]);
    const headerless = ws.write('people.csv', 'sep=|\n7|g@example.org\n\n8|h@example.org|x\n9|i@example.org\n');
    const source = { name: 'crm', type: 'profiles', format: 'csv', path: headerless, primaryKey: 'column0', keys: { email: 'column1' }, csv: { header: false } };
    await importAll(db, ws.config([source]));
    expect(await rejects()).toEqual([{ row_no: '2', detail: 'too many columns: expected 2, found 3' }]);
    expect(await profileRecords(db, 'record_id, row_no, email')).toEqual([
      { record_id: '7', row_no: '1', email: 'g@example.org' },
      { record_id: '9', row_no: '3', email: 'i@example.org' },
    ]);
  });

  test('after a byte order mark, in UTF-16 and latin-1', async () => {
    const text = 'sep=;\r\ncontact_id;email;phone;first_name;country\r\n1;a@example.org;;Zoë;DE\r\n2;b@example.org;;x;y;z\r\n';
    for (const [name, content, csv] of [
      ['bom.csv', Buffer.from(`\ufeff${text}`, 'utf8'), {}],
      ['utf16.csv', Buffer.from(`\ufeff${text}`, 'utf16le'), { encoding: 'utf-16' }],
      ['latin1.csv', Buffer.from(text, 'latin1'), { encoding: 'latin-1' }],
    ] as const) {
      await importAll(db, ws.config([crmSource(ws.write(name, content), { csv })]));
      expect(await profileRecords(db, 'record_id, row_no, first_name')).toEqual([{ record_id: '1', row_no: '1', first_name: 'Zoë' }]);
      expect(await rejects()).toEqual([{ row_no: '2', detail: 'too many columns: expected 5, found 6' }]);
    }
  });

  test('a source naming the same delimiter reads it; another delimiter fails the source naming the sep= line', async () => {
    const file = ws.write('crm.csv', 'sep=;\ncontact_id;email;phone;first_name;country\n1;a@example.org;;Ann;GB\n');
    await importAll(db, ws.config([crmSource(file, { csv: { delimiter: ';' } })]));
    expect(await profileRecords(db, 'record_id, row_no')).toEqual([{ record_id: '1', row_no: '1' }]);
    const error = await importSource(db.connection, ws.config([crmSource(file, { csv: { delimiter: ',' } })]), 0).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).message).toBe(
      `source "crm" (${file}): the first line "sep=;" (Excel's delimiter line) names the delimiter ";", but sources[0].csv.delimiter is ",": remove csv.delimiter or correct it`,
    );
  });

  test('mixed line endings are named by data row', async () => {
    const file = ws.write('crm.csv', 'sep=,\r\ncontact_id,email,phone,first_name,country\r\n1,a@example.org,,Ann,GB\r\n2,b@example.org,,Bo,GB\n3,c@example.org,,Cy,GB\r\n');
    await expect(importAll(db, ws.config([crmSource(file)]))).rejects.toThrow(`source "crm" (${file}) row 2: line endings are mixed: the first line ends with CRLF (Windows), but row 2 ends with LF (Unix)`);
  });
});
