/**
 * JSON lines, where every line names its own keys: a mapped column is read row by row from the exact key
 * when the row has it, else from a key equal to it case-insensitively after trimming; differently spelled
 * keys that disagree, and nested values (objects, arrays) in a mapped column, are `malformed row` rejects
 * naming the column — never a value chosen, dropped or turned into text.
 */
import { describe, expect, test } from 'vitest';
import { freshWorkspaceAndDbForEachTest, consentRecords, importAll, profileRecords, rejectTuples, type Db, type Workspace } from './helpers.js';

let ws: Workspace;
let db: Db;
freshWorkspaceAndDbForEachTest((freshWs, freshDb) => {
  ws = freshWs;
  db = freshDb;
});

const lines = (...objects: (string | object)[]) => objects.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n') + '\n';

const profiles = (file: string) => ({
  name: 'crm',
  type: 'profiles',
  format: 'jsonl',
  path: file,
  primaryKey: 'id',
  keys: { email: 'email' },
  attributes: { first_name: 'first_name' },
});
const consent = (file: string) => ({ name: 'events', type: 'consent', format: 'jsonl', path: file, primaryKey: 'cid', keys: { email: 'email' }, option: 'opt', value: 'val', date: 'dt' });

async function rejectRows(source: string) {
  return db.rows<{ row_no: string; column_name: string | null; reason: string; detail: string }>(
    `SELECT row_no, column_name, reason, detail FROM rejects WHERE source = '${source}' ORDER BY row_no`,
  );
}

describe('keys spelled differently from line to line', () => {
  test('each row takes its own spelling of a mapped key: no profile loses its email, no consent becomes an orphan', async () => {
    const crm = ws.write(
      'crm.jsonl',
      lines(
        { ID: 'K1', Email: 'k1@x.de', First_Name: 'K1' },
        { ID: 'K2', EMAIL: 'k2@x.de', ' first_name ': 'K2' },
        { id: 'K3', email: 'k3@x.de', first_name: 'K3' },
        { id: 'J9', Email: 'j9@x.de', first_name: 'J9' },
      ),
    );
    const events = ws.write(
      'events.jsonl',
      lines(
        { cid: 1, email: 'k1@x.de', opt: 'Newsletter', val: 'yes', dt: '2024-05-01' },
        { cid: 2, EMAIL: 'k2@x.de', opt: 'Sale of data', val: 'no', dt: '2024-05-01' },
        { CID: 3, Email: 'j9@x.de', OPT: 'Sale of data', Val: 'no', DT: '2024-05-01' },
      ),
    );
    await importAll(db, ws.config([profiles(crm), consent(events)]));
    expect(await profileRecords(db, 'record_id, row_no, email, first_name')).toEqual([
      { record_id: 'K1', row_no: '1', email: 'k1@x.de', first_name: 'K1' },
      { record_id: 'K2', row_no: '2', email: 'k2@x.de', first_name: 'K2' },
      { record_id: 'K3', row_no: '3', email: 'k3@x.de', first_name: 'K3' },
      { record_id: 'J9', row_no: '4', email: 'j9@x.de', first_name: 'J9' },
    ]);
    expect((await consentRecords(db)).map((row) => [row['consent_id'], row['key_value'], row['purpose'], row['granted']])).toEqual([
      ['1', 'k1@x.de', 'Newsletter', true],
      ['2', 'k2@x.de', 'Sale of data', false],
      ['3', 'j9@x.de', 'Sale of data', false],
    ]);
    expect(await rejectTuples(db)).toEqual([]);
  });

  test('spellings of a key count together: one non-null value is the value, two different ones reject the row', async () => {
    const crm = ws.write(
      'crm.jsonl',
      lines(
        { id: 'a', email: 'exact@x.de', Email: 'other@x.de' }, // two addresses, the exact key's included: neither
        { id: 'b', email: null, Email: 'other@x.de' }, // a null is no value, also under the exact key
        { id: 'c', Email: 'same@x.de', EMAIL: 'same@x.de' }, // two spellings, one value
        { id: 'd', Email: null, EMAIL: 'd@x.de' }, // a null is no value
        { id: 'e', Email: 'e1@x.de', EMAIL: 'e2@x.de' }, // two spellings, two values: which one? neither
        '{"id": "f", "Email": "f1@x.de", "Email": "f2@x.de"}', // one spelling twice
        { id: 'g', Email: '1', EMAIL: 1 }, // a string and a number are different JSON values
      ),
    );
    await importAll(db, ws.config([{ ...profiles(crm), attributes: {} }]));
    expect(await profileRecords(db, 'record_id, email')).toEqual([
      { record_id: 'b', email: 'other@x.de' },
      { record_id: 'c', email: 'same@x.de' },
      { record_id: 'd', email: 'd@x.de' },
    ]);
    expect(await rejectRows('crm')).toEqual([
      { row_no: '1', column_name: 'email', reason: 'malformed row', detail: 'several keys match this column when case and surrounding spaces are ignored, with different values' },
      { row_no: '5', column_name: 'email', reason: 'malformed row', detail: 'several keys match this column when case and surrounding spaces are ignored, with different values' },
      { row_no: '6', column_name: 'email', reason: 'malformed row', detail: 'the key appears more than once in the object' },
      { row_no: '7', column_name: 'email', reason: 'malformed row', detail: 'several keys match this column when case and surrounding spaces are ignored, with different values' },
    ]);
  });

  test('the exact key twice in one object is still a reject, and a key in no spelling still fails the source', async () => {
    const crm = ws.write('crm.jsonl', lines({ id: 'a', email: 'a@x.de' }, '{"id": "b", "email": "b1@x.de", "email": "b2@x.de"}', { id: 'c', EMAIL: 'c@x.de' }));
    await importAll(db, ws.config([{ ...profiles(crm), attributes: {} }]));
    expect(await profileRecords(db, 'record_id, email')).toEqual([
      { record_id: 'a', email: 'a@x.de' },
      { record_id: 'c', email: 'c@x.de' },
    ]);
    expect(await rejectRows('crm')).toEqual([{ row_no: '2', column_name: 'email', reason: 'malformed row', detail: 'the key appears more than once in the object' }]);

    const noName = ws.write('no-name.jsonl', lines({ id: 'a', email: 'a@x.de' }, { ID: 'b', Email: 'b@x.de' }));
    const error = await importAll(db, ws.config([profiles(noName)])).catch((caught: unknown) => caught);
    expect(String(error)).toContain(`source "crm" (${noName}) column "first_name": mapped column not found (the file has 4 columns); mapped by sources[0].attributes.first_name`);
  });
});

