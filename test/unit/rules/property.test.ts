/**
 * Properties over random rules: every valid AST compiles, runs on DuckDB without error, keeps user text
 * out of the SQL, and survives a trip through the text form.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, withConnection } from '../../../core/db/connection.js';
import { COMPARE_OPS, compileRule, parseRule, type Literal, type RuleAst } from '../../../core/rules/index.js';
import { ctx, openRunDatabase } from './fixtures.js';

const anyCase = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((flags) =>
    [...name].map((ch, index) => (flags[index] ? ch.toUpperCase() : ch.toLowerCase())).join(''),
  );
const attribute = fc.constantFrom(...ctx.attributes, 'customer_id', 'email', 'phone').chain(anyCase);
const purpose = fc.constantFrom(...ctx.purposes).chain(anyCase);
const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((value) => !value.includes('\u0000'));
const number = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }).map((value) => (Object.is(value, -0) ? 0 : value));
const date = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
  .map((value) => ({ date: value.toISOString().slice(0, 10) }));
const literal: fc.Arbitrary<Literal> = fc.oneof(text, number, fc.boolean(), date);

const condition: fc.Arbitrary<RuleAst> = fc.oneof(
  fc.record({ consent: purpose, granted: fc.boolean() }),
  fc.record({ attribute, op: fc.constantFrom('=', '!='), value: literal }),
  fc.record({ attribute, op: fc.constantFrom(...COMPARE_OPS), value: fc.oneof(number, date) }),
  fc.record({ attribute, op: fc.constantFrom('in', 'not in'), values: fc.array(literal, { minLength: 1, maxLength: 4 }) }),
  fc.record({ attribute, op: fc.constant('contains'), value: text.filter((value) => value !== '') }),
  fc.record({ attribute, op: fc.constantFrom('is empty', 'is not empty') }),
) as fc.Arbitrary<RuleAst>;

const { rule } = fc.letrec<{ rule: RuleAst }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    condition,
    fc.record({ and: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('rule') }),
  ) as fc.Arbitrary<RuleAst>,
}));

/** Prints an AST in the text form (values quoted, every group parenthesised). */
function print(node: RuleAst): string {
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  const value = (literal: Literal): string =>
    typeof literal === 'string' ? quote(literal) : typeof literal === 'object' ? literal.date : String(literal);
  if ('and' in node) return `(${node.and.map(print).join(' & ')})`;
  if ('or' in node) return `(${node.or.map(print).join(' | ')})`;
  if ('not' in node) return `!${print(node.not)}`;
  if ('consent' in node) return `(Consent option = ${quote(node.consent)} & Consent value = ${node.granted ? 'True' : 'False'})`;
  switch (node.op) {
    case 'in':
    case 'not in':
      return `${node.attribute} ${node.op} (${node.values.map(value).join(', ')})`;
    case 'contains':
      return `${node.attribute} contains ${quote(node.value)}`;
    case 'is empty':
    case 'is not empty':
      return `${node.attribute} ${node.op}`;
    default:
      return `${node.attribute} ${node.op} ${value(node.value)}`;
  }
}

/** What parsing the printed form gives back: canonical names, one-item groups unwrapped. */
function canonical(node: RuleAst): RuleAst {
  const name = (value: string, names: readonly string[]) => names.find((known) => known.toLowerCase() === value.toLowerCase()) ?? value;
  if ('and' in node) return node.and.length === 1 ? canonical(node.and[0] as RuleAst) : { and: node.and.map(canonical) };
  if ('or' in node) return node.or.length === 1 ? canonical(node.or[0] as RuleAst) : { or: node.or.map(canonical) };
  if ('not' in node) return { not: canonical(node.not) };
  if ('consent' in node) return { consent: name(node.consent, ctx.purposes), granted: node.granted };
  return { ...node, attribute: name(node.attribute, [...ctx.attributes, 'customer_id', 'email', 'phone']) };
}

let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await openRunDatabase();
});
afterAll(() => instance.closeSync());

describe('random rules', () => {
  it('compile and execute without error, with no user text in the SQL', async () => {
    await withConnection(instance, async (connection) => {
      await fc.assert(
        fc.asyncProperty(rule, async (ast) => {
          const { sql, params } = compileRule(ast, ctx);
          expect(sql).toMatch(/^[\x20-\x7e]*$/);
          expect(sql.match(/'[^']*'/g) ?? []).toEqual((sql.match(/''/g) ?? []).map(() => "''"));
          expect(Object.keys(params)).toEqual(Object.keys(params).map((_, index) => `p${index + 1}`));
          const rows = await queryRows<{ customer_id: string }>(connection, { sql: `SELECT c.customer_id FROM customers c WHERE ${sql}`, params });
          expect(rows.length).toBeLessThanOrEqual(5);
        }),
        { numRuns: 300 },
      );
    });
  });

  it('survive a trip through the text form', () => {
    fc.assert(
      fc.property(rule, (ast) => {
        expect(parseRule(print(ast), ctx)).toEqual(canonical(ast));
      }),
      { numRuns: 500 },
    );
  });

  it('follow two-valued logic: a rule and its negation split the customers', async () => {
    await withConnection(instance, async (connection) => {
      await fc.assert(
        fc.asyncProperty(rule, async (ast) => {
          const count = async (node: RuleAst) => {
            const { sql, params } = compileRule(node, ctx);
            return (await queryRows(connection, { sql: `SELECT c.customer_id FROM customers c WHERE ${sql}`, params })).length;
          };
          expect((await count(ast)) + (await count({ not: ast }))).toBe(5);
        }),
        { numRuns: 150 },
      );
    });
  });
});
