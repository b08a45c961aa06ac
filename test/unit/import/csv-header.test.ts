/** The CSV header parser (first record only) and mapped-column matching. */
import { describe, expect, test } from 'vitest';
import { parseFirstRecord } from '../../../core/import/csv-header.js';
import { matchColumn } from '../../../core/import/index.js';

const RFC = { delimiter: ',', quote: '"', escape: '"' };

describe('parseFirstRecord', () => {
  test('plain, quoted, doubled quotes, embedded line breaks and delimiters', () => {
    expect(parseFirstRecord('a,b,c\n1,2,3', RFC, true)).toEqual({ fields: ['a', 'b', 'c'], length: 5 });
    expect(parseFirstRecord('"a ""x""","b,c","d\r\ne"\r\n1', RFC, true)?.fields).toEqual(['a "x"', 'b,c', 'd\r\ne']);
    expect(parseFirstRecord(' a , b ', RFC, true)?.fields).toEqual([' a ', ' b ']);
    expect(parseFirstRecord('a,,', RFC, true)?.fields).toEqual(['a', '', '']);
  });

  test('multi-character delimiters, a separate escape, no quoting', () => {
    expect(parseFirstRecord('a||b||c\n', { delimiter: '||', quote: '"', escape: '"' }, true)?.fields).toEqual(['a', 'b', 'c']);
    expect(parseFirstRecord("'it\\'s';b\n", { delimiter: ';', quote: "'", escape: '\\' }, true)?.fields).toEqual(["it's", 'b']);
    expect(parseFirstRecord('"a",b\n', { delimiter: ',', quote: '', escape: '' }, true)?.fields).toEqual(['"a"', 'b']);
  });

  test('an incomplete record asks for more text', () => {
    expect(parseFirstRecord('a,"b\nc', RFC, false)).toBeUndefined();
    expect(parseFirstRecord('a,b', RFC, false)).toBeUndefined();
    expect(parseFirstRecord('a,"b"', RFC, false)).toBeUndefined();
    expect(parseFirstRecord('a,"b', RFC, true)).toBeUndefined();
    expect(parseFirstRecord('a,b', RFC, true)?.fields).toEqual(['a', 'b']);
  });
});

describe('matchColumn', () => {
  test('exact first, then case-insensitive after trimming; ambiguity is reported', () => {
    expect(matchColumn('email', ['id', 'email', 'Email'])).toEqual({ kind: 'found', index: 1 });
    expect(matchColumn('Email', ['id', ' EMAIL '])).toEqual({ kind: 'found', index: 1 });
    expect(matchColumn('email', ['id', ' EMAIL ', 'Email'])).toEqual({ kind: 'ambiguous', count: 2 });
    expect(matchColumn('email', ['email', 'email'])).toEqual({ kind: 'ambiguous', count: 2 });
    expect(matchColumn('phone', ['id', 'email'])).toEqual({ kind: 'missing' });
  });
});
