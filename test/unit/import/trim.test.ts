/**
 * Edge-whitespace trimming in SQL (trimSql: a plain-ASCII fast path, else the regular expression) against
 * the JavaScript mirror used for configured values, on strings built to start and end with every kind of
 * character: ASCII whitespace and controls, DEL, Unicode spaces, zero-width characters, letters, emoji.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../core/db/connection.js';
import { trimSql } from '../../../core/sql/normalise.js';
import { memoryDb, type Db } from './helpers.js';

/** The JavaScript mirror's edge set (normalise.ts EDGE_WHITESPACE_JS), as the mirror trims. */
const trimJs = (value: string) => value.replace(/^[\s\u00a0\ufeff\u200b-\u200d\u2060]+|[\s\u00a0\ufeff\u200b-\u200d\u2060]+$/g, '');

const EDGE_CHARACTERS = [' ', '\t', '\n', '\r', '\u000b', '\u000c', '\u0001', '\u007f', '\u0080', '\u00a0', '\u1680', '\u2003', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '!', '~', 'a', 'é', '😀', '@'];
const edge = fc.constantFrom(...EDGE_CHARACTERS);
const value = fc.tuple(fc.array(edge, { maxLength: 3 }), fc.string({ maxLength: 6 }), fc.array(edge, { maxLength: 3 })).map(([head, middle, tail]) => `${head.join('')}${middle}${tail.join('')}`);

describe('trimSql', () => {
  let db: Db;
  beforeAll(async () => {
    db = await memoryDb();
  });
  afterAll(() => db.close());

  it('agrees with the JavaScript mirror on values starting and ending with any kind of character', async () => {
    const values = fc.sample(value, { numRuns: 3000, seed: 20261202 });
    values.push('', ' ', 'a', ' a', 'a ', '\u3000a', 'a\u3000', '\u007fa\u007f', 'a\t', '\ta', 'é', ' é ', '😀', 'a b');
    await db.connection.run('CREATE TEMP TABLE samples (i INTEGER, v VARCHAR)');
    const appender = await db.connection.createAppender('samples', 'main', 'temp');
    values.forEach((sample, index) => {
      appender.appendInteger(index);
      appender.appendVarchar(sample);
      appender.endRow();
    });
    appender.closeSync();
    const rows = await queryRows<{ i: number; t: string }>(db.connection, { sql: `SELECT i, ${trimSql('v')} AS t FROM samples ORDER BY i` });
    const mismatches = rows.filter((row) => row.t !== trimJs(values[row.i]!)).map((row) => JSON.stringify(values[row.i]));
    expect(mismatches).toEqual([]);
    expect(rows).toHaveLength(values.length);
  });

  it('keeps NULL as NULL', async () => {
    const [row] = await queryRows<{ t: string | null }>(db.connection, { sql: `SELECT ${trimSql('CAST(NULL AS VARCHAR)')} AS t` });
    expect(row?.t).toBeNull();
  });
});
