import { describe, expect, it } from 'vitest';
import { parseRule } from '../../../core/rules/index.js';
import { ctx } from './fixtures.js';

const parse = (text: string) => parseRule(text, ctx);
const newsletter = { consent: 'Newsletter', granted: true };

describe('the seed form', () => {
  it('parses verbatim', () => {
    expect(parse('Consent option = Newsletter & Consent value = True')).toEqual(newsletter);
  });

  it('parses without spaces around "="', () => {
    expect(parse('Consent option=Newsletter & Consent value=True')).toEqual(newsletter);
    expect(parse('Consent option=Newsletter&Consent value=True')).toEqual(newsletter);
  });

  it('means denied with False and with != True', () => {
    const denied = { consent: 'Newsletter', granted: false };
    expect(parse('Consent option = Newsletter & Consent value = False')).toEqual(denied);
    expect(parse('Consent option = Newsletter & Consent value != True')).toEqual(denied);
    expect(parse('Consent option = Newsletter & Consent value != no')).toEqual(newsletter);
  });

  it('accepts the value before the option', () => {
    expect(parse('Consent value = True & Consent option = Newsletter')).toEqual(newsletter);
  });

  it('treats the keywords case- and whitespace-insensitively', () => {
    expect(parse('consent  OPTION = Newsletter && CONSENT\tvalue = yes')).toEqual(newsletter);
    expect(parse('consent  OPTION = "Newsletter" AND CONSENT\tvalue = yes')).toEqual(newsletter);
  });

  it('matches purposes case-insensitively, trimmed, and returns the declared spelling', () => {
    expect(parse('Consent option =   product UPDATES   & Consent value = granted')).toEqual({ consent: 'Product updates', granted: true });
    expect(parse('Consent option = "sale of data" & Consent value = "opt-out"')).toEqual({ consent: 'Sale of data', granted: false });
  });

  it.each([
    ['True', true], ['yes', true], ['granted', true], ['opt-in', true], ['1', true], ['Opt In', true],
    ['False', false], ['no', false], ['denied', false], ['opt-out', false], ['withdrawn', false], ['revoked', false], ['0', false],
  ])('reads consent value %s', (word, granted) => {
    expect(parse(`Consent option = Newsletter & Consent value = ${word}`)).toEqual({ consent: 'Newsletter', granted });
  });

  it('pairs each option with its adjacent value in a longer chain', () => {
    expect(
      parse('Consent option = Newsletter & Consent value = True & country = DE & Consent value = no & Consent option = Sale of data'),
    ).toEqual({ and: [newsletter, { attribute: 'country', op: '=', value: 'DE' }, { consent: 'Sale of data', granted: false }] });
  });

  it('pairs inside parentheses and under not', () => {
    expect(parse('!(Consent option = Newsletter & Consent value = True) | (Consent value = 1 & Consent option = Product updates)')).toEqual({
      or: [{ not: newsletter }, { consent: 'Product updates', granted: true }],
    });
  });
});

describe('combinators', () => {
  const a = { attribute: 'country', op: '=', value: 'DE' };
  const b = { attribute: 'age', op: '>', value: 20 };
  const c = { attribute: 'vip', op: '=', value: true };

  it('gives not precedence over and over or', () => {
    expect(parse('country = DE | age > 20 & vip = true')).toEqual({ or: [a, { and: [b, c] }] });
    expect(parse('country = DE & age > 20 | vip = true')).toEqual({ or: [{ and: [a, b] }, c] });
    expect(parse('!country = DE & age > 20')).toEqual({ and: [{ not: a }, b] });
    expect(parse('not country = "DE" or age > 20')).toEqual({ or: [{ not: a }, b] });
  });

  it('honours parentheses', () => {
    expect(parse('(country = DE | age > 20) & vip = true')).toEqual({ and: [{ or: [a, b] }, c] });
    expect(parse('!(country = DE | age > 20)')).toEqual({ not: { or: [a, b] } });
    expect(parse('((country = DE))')).toEqual(a);
  });

  it('accepts word and symbol forms alike', () => {
    const expected = { or: [{ and: [a, b] }, { not: c }] };
    expect(parse('(country = DE) and (age > 20) or not vip = true')).toEqual(expected);
    expect(parse('country = "DE" AND (age > 20) OR NOT vip = true')).toEqual(expected);
    expect(parse('country = DE && age > 20 || ! vip = true')).toEqual(expected);
    expect(parse('country = DE & age > 20 | !vip = true')).toEqual(expected);
  });

  it('allows double negation', () => {
    expect(parse('not not country = DE')).toEqual({ not: { not: a } });
  });
});

