/**
 * Text encodings of sources: a CSV source names its encoding in `csv.encoding` (utf-8, latin-1, utf-16);
 * text that is not in it fails the source naming the row (never rejected row by row: a file in another
 * encoding would lose every row holding an umlaut, withdrawals included). JSON lines must be UTF-8.
 */
import { describe, expect, test } from 'vitest';
import { ConfigError, SourceError } from '../../../core/errors.js';
import { importSource } from '../../../core/import/index.js';
import { consentRecords, consentSource, crmSource, freshWorkspaceAndDbForEachTest, importAll, profileRecords, rejectTuples, type Db, type Workspace } from './helpers.js';

const HEADER = 'contact_id,email,phone,first_name,country';
const CONSENT_HEADER = 'consent_id,email,consent_option,consent_value,consent_date,note';

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

const latin1 = (text: string) => Buffer.from(text, 'latin1');

describe('UTF-8 (the default): a row that is not UTF-8 fails the source', () => {
  test('in any column, after blank lines and a quoted line break: the error names the record', async () => {
    const file = ws.write(
      'crm.csv',
      Buffer.concat([
        Buffer.from(`${HEADER}\n1,a@example.org,,Ann,GB\n\n2,"two\nlines",,Bob,GB\n\n\n3,b@example.org,,Ca`),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('rl,GB\n4,c@example.org,,Dan,GB\n'),
      ]),
    );
    const error = await importError(ws.config([crmSource(file)]));
    expect(error.message).toBe(
      `source "crm" (${file}) row 3: the row is not valid UTF-8 (the file must be UTF-8, or name its encoding in sources[0].csv.encoding: latin-1 or utf-16)`,
    );
    expect([error.source, error.file, error.row]).toEqual(['crm', file, 3]);
  });

  test('a truncated sequence in the last column, and the first of several bad rows is named', async () => {
    const file = ws.write(
      'crm.csv',
      Buffer.concat([Buffer.from(`${HEADER}\n1,a@example.org,,Ann,GB\n2,d@example.org,,Eve,`), Buffer.from([0xc3]), Buffer.from('\n3,x@example.org,,J'), Buffer.from([0xfc]), Buffer.from('rgen,DE\n')]),
    );
    expect((await importError(ws.config([crmSource(file)]))).message).toBe(
      `source "crm" (${file}) row 2: the row is not valid UTF-8 (the file must be UTF-8, or name its encoding in sources[0].csv.encoding: latin-1 or utf-16)`,
    );
  });

  test('a Windows-1252 consent file with umlauts in a note column (acceptance c12): the source fails, no withdrawal is dropped', async () => {
    const crm = ws.write('crm.csv', `${HEADER}\n1,u1@x.de,,Ute,DE\n`);
    const file = ws.write('consent.csv', latin1(`${CONSENT_HEADER}\n1,u1@x.de,Sale of data,no,2024-05-01,Abmeldung über Hotline\n2,u2@x.de,Sale of data,no,2024-05-01,per E-Mail\n`));
    const config = ws.config([crmSource(crm), consentSource(file)]);
    await importSource(db.connection, config, 0);
    expect((await importError(config, 1)).message).toBe(
      `source "consent" (${file}) row 1: the row is not valid UTF-8 (the file must be UTF-8, or name its encoding in sources[1].csv.encoding: latin-1 or utf-16)`,
    );
  });

  test('JSON lines: a line that is not UTF-8 fails the source, blank lines not counted', async () => {
    const file = ws.write(
      'people.jsonl',
      Buffer.concat([Buffer.from('{"id": "u1", "email": "a@example.org"}\n\n  \r\n{"id": "u2", "note": "'), Buffer.from([0xe4]), Buffer.from('"}\n{"id": "u3"}\n')]),
    );
    const source = { name: 'people', type: 'profiles', format: 'jsonl', path: file, primaryKey: 'id', keys: { email: 'email' } };
    expect((await importError(ws.config([source]))).message).toBe(`source "people" (${file}) row 2: the line is not valid UTF-8 (JSON lines must be UTF-8: convert the file)`);
  });
});

