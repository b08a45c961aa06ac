/**
 * JSON lines, read row by row: nested values (objects, arrays) in a mapped column are `malformed row`
 * rejects naming the column — never a value turned into text.
 */
import { describe, expect, test } from 'vitest';
import { freshWorkspaceAndDbForEachTest, consentRecords, importAll, profileRecords, type Db, type Workspace } from './helpers.js';

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