describe('nested values in a mapped column', () => {
  test('an object or an array is a malformed row naming the column; a string that looks like JSON is a plain value', async () => {
    const crm = ws.write(
      'crm.jsonl',
      lines(
        { id: 'J1', email: 'j1@x.de', first_name: 'J1', extra: { nested: true } }, // unmapped: not looked at
        { id: 'J5', email: { addr: 'j5@x.de' }, first_name: 'J5' },
        { id: 'J6', email: 'j6@x.de', first_name: ['J', '6'] },
        { id: { v: 'J7' }, email: 'j7@x.de', first_name: 'J7' },
        { id: 'J8', email: '{"addr":"j8@x.de"}', first_name: '{x}' }, // strings: kept as written
        { id: 'J9', Email: { addr: 'j9@x.de' }, first_name: 'J9' }, // under another spelling too
        { id: 'J10', email: null, first_name: 'J10' },
      ),
    );
    await importAll(db, ws.config([profiles(crm)]));
    expect(await profileRecords(db, 'record_id, email, first_name')).toEqual([
      { record_id: 'J1', email: 'j1@x.de', first_name: 'J1' },
      { record_id: 'J8', email: '{"addr":"j8@x.de"}', first_name: '{x}' },
      { record_id: 'J10', email: null, first_name: 'J10' },
    ]);
    expect(await rejectRows('crm')).toEqual([
      { row_no: '2', column_name: 'email', reason: 'malformed row', detail: 'holds a JSON object, not a plain value' },
      { row_no: '3', column_name: 'first_name', reason: 'malformed row', detail: 'holds a JSON array, not a plain value' },
      { row_no: '4', column_name: 'id', reason: 'malformed row', detail: 'holds a JSON object, not a plain value' },
      { row_no: '6', column_name: 'email', reason: 'malformed row', detail: 'holds a JSON object, not a plain value' },
    ]);
  });

  test('a consent row with a nested key or value is rejected, never consent hanging on a garbage key', async () => {
    const crm = ws.write('crm.jsonl', lines({ id: 'P1', email: 'p1@x.de', first_name: 'P1' }));
    const events = ws.write(
      'events.jsonl',
      lines(
        { cid: 1, email: 'p1@x.de', opt: 'Newsletter', val: 'yes', dt: '2024-05-01' },
        { cid: 2, email: { addr: 'p1@x.de' }, opt: 'Newsletter', val: 'no', dt: '2024-06-01' },
        { cid: 3, email: 'p1@x.de', opt: 'Newsletter', val: { v: false }, dt: '2024-06-01' },
        { cid: 4, email: 'p1@x.de', opt: ['Newsletter'], val: 'no', dt: '2024-06-01' },
      ),
    );
    await importAll(db, ws.config([profiles(crm), consent(events)]));
    expect((await consentRecords(db)).map((row) => [row['consent_id'], row['key_value'], row['granted']])).toEqual([['1', 'p1@x.de', true]]);
    expect(await rejectRows('events')).toEqual([
      { row_no: '2', column_name: 'email', reason: 'malformed row', detail: 'holds a JSON object, not a plain value' },
      { row_no: '3', column_name: 'val', reason: 'malformed row', detail: 'holds a JSON object, not a plain value' },
      { row_no: '4', column_name: 'opt', reason: 'malformed row', detail: 'holds a JSON array, not a plain value' },
    ]);
  });
});
