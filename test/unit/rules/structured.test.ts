import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { RuleError } from '../../../core/errors.js';
import { compileRule, parseRule, ruleAstSchema, ruleFromConfig, RulePathError } from '../../../core/rules/index.js';
import { ctx } from './fixtures.js';

function pathError(rule: Record<string, unknown>): { path: string; message: string } {
  try {
    ruleFromConfig(rule, ctx);
  } catch (error) {
    if (error instanceof RulePathError) {
      expect(error).toBeInstanceOf(RuleError);
      expect(error.name).toBe('RuleError');
      return { path: error.path, message: error.message };
    }
    throw error;
  }
  throw new Error('expected a RulePathError');
}

describe('structured rule form', () => {
  it('is equivalent to the text form', () => {
    const yaml = parseYaml(`
and:
  - consent: newsletter
  - { consent: " Sale of data ", granted: false }
  - or:
      - { attribute: Country, op: in, values: [DE, AT, 7] }
      - not: { attribute: age, op: "<", value: 18 }
  - { attribute: signup_date, op: ">=", value: { date: "2024-01-01" } }
  - { attribute: first_name, op: Is  Not Empty }
  - { attribute: first_name, op: contains, value: van }
`) as Record<string, unknown>;
    const text =
      'Consent option = Newsletter & Consent value = True & Consent option = sale of data & Consent value = no' +
      ' & (country in (DE, AT, 7) | !age < 18) & signup_date >= 2024-01-01 & first_name is not empty & first_name contains van';
    expect(ruleFromConfig(yaml, ctx)).toEqual(parseRule(text, ctx));
    expect(ruleFromConfig(text, ctx)).toEqual(parseRule(text, ctx));
  });

  it('round-trips a parsed rule through JSON', () => {
    const ast = parseRule('(country = DE | vip = true) & !signup_date < 2020-01-01 & Consent option = Newsletter & Consent value = yes', ctx);
    expect(ruleFromConfig(JSON.parse(JSON.stringify(ast)) as Record<string, unknown>, ctx)).toEqual(ast);
    expect(ruleAstSchema.parse(ast)).toEqual(ast);
  });

  it.each([
    [{ foo: 1 }, 'rule', 'a rule node needs one of the keys and, or, not, consent or attribute'],
    [{ and: [] }, 'rule.and', 'must list at least one rule'],
    [{ and: [{ consent: 'Newsletter' }, { or: [{ attribute: 'country', op: '=', value: {} }] }] }, 'rule.and[1].or[0].value', 'must be a text'],
    [{ not: { attribute: 'contry', op: '=', value: 'x' } }, 'rule.not.attribute', 'unknown attribute "contry"'],
    [{ or: [{ consent: 'Newslettr' }] }, 'rule.or[0].consent', 'purpose "Newslettr" is not declared'],
    [{ and: [{ consent: 'Newsletter', granted: 'yes' }] }, 'rule.and[0].granted', ''],
    [{ and: [{ consent: 'Newsletter', extra: 1 }] }, 'rule.and[0]', 'Unrecognized key'],
    [{ attribute: 'country', op: 'like', value: 'x' }, 'rule.op', 'must be one of =, !=, <, <=, >, >=, in, not in, contains, is empty, is not empty'],
    [{ attribute: 'country', op: 'in', values: [] }, 'rule.values', 'must list at least one value'],
    [{ attribute: 'country', op: 'in', values: ['a', { date: '2023-02-29' }] }, 'rule.values[1].date', 'must be a real date'],
    [{ attribute: 'country', op: 'in', value: 'a' }, 'rule.values', 'expected array'],
    [{ attribute: 'age', op: '<', value: 'abc' }, 'rule.value', '"<" compares numbers or dates'],
    [{ attribute: 'vip', op: '>', value: true }, 'rule.value', '">" cannot compare true/false'],
    [{ attribute: 'first_name', op: 'contains', value: '' }, 'rule.value', 'must not be empty'],
    [{ attribute: 'first_name', op: '=', value: 'a\u0000b' }, 'rule.value', ''],
    [{ attribute: 'age', op: '=', value: Number.POSITIVE_INFINITY }, 'rule.value', ''],
    [{ attribute: 'x"; DROP TABLE t; --', op: 'is empty' }, 'rule.attribute', 'unknown attribute'],
  ])('%j fails at its path', (rule, path, message) => {
    const error = pathError(rule);
    expect(error.path).toBe(path);
    expect(error.message).toContain(`segment "test-segment", rule at ${path}: `);
    expect(error.message).toContain(message);
  });

  it('checks hand-built ASTs again when compiling', () => {
    expect(() => compileRule({ attribute: 'contry', op: 'is empty' }, ctx)).toThrow(RulePathError);
    expect(() => compileRule({ consent: 'Nope', granted: true }, ctx)).toThrow('rule at rule.consent: purpose "Nope" is not declared');
  });
});
