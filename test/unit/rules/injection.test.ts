/**
 * Hostile rule text: every case must either fail with a RuleError or compile to SQL that contains none of
 * the user's text (values travel as bound parameters) and runs without harming the database.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows, withConnection } from '../../../core/db/connection.js';
import { RuleError } from '../../../core/errors.js';
import { compileRule, ruleFromConfig, type CompiledRule } from '../../../core/rules/index.js';
import { ctx, openRunDatabase } from './fixtures.js';

const PAYLOADS = [
  "x'; DROP TABLE t; --",
  'x""; DROP TABLE t; --',
  'x"; DROP TABLE t; --',
  "'); DELETE FROM customers; --",
  '/* comment */ 1=1',
  'a -- trailing comment',
  '1 OR 1=1',
  "' OR ''='",
  '$p1',
  '\\x27 \\\' ;',
  '‘smart’ “quotes” ＂fullwidth＂ ＇',
  'Ｄ\u0301E ＆ ｜ ！ ＝ ≠ ＜',
  'e\u200Bvil\uFEFF',
  'ch\u0000r',
  'NULL',
  '%_',
];

/** Quotes a payload for the text form (doubling the quote). */
const q = (value: string) => `"${value.replaceAll('"', '""')}"`;

const TEXT_CASES: string[] = PAYLOADS.flatMap((payload) => [
  `country = ${q(payload)}`,
  `country = ${payload}`,
  `country != ${q(payload)}`,
  `country in (${q(payload)}, DE)`,
  `first_name contains ${q(payload)}`,
  `first_name contains ${payload}`,
  `${payload} = DE`,
  `${q(payload)} = DE`,
  `Consent option = ${payload} & Consent value = True`,
  `Consent option = Newsletter & Consent value = ${payload}`,
  `country = DE & ${payload}`,
]);

const STRUCTURED_CASES: Record<string, unknown>[] = PAYLOADS.flatMap((payload) => [
  { attribute: 'country', op: '=', value: payload },
  { attribute: 'country', op: 'in', values: [payload, 'x'] },
  { attribute: 'first_name', op: 'contains', value: payload },
  { attribute: payload, op: '=', value: 'DE' },
  { attribute: payload, op: 'is empty' },
  { consent: payload },
  { and: [{ consent: 'Newsletter' }, { attribute: 'age', op: '<', value: { date: payload } }] },
]);

type Outcome = { kind: 'error' } | { kind: 'compiled'; compiled: CompiledRule };

function attempt(rule: string | Record<string, unknown>): Outcome {
  try {
    return { kind: 'compiled', compiled: compileRule(ruleFromConfig(rule, ctx), ctx) };
  } catch (error) {
    expect(error).toBeInstanceOf(RuleError);
    return { kind: 'error' };
  }
}

/** The SQL may only hold allow-listed identifiers, `$pN` placeholders and the literal ''. */
function expectNoUserText(sql: string, payload: string): void {
  const trimmed = payload.trim();
  if (trimmed.length > 3 && !/^\$p\d+$/.test(trimmed) && trimmed !== 'NULL') expect(sql).not.toContain(trimmed);
  for (const fragment of ['DROP', 'DELETE', '--', '/*', ';', '\u0000', '‘', '“', '＂', '1=1']) expect(sql).not.toContain(fragment);
  const identifiers = sql.match(/"[^"]*"/g) ?? [];
  for (const identifier of identifiers) expect(['"country"', '"first_name"', '"age"', '"signup_date"', '"vip"']).toContain(identifier);
  expect(sql.match(/'[^']*'/g) ?? []).toEqual((sql.match(/''/g) ?? []).map(() => "''"));
  expect(sql).toMatch(/^[\x20-\x7e]*$/);
}

let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await openRunDatabase();
});
afterAll(() => instance.closeSync());

async function runSafely(compiled: CompiledRule): Promise<void> {
  await withConnection(instance, async (connection) => {
    await queryRows(connection, { sql: `SELECT c.customer_id FROM customers c WHERE ${compiled.sql}`, params: compiled.params });
    expect(await queryNumber(connection, { sql: 'SELECT count(*) FROM customers' })).toBe(5);
    expect(await queryNumber(connection, { sql: "SELECT count(*) FROM information_schema.tables WHERE table_name = 't'" })).toBe(1);
  });
}

describe('injection corpus', () => {
  it.each(TEXT_CASES.map((text, index) => [index, text] as const))('text case %i: %j', async (_index, text) => {
    const outcome = attempt(text);
    if (outcome.kind === 'compiled') {
      for (const payload of PAYLOADS) if (text.includes(payload)) expectNoUserText(outcome.compiled.sql, payload);
      await runSafely(outcome.compiled);
    }
  });

  it.each(STRUCTURED_CASES.map((rule, index) => [index, rule] as const))('structured case %i: %j', async (_index, rule) => {
    const outcome = attempt(rule);
    if (outcome.kind === 'compiled') {
      for (const payload of PAYLOADS) if (JSON.stringify(rule).includes(JSON.stringify(payload).slice(1, -1))) expectNoUserText(outcome.compiled.sql, payload);
      await runSafely(outcome.compiled);
    }
  });

  it('binds hostile values as parameters, unchanged', () => {
    const compiled = compileRule(ruleFromConfig(`country = ${q("x'; DROP TABLE t; --")}`, ctx), ctx);
    expect(compiled.params).toEqual({ p1: "x'; DROP TABLE t; --" });
    expect(compiled.sql).toBe('COALESCE(lower(trim(c."country")) = lower($p1), FALSE)');
  });

  it('rejects every hostile attribute name and purpose', () => {
    for (const payload of PAYLOADS) {
      expect(attempt({ attribute: payload, op: 'is empty' }).kind).toBe('error');
      expect(attempt({ consent: payload }).kind).toBe('error');
    }
  });

  it('rejects NUL bytes anywhere', () => {
    expect(attempt('country = "a\u0000b"').kind).toBe('error');
    expect(attempt('country = a\u0000b').kind).toBe('error');
    expect(attempt({ attribute: 'country', op: '=', value: 'a\u0000b' }).kind).toBe('error');
    expect(attempt({ attribute: 'first_name', op: 'contains', value: '\u0000' }).kind).toBe('error');
  });

  it('refuses an unsafe parameter prefix', () => {
    expect(() => compileRule({ attribute: 'country', op: '=', value: 'x' }, ctx, { paramPrefix: 'p; DROP' })).toThrow('invalid parameter prefix');
  });
});

describe('the corpus is not vacuous', () => {
  it('compiles most value cases and rejects every name case', () => {
    const outcomes = TEXT_CASES.map((text) => [text, attempt(text).kind] as const);
    const compiled = outcomes.filter(([, kind]) => kind === 'compiled').length;
    expect(compiled).toBeGreaterThanOrEqual(PAYLOADS.length * 4);
  });
});
