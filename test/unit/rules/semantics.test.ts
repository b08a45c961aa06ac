/**
 * Compiled rules against a real in-memory DuckDB. Customers (see fixtures.ts):
 *   c1 DE  "Anna van Berg" 34       2024-03-01           vip true   Newsletter ✓ Product updates ✗ Sale of data ✓
 *   c2 de  "Bob"           17       2023-12-31 08:00:00  vip false  Newsletter ✗ Product updates ✓ Sale of data ✓
 *   c3 —   "   "           unknown  —                    —          Newsletter ✓ Product updates ✓ Sale of data ✗
 *   c4 AT  "O'Brien"       18.0     not a date           vip yes    Newsletter ✗ Product updates ✗ Sale of data ✗
 *   c5 FR  "100%_sure"     65       2025-01-01           vip 1      Newsletter ✗ Product updates ✓ Sale of data ✓
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, withConnection } from '../../../core/db/connection.js';
import { compileRule, parseRule, ruleFromConfig } from '../../../core/rules/index.js';
import { ctx, members, openRunDatabase } from './fixtures.js';

let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await openRunDatabase();
});
afterAll(() => instance.closeSync());

const cases: [string, string[]][] = [
  // consent
  ['Consent option = Newsletter & Consent value = True', ['c1', 'c3']],
  ['Consent option=Newsletter & Consent value=True', ['c1', 'c3']],
  ['Consent value = False & Consent option = newsletter', ['c2', 'c4', 'c5']],
  ['Consent option = Newsletter & Consent value != True', ['c2', 'c4', 'c5']],
  ['!(Consent option = Newsletter & Consent value = True)', ['c2', 'c4', 'c5']],
  ['Consent option = Product updates & Consent value = yes & Consent option = Sale of data & Consent value = granted', ['c2', 'c5']],
  ['Consent option = Product updates & Consent value = True | Consent option = Newsletter & Consent value = True', ['c1', 'c2', 'c3', 'c5']],
  ['Consent option = Newsletter & Consent value = True & country = DE', ['c1']],
  // text equality: case-insensitive, trimmed; != and not include empty attributes
  ['country = DE', ['c1', 'c2']],
  ['country = "  de  "', ['c1', 'c2']],
  ['country != DE', ['c3', 'c4', 'c5']],
  ['not country = de', ['c3', 'c4', 'c5']],
  ['country in (de, at)', ['c1', 'c2', 'c4']],
  ['country not in (de, at)', ['c3', 'c5']],
  ["first_name = 'o''brien'", ['c4']],
  ["first_name = O'Brien", ['c4']],
  ['first_name = anna VAN berg', ['c1']],
  // contains: plain substring, no wildcards
  ['first_name contains VAN', ['c1']],
  ['first_name contains %', ['c5']],
  ['first_name contains _', ['c5']],
  ['first_name contains "%_s"', ['c5']],
  [`first_name contains "'"`, ['c4']],
  ['not first_name contains o', ['c1', 'c3', 'c5']],
  ['first_name contains " "', ['c1', 'c3']],
  // numbers
  ['age >= 18', ['c1', 'c4', 'c5']],
  ['age > 18', ['c1', 'c5']],
  ['age < 18', ['c2']],
  ['age <= 17', ['c2']],
  ['age = 18', ['c4']],
  ['age != 18', ['c1', 'c2', 'c3', 'c5']],
  ['not age >= 18', ['c2', 'c3']],
  ['age in (17, 65)', ['c2', 'c5']],
  ["age = '18'", []],
  // dates (a timestamp text counts as its date; unparseable never matches)
  ['signup_date >= 2024-01-01', ['c1', 'c5']],
  ['signup_date < 2024-01-01', ['c2']],
  ['signup_date = 2023-12-31', ['c2']],
  ['signup_date in (2024-03-01, 2025-01-01)', ['c1', 'c5']],
  ['not signup_date >= 2024-01-01', ['c2', 'c3', 'c4']],
  // booleans
  ['vip = true', ['c1', 'c4', 'c5']],
  ['vip = false', ['c2']],
  ['vip != true', ['c2', 'c3']],
  // emptiness
  ['first_name is empty', ['c3']],
  ['country is empty', ['c3']],
  ['country is not empty', ['c1', 'c2', 'c4', 'c5']],
  ['email is empty | phone is empty', ['c3', 'c4']],
  // built-ins
  ['email = A@X.COM', ['c1']],
  ['customer_id in (c1, c3, nobody)', ['c1', 'c3']],
  ['phone = "491705"', ['c5']],
  // precedence and parentheses
  ['country = DE | country = AT & age > 20', ['c1', 'c2']],
  ['(country = DE | country = AT) & age > 20', ['c1']],
  ['!country = DE & age > 20', ['c5']],
  ['!(country = DE & age > 20)', ['c2', 'c3', 'c4', 'c5']],
  ['(country = DE) and not (vip = true) or country = FR', ['c2', 'c5']],
  ['country = "DE" AND NOT (vip = true) OR country = FR', ['c2', 'c5']],
];

describe('compiled rules select exactly the expected customers', () => {
  it.each(cases)('%s', async (rule, expected) => {
    expect(await members(instance, rule)).toEqual(expected);
  });

  it('gives the same members for the structured form', async () => {
    const structured = {
      and: [{ consent: 'newsletter' }, { or: [{ attribute: 'country', op: '=', value: 'de' }, { attribute: 'first_name', op: 'is empty' }] }],
    };
    const text = 'Consent option = Newsletter & Consent value = True & (country = DE | first_name is empty)';
    expect(await members(instance, ruleFromConfig(structured, ctx))).toEqual(['c1', 'c3']);
    expect(await members(instance, text)).toEqual(['c1', 'c3']);
  });

  it('combines several rules in one statement with parameter prefixes', async () => {
    const a = compileRule(parseRule('Consent option = Newsletter & Consent value = True', ctx), ctx, { paramPrefix: 'a' });
    const b = compileRule(parseRule('country in (DE, FR)', ctx), ctx, { paramPrefix: 'b' });
    expect(Object.keys(a.params)).toEqual(['a1', 'a2']);
    expect(Object.keys(b.params)).toEqual(['b1', 'b2']);
    const rows = await withConnection(instance, (connection) =>
      queryRows<{ customer_id: string }>(connection, {
        sql: `SELECT c.customer_id FROM customers c WHERE ${a.sql} AND ${b.sql} ORDER BY 1`,
        params: { ...a.params, ...b.params },
      }),
    );
    expect(rows.map((row) => row.customer_id)).toEqual(['c1']);
  });

  it('compiles the seed rule to the documented SQL', () => {
    const compiled = compileRule(parseRule('Consent option = Newsletter & Consent value = True', ctx), ctx);
    expect(compiled).toEqual({
      sql: 'EXISTS (SELECT 1 FROM effective_consent ec WHERE ec.customer_id = c.customer_id AND ec.purpose = $p1 AND ec.granted = $p2)',
      params: { p1: 'Newsletter', p2: true },
    });
    expect(Object.isFrozen(compiled)).toBe(true);
    expect(Object.isFrozen(compiled.params)).toBe(true);
  });
});
