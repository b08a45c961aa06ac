import { test, expect } from 'vitest';
import { workspace, memoryDb, importAll, rejectTuples } from './helpers.js';
test('big', async () => {
  const ws = workspace(); const db = await memoryDb();
  const lines = ['contact_id,email,note'];
  const bad = new Set<number>();
  for (let i = 1; i <= 300000; i++) {
    if (i % 9973 === 0) { lines.push(`${i},x,y,z`); bad.add(i); }
    else if (i % 7919 === 0) { lines.push(`${i},"multi\nline\nvalue",n`); }
    else if (i % 15013 === 0) { lines.push(`${i},short`); bad.add(i); }
    else lines.push(`${i},u${i}@x.com,note ${i}`);
  }
  const file = ws.write('big.csv', lines.join('\n') + '\n');
  const config = ws.config([{ name: 'crm', type: 'profiles', format: 'csv', path: file, primaryKey: 'contact_id', keys: { email: 'email' } }]);
  const t = Date.now();
  const res = await importAll(db, config);
  console.log(Date.now() - t, res);
  const mismatched = await db.rows(`select count(*) n from profile_records where CAST(record_id AS BIGINT) <> row_no`);
  console.log(mismatched);
  const rj = await rejectTuples(db);
  expect(rj.map((r) => r[1])).toEqual([...bad].sort((a, b) => a - b));
  db.close(); ws.cleanup();
});
