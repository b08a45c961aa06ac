import { describe, expect, it } from 'vitest';
import { parseDocument, parse as parseYaml } from 'yaml';
import { parseConfigText } from '../../../core/config/load.js';
import { RuleError } from '../../../core/errors.js';
import { compileRule, parseRule, ruleAstSchema, ruleFromConfig, RulePathError } from '../../../core/rules/index.js';
import { compileSegment } from '../../../core/segments/build-segment.js';
import { ctx } from './fixtures.js';

const compiledText = (text: string) => compileRule(parseRule(text, ctx), ctx);
const compiledStructured = (rule: Record<string, unknown>) => compileRule(ruleFromConfig(rule, ctx), ctx);
/** A segment rule as the config loader reads it (same parseDocument options as core/config/load.ts). */
const yamlRule = (source: string) =>
  (parseDocument(source, { prettyErrors: true, uniqueKeys: true }).toJS() as { rule: Record<string, unknown> }).rule;

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

  it.each([
    [{ attribute: 'signup_date', op: '<', value: '2024-06-01' }, 'signup_date < 2024-06-01'],
    [{ attribute: 'signup_date', op: '>=', value: ' 2024-02-29 ' }, 'signup_date >= 2024-02-29'],
    [{ attribute: 'age', op: '<', value: '30' }, 'age < 30'],
    [{ attribute: 'age', op: '<=', value: '-2.5' }, 'age <= -2.5'],
    [{ attribute: 'age', op: '>', value: '1e3' }, 'age > 1e3'],
    [{ attribute: 'age', op: '>=', value: 30 }, 'age >= 30'],
    [{ attribute: 'signup_date', op: '>', value: { date: '2024-06-01' } }, 'signup_date > 2024-06-01'],
    [{ attribute: 'signup_date', op: '<', value: new Date('2024-06-01T00:00:00Z') }, 'signup_date < 2024-06-01'],
    [{ attribute: 'signup_date', op: '=', value: new Date('2024-06-01T00:00:00Z') }, 'signup_date = 2024-06-01'],
    [{ attribute: 'signup_date', op: 'in', values: [new Date('2024-06-01T00:00:00Z'), 'x'] }, 'signup_date in (2024-06-01, x)'],
    // = and in keep a text as text, like a quoted value in the text form
    [{ attribute: 'age', op: '=', value: '30' }, "age = '30'"],
    [{ attribute: 'signup_date', op: 'in', values: ['2024-06-01'] }, 'signup_date in ("2024-06-01")'],
    [{ and: [{ consent: 'Newsletter' }, { not: { attribute: 'age', op: '<', value: '18' } }] }, 'Consent option = Newsletter & Consent value = True & !age < 18'],
  ])('compiles %j to the same SQL and parameters as %j', (structured, text) => {
    expect(compiledStructured(structured)).toEqual(compiledText(text));
  });

  it('compares dates and numbers written as text with < <= > >=', () => {
    expect(compiledStructured({ attribute: 'signup_date', op: '<', value: '2024-06-01' })).toEqual({
      sql: 'COALESCE(TRY_CAST(trim(c."signup_date") AS DATE) < CAST($p1 AS DATE), FALSE)',
      params: { p1: '2024-06-01' },
    });
    expect(compiledStructured({ attribute: 'age', op: '>=', value: '30' })).toEqual({
      sql: 'COALESCE(TRY_CAST(trim(c."age") AS DOUBLE) >= CAST($p1 AS DOUBLE), FALSE)',
      params: { p1: 30 },
    });
    expect(ruleFromConfig({ attribute: 'age', op: '<', value: '30' }, ctx)).toEqual(parseRule('age < 30', ctx));
    expect(ruleFromConfig({ attribute: 'signup_date', op: '<=', value: '2024-06-01' }, ctx)).toEqual(parseRule('signup_date <= 2024-06-01', ctx));
  });

  it('reads a YAML date the same, quoted, unquoted or under %YAML 1.1 (a Date object)', () => {
    const expected = compiledText('signup_date < 2024-06-01');
    const rules = [
      'rule: { attribute: signup_date, op: "<", value: 2024-06-01 }',
      'rule: { attribute: signup_date, op: "<", value: "2024-06-01" }',
      '%YAML 1.1\n---\nrule: { attribute: signup_date, op: "<", value: 2024-06-01 }',
    ].map(yamlRule);
    expect(rules[2]?.['value']).toBeInstanceOf(Date);
    for (const rule of rules) expect(compiledStructured(rule)).toEqual(expected);
  });

  it('compiles a YAML config segment with a date or a number as text like the text form', () => {
    const config = (directive: string, rule: string) => `${directive}
purposes: { Newsletter: { regime: opt-in } }
sources:
  - { name: crm, type: profiles, format: csv, path: ./crm.csv, primaryKey: id, keys: { email: email }, attributes: { signup_date: signup, age: age } }
segments:
  - { name: structured, rule: ${rule} }
  - { name: text, rule: "signup_date < 2024-06-01 & age >= 30" }
exports: []
`;
    const rule = '{ and: [{ attribute: signup_date, op: "<", value: 2024-06-01 }, { attribute: age, op: ">=", value: "30" }] }';
    for (const directive of ['', '%YAML 1.1\n---']) {
      const loaded = parseConfigText(config(directive, rule), '/project/consent.config.yaml');
      expect(compileSegment(loaded, 0)).toEqual(compileSegment(loaded, 1));
    }
  });

  it.each([
    [{ attribute: 'signup_date', op: '<', value: '2024-06-01T10:00:00Z' }, 'signup_date < 2024-06-01T10:00:00Z'],
    [{ attribute: 'age', op: '<', value: '007' }, 'age < 007'],
    [{ attribute: 'age', op: '>', value: '30 years' }, 'age > 30 years'],
    [{ attribute: 'age', op: '>', value: '' }, "age > ''"],
    [{ attribute: 'signup_date', op: '>=', value: '2023-02-29' }, 'signup_date >= 2023-02-29'],
  ])('rejects %j at rule.value with the reason the text form gives for %j', (structured, text) => {
    let reason = '';
    try {
      parseRule(text, ctx);
    } catch (error) {
      reason = (error as RuleError).reason;
    }
    expect(reason).not.toBe('');
    expect(pathError(structured)).toEqual({ path: 'rule.value', message: `segment "test-segment", rule at rule.value: ${reason}` });
  });

  it('rejects a YAML timestamp (a Date with a time): rules compare dates', () => {
    const rule = yamlRule('%YAML 1.1\n---\nrule: { attribute: signup_date, op: ">=", value: 2024-06-01T10:00:00Z }');
    expect(pathError(rule)).toEqual({
      path: 'rule.value',
      message: 'segment "test-segment", rule at rule.value: 2024-06-01T10:00:00.000Z is a timestamp; rules compare dates: write YYYY-MM-DD',
    });
  });

  it('checks hand-built ASTs again when compiling', () => {
    expect(() => compileRule({ attribute: 'contry', op: 'is empty' }, ctx)).toThrow(RulePathError);
    expect(() => compileRule({ consent: 'Nope', granted: true }, ctx)).toThrow('rule at rule.consent: purpose "Nope" is not declared');
  });
});