describe('comparisons', () => {
  it.each([
    ['country = DE', { attribute: 'country', op: '=', value: 'DE' }],
    ['country == DE', { attribute: 'country', op: '=', value: 'DE' }],
    ['country != DE', { attribute: 'country', op: '!=', value: 'DE' }],
    ['country <> DE', { attribute: 'country', op: '!=', value: 'DE' }],
    ['age < 18', { attribute: 'age', op: '<', value: 18 }],
    ['age <= 18.5', { attribute: 'age', op: '<=', value: 18.5 }],
    ['age > -3', { attribute: 'age', op: '>', value: -3 }],
    ['age >= 1e3', { attribute: 'age', op: '>=', value: 1000 }],
    ['signup_date >= 2024-01-31', { attribute: 'signup_date', op: '>=', value: { date: '2024-01-31' } }],
    ['vip = TRUE', { attribute: 'vip', op: '=', value: true }],
    ['vip != false', { attribute: 'vip', op: '!=', value: false }],
    ['country in (DE, AT)', { attribute: 'country', op: 'in', values: ['DE', 'AT'] }],
    ['country not in (DE,"A,T" , 7)', { attribute: 'country', op: 'not in', values: ['DE', 'A,T', 7] }],
    ['country NOT IN (x)', { attribute: 'country', op: 'not in', values: ['x'] }],
    ['first_name contains van', { attribute: 'first_name', op: 'contains', value: 'van' }],
    ['first_name CONTAINS 42', { attribute: 'first_name', op: 'contains', value: '42' }],
    ['first_name is empty', { attribute: 'first_name', op: 'is empty' }],
    ['first_name IS NOT EMPTY', { attribute: 'first_name', op: 'is not empty' }],
  ])('%s', (text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  it('matches attribute names case-insensitively and returns the config spelling', () => {
    expect(parse('COUNTRY = DE')).toEqual({ attribute: 'country', op: '=', value: 'DE' });
    expect(parseRule('country = DE', { ...ctx, attributes: ['Country'] })).toEqual({ attribute: 'Country', op: '=', value: 'DE' });
  });

  it('knows the built-in fields', () => {
    expect(parse('Email = a@x.com | phone = "0049" | customer_id in (c1, c2)')).toEqual({
      or: [
        { attribute: 'email', op: '=', value: 'a@x.com' },
        { attribute: 'phone', op: '=', value: '0049' },
        { attribute: 'customer_id', op: 'in', values: ['c1', 'c2'] },
      ],
    });
  });

  it('treats an attribute called "consent" as an attribute', () => {
    expect(parseRule('consent = x', { ...ctx, attributes: ['consent'] })).toEqual({ attribute: 'consent', op: '=', value: 'x' });
  });
});

describe('literals and quoting', () => {
  const value = (text: string) => (parse(`country = ${text}`) as { value: unknown }).value;

  it('types unquoted values', () => {
    expect(value('18')).toBe(18);
    expect(value('-2.5')).toBe(-2.5);
    expect(value('007')).toBe('007');
    expect(value('1.')).toBe('1.');
    expect(value('2024-02-29')).toEqual({ date: '2024-02-29' });
    expect(value('True')).toBe(true);
    expect(value('truely')).toBe('truely');
  });

  it('keeps quoted values as text', () => {
    expect(value("'18'")).toBe('18');
    expect(value('"2024-02-29"')).toBe('2024-02-29');
    expect(value("'true'")).toBe('true');
  });

  it('unescapes doubled quotes', () => {
    expect(value("'O''Brien'")).toBe("O'Brien");
    expect(value('"say ""hi"""')).toBe('say "hi"');
    expect(value(`"it's"`)).toBe("it's");
    expect(value("''")).toBe('');
  });

  it('keeps the characters that end unquoted values inside quotes', () => {
    expect(value('"a & b | (c), d"')).toBe('a & b | (c), d');
    expect(parse("country in ('a,b', \"c)\")")).toEqual({ attribute: 'country', op: 'in', values: ['a,b', 'c)'] });
  });

  it('runs unquoted values with spaces to the next & | ) and trims them', () => {
    expect(parse('Consent option = Product updates & Consent value = True')).toEqual({ consent: 'Product updates', granted: true });
    expect(parse('first_name =   Anna van Berg   & age > 1')).toEqual({
      and: [{ attribute: 'first_name', op: '=', value: 'Anna van Berg' }, { attribute: 'age', op: '>', value: 1 }],
    });
    expect(parse('(first_name = Anna van Berg)')).toEqual({ attribute: 'first_name', op: '=', value: 'Anna van Berg' });
    expect(parse('country in ( Costa Rica ,  New Zealand )')).toEqual({ attribute: 'country', op: 'in', values: ['Costa Rica', 'New Zealand'] });
  });

  it('keeps the words and/or inside unquoted values: they run to the next & | )', () => {
    const wider = { ...ctx, attributes: [...ctx.attributes, 'company', 'city'], purposes: [...ctx.purposes, 'Terms and Conditions'] };
    const parseWider = (text: string) => parseRule(text, wider);
    expect(parseWider('Consent option = Terms and Conditions & Consent value = True')).toEqual({ consent: 'Terms and Conditions', granted: true });
    expect(parseWider('Consent option = terms AND conditions & Consent value = True')).toEqual({ consent: 'Terms and Conditions', granted: true });
    expect(parseWider('company = Procter and Gamble')).toEqual({ attribute: 'company', op: '=', value: 'Procter and Gamble' });
    expect(parseWider('city = Stratford or Avon')).toEqual({ attribute: 'city', op: '=', value: 'Stratford or Avon' });
    expect(parseWider('city = Stratford OR Avon | company = Procter And Gamble')).toEqual({
      or: [{ attribute: 'city', op: '=', value: 'Stratford OR Avon' }, { attribute: 'company', op: '=', value: 'Procter And Gamble' }],
    });
    expect(parseWider('(company != Johnson and Johnson) & city contains upon or')).toEqual({
      and: [{ attribute: 'company', op: '!=', value: 'Johnson and Johnson' }, { attribute: 'city', op: 'contains', value: 'upon or' }],
    });
    expect(parse('country in (Trinidad and Tobago, Bosnia AND Herzegovina)')).toEqual({
      attribute: 'country',
      op: 'in',
      values: ['Trinidad and Tobago', 'Bosnia AND Herzegovina'],
    });
    expect(value('Salt and not pepper')).toBe('Salt and not pepper');
    expect(value('Anderson')).toBe('Anderson');
    expect(value('Tom-and-Jerry')).toBe('Tom-and-Jerry');
    expect(value('black andwhite')).toBe('black andwhite');
    expect(value('rock and')).toBe('rock and');
  });

  it('keeps and/or/not as word operators outside unquoted values', () => {
    expect(parse('Consent option = "Product updates" and Consent value = yes')).toEqual({ consent: 'Product updates', granted: true });
    expect(parse('(first_name = Sandor) or age > 1')).toEqual({
      or: [{ attribute: 'first_name', op: '=', value: 'Sandor' }, { attribute: 'age', op: '>', value: 1 }],
    });
    expect(parse("first_name = 'Sandor' OR not age > 1")).toEqual({
      or: [{ attribute: 'first_name', op: '=', value: 'Sandor' }, { not: { attribute: 'age', op: '>', value: 1 } }],
    });
    expect(parse('country in (DE, AT) and first_name is empty or vip is not empty and not (age < 18)')).toEqual({
      or: [
        { and: [{ attribute: 'country', op: 'in', values: ['DE', 'AT'] }, { attribute: 'first_name', op: 'is empty' }] },
        { and: [{ attribute: 'vip', op: 'is not empty' }, { not: { attribute: 'age', op: '<', value: 18 } }] },
      ],
    });
  });

  it('keeps quoted values that start with operator characters as text', () => {
    expect(value('"> 30"')).toBe('> 30');
    expect(value("'=x'")).toBe('=x');
    expect(value('"!important"')).toBe('!important');
    expect(parse('first_name contains "<b>"')).toEqual({ attribute: 'first_name', op: 'contains', value: '<b>' });
    expect(parse('age == 30')).toEqual({ attribute: 'age', op: '=', value: 30 });
  });

  it('keeps balanced parentheses and other punctuation inside unquoted values', () => {
    expect(value('Sale (CCPA)')).toBe('Sale (CCPA)');
    expect(value("O'Brien")).toBe("O'Brien");
    expect(value('a = b < c')).toBe('a = b < c');
    expect(value('x!')).toBe('x!');
  });
});