describe('csv.encoding: latin-1', () => {
  test('umlauts are read as text; row numbers of rejects and kept rows still count records (blank lines, quoted line breaks)', async () => {
    const crm = ws.write('crm.csv', `${HEADER}\n1,u1@x.de,,Ute,DE\n2,u5@x.de,,Jörg,DE\n`);
    const file = ws.write(
      'consent.csv',
      latin1(
        `${CONSENT_HEADER}\n1,u1@x.de,Sale of data,no,2024-05-01,Abmeldung über Hotline ${'ÄÖÜß'.repeat(30)}\n\n` +
          `2,u2@x.de,Sale,of,data,no,2024-05-01,Geschäftsführung\n\n\n3,u5@x.de,Newsletter,yes,2024-05-01,"bestätigt\n\nüber Link"\n` +
          `4,u5@x.de,Newsletter,no,2024-06-01,Austragung über Link,x\n\n5,u5@x.de,Newsletter,no,2024-06-02,Grüße\n`,
      ),
    );
    await importAll(db, ws.config([crmSource(crm), consentSource(file, { csv: { encoding: 'latin-1' } })]));
    expect(await rejectTuples(db)).toEqual([
      ['consent', 2, null, 'malformed row'],
      ['consent', 4, null, 'malformed row'],
    ]);
    expect((await consentRecords(db)).map((row) => [row.consent_id, row.row_no, row.purpose, row.granted])).toEqual([
      ['1', '1', 'Sale of data', false],
      ['3', '3', 'Newsletter', true],
      ['5', '5', 'Newsletter', false],
    ]);
    expect(await profileRecords(db, 'record_id, first_name')).toEqual([
      { record_id: '1', first_name: 'Ute' },
      { record_id: '2', first_name: 'Jörg' },
    ]);
  });

  test('a latin-1 header is matched as text', async () => {
    const file = ws.write('crm.csv', latin1('contact_id;E-Mail-Adresse;Straße\nC1;anna@example.com;Hauptstraße 1\n'));
    const source = { name: 'crm', type: 'profiles', format: 'csv', path: file, primaryKey: 'contact_id', keys: { email: 'E-Mail-Adresse' }, attributes: { street: 'Straße' }, csv: { delimiter: ';', encoding: 'latin-1' } };
    await importAll(db, ws.config([source]));
    expect(await profileRecords(db, 'record_id, email, street')).toEqual([{ record_id: 'C1', email: 'anna@example.com', street: 'Hauptstraße 1' }]);
  });

  test('a Windows-1252 byte (0x80-0x9F: „ “ €) fails the source naming the row: never a wrong character', async () => {
    // Acceptance c03: "Zoë „Z“" written by Windows.
    const file = ws.write(
      'crm.csv',
      Buffer.concat([latin1(`contact_id;email;first_name\r\nC1;anna@example.com;Anna\r\nC2;zoe@example.com;"Zoë\r\n`), Buffer.from([0x84]), latin1('Z'), Buffer.from([0x93]), latin1('"\r\n')]),
    );
    const error = await importError(ws.config([crmSource(file, { keys: { email: 'email' }, attributes: { first_name: 'first_name' }, csv: { delimiter: ';', encoding: 'latin-1' } })]));
    expect(error.message).toBe(
      `source "crm" (${file}) row 2: the row holds byte 0x84, which is no latin-1 character: the file is probably Windows-1252 ` +
        '(€, „, “, ” and the like are 0x80-0x9F there), which the reader cannot decode; convert the file to UTF-8 (e.g. iconv -f windows-1252 -t utf-8) and drop csv.encoding',
    );
    const inHeader = ws.write('shop.csv', Buffer.concat([latin1('contact_id,email,phone,first_name,country,Preis '), Buffer.from([0x80]), latin1('\n1,a@example.org,,Ann,GB\n')]));
    expect((await importError(ws.config([crmSource(inHeader, { csv: { encoding: 'latin-1' } })]))).message).toContain(`source "crm" (${inHeader}): the header row holds byte 0x80, which is no latin-1 character`);
  });

  test('windows-1252 is refused by the config, saying what to do instead', () => {
    expect(() => ws.config([crmSource('crm.csv', { csv: { encoding: 'windows-1252' } })])).toThrow(ConfigError);
    expect(() => ws.config([crmSource('crm.csv', { csv: { encoding: 'cp1252' } })])).toThrow(
      'must be one of utf-8, latin-1, utf-16 (there is no windows-1252: use latin-1 when the file has no bytes 0x80-0x9F such as €, „ or “, else convert it to UTF-8)',
    );
  });
});

describe('csv.encoding: utf-16', () => {
  const text = `${HEADER}\r\n1,a@example.org,,Zoë,DE\r\n\r\n2,x,y,z,too,many\r\n3,"b@example.org",,"two\r\n\r\nlines €",GB\r\n4,c@example.org,,Cy,GB\r\n`;

  test('little-endian, with or without a byte order mark: text, rejects and row numbers as in UTF-8', async () => {
    for (const [name, content] of [
      ['bom.csv', Buffer.from(`\ufeff${text}`, 'utf16le')],
      ['nobom.csv', Buffer.from(text, 'utf16le')],
    ] as const) {
      const file = ws.write(name, content);
      await importAll(db, ws.config([crmSource(file, { csv: { encoding: 'utf-16' } })]));
      expect(await rejectTuples(db)).toEqual([['crm', 2, null, 'malformed row']]);
      expect(await profileRecords(db, 'record_id, row_no, first_name')).toEqual([
        { record_id: '1', row_no: '1', first_name: 'Zoë' },
        { record_id: '3', row_no: '3', first_name: 'two\r\n\r\nlines €' },
        { record_id: '4', row_no: '4', first_name: 'Cy' },
      ]);
    }
  });

  test('big-endian (by its byte order mark) fails the source: the reader decodes little-endian only', async () => {
    const bytes = Buffer.from(`\ufeff${text}`, 'utf16le');
    bytes.swap16();
    const file = ws.write('be.csv', bytes);
    expect((await importError(ws.config([crmSource(file, { csv: { encoding: 'utf-16' } })]))).message).toBe(
      `source "crm" (${file}): the file is UTF-16 big-endian (its byte order mark says so); the reader decodes UTF-16 little-endian only: convert the file to UTF-8`,
    );
  });

  test('mixed line endings are named by row, as in UTF-8', async () => {
    const file = ws.write('mixed.csv', Buffer.from(`\ufeff${HEADER}\r\n1,a@example.org,,Zoë,DE\r\n2,b@example.org,,Bo,GB\n3,c@example.org,,Cy,GB\r\n`, 'utf16le'));
    expect((await importError(ws.config([crmSource(file, { csv: { encoding: 'utf-16' } })]))).message).toContain(
      `source "crm" (${file}) row 2: line endings are mixed: the first line ends with CRLF (Windows), but row 2 ends with LF (Unix)`,
    );
  });
});
