import { describe, expect, it } from 'vitest';
import { RuleError } from '../../../core/errors.js';
import { parseRule } from '../../../core/rules/index.js';
import { at, ctx, ruleError } from './fixtures.js';

const KNOWN = 'known: country, first_name, age, signup_date, vip, customer_id, email, phone';
const DECLARED = 'declared: Newsletter, Product updates, Sale of data';
const OPTION_UNPAIRED = /^Consent option must be paired with Consent value/;
const VALUE_UNPAIRED = /^Consent value must be paired with Consent option/;

describe('rule errors name the segment and the 1-based position', () => {
  it('is a RuleError with a readable message', () => {
    expect(() => parseRule('contry = DE', ctx)).toThrow(RuleError);
    expect(() => parseRule('contry = DE', ctx)).toThrow(`segment "test-segment", rule position 1: unknown attribute "contry" (${KNOWN})`);
  });

  it.each([
    ['contry = DE', 'contry', `unknown attribute "contry" (${KNOWN})`],
    ['age > 1 & contry = DE', 'contry', `unknown attribute "contry" (${KNOWN})`],
    ['country', undefined, 'expected a comparison operator after "country"'],
    ['country DE', 'DE', 'expected a comparison operator after "country"'],
    ['country & age > 1', '&', 'expected a comparison operator after "country"'],
    ['country ~ DE', '~', 'unexpected character "~"'],
    ['country ＝ DE', '＝', 'unexpected character "＝"'],
    ['country ≠ DE', '≠', 'unexpected character "≠"'],
    ['country = DE)', ')', 'unexpected ")"'],
    [')', ')', 'unexpected ")"'],
    ['() ', ')', 'unexpected ")"'],
    ["country = 'DE", "'", 'unterminated string (close it with the same quote; double a quote to include it)'],
    ['country in ("DE, AT)', '"', 'unterminated string (close it with the same quote; double a quote to include it)'],
    ['(country = DE', undefined, 'expected ")" to close the "(" at position 1 but found the end of the rule'],
    ['Consent option = Newsletter & (Consent value = True', undefined, 'expected ")" to close the "(" at position 31 but found the end of the rule'],
    ['(country = DE | (Consent value = True', undefined, 'expected ")" to close the "(" at position 17 but found the end of the rule'],
    ['country =', undefined, 'expected a value after "="'],
    ['country = & age > 1', '&', 'expected a value after "="'],
    ['country = DE &', undefined, 'expected a condition (an attribute, "Consent option", "Consent value", "not" or "(") but found the end of the rule'],
    ['& country = DE', '&', 'expected a condition (an attribute, "Consent option", "Consent value", "not" or "(") but found "&"'],
    ['"country" = DE', '"', 'expected a condition (an attribute, "Consent option", "Consent value", "not" or "(") but found a quoted text'],
    ['= DE', '=', 'expected a condition (an attribute, "Consent option", "Consent value", "not" or "(") but found "="'],
    ["country = 'DE' 'AT'", "'AT'", 'expected "&", "|" or the end of the rule but found a quoted text'],
    ['country in DE', 'DE', 'expected "(" to start the list but found "DE"'],
    ['country in ()', ')', 'expected a value in the list'],
    ['country in (DE,)', ')', 'expected a value in the list'],
    ['country in (DE & AT)', '&', 'expected "," or ")" in the list but found "&"'],
    ['country not DE', 'DE', 'expected "in" after "not" but found "DE"'],
    ['country is nothing', 'nothing', 'expected "empty" or "not empty" after "is" but found "nothing"'],
    ['country is not', undefined, 'expected "empty" after "is not" but found the end of the rule'],
    ['first_name contains ""', '"', '"contains" needs a non-empty text'],
    ['first_name contains', undefined, 'expected a value after "contains"'],
    ['age < abc', 'abc', '"<" compares numbers or dates (YYYY-MM-DD); "abc" is neither'],
    ["age >= '18'", "'18'", '">=" compares numbers or dates (YYYY-MM-DD); "18" is neither'],
    ['vip > true', 'true', '">" cannot compare true/false'],
    ['signup_date = 2023-02-29', '2023', '"2023-02-29" is not a valid date (YYYY-MM-DD)'],
    ['Consent option = Newslettr & Consent value = True', 'Newslettr', `purpose "Newslettr" is not declared (${DECLARED})`],
    ['Consent option = & Consent value = True', '&', 'expected a purpose name after "Consent option ="'],
    ['Consent option != Newsletter & Consent value = True', '!=', 'expected "=" after "Consent option" but found "!="'],
    ['Consent option Newsletter', 'Newsletter', 'expected "=" after "Consent option" but found "Newsletter"'],
    ['Consent value < True & Consent option = Newsletter', '<', 'expected "=" or "!=" after "Consent value" but found "<"'],
    ['Consent option = Newsletter & Consent value = maybe', 'maybe', '"maybe" is not a consent value (expected true/yes/granted/opt-in/1 or false/no/denied/opt-out/withdrawn/revoked/0)'],
    ['Consent option = Newsletter & Consent value =', undefined, 'expected True or False after "Consent value ="'],
    ['', undefined, 'the rule is empty'],
    ['   ', undefined, 'the rule is empty'],
    ['country = D\u0000E', '\u0000', 'the rule contains a NUL character'],
  ])('%j', (text, fragment, reason) => {
    const position = fragment === undefined ? (text.trim() === '' ? 1 : text.length + 1) : at(text, fragment);
    expect(ruleError(text)).toEqual({ position, reason });
  });

  it.each([
    ['country = DE and age > 20', 'and', 'and', '&', 'DE and age > 20'],
    ['country = DE AND not vip = true', 'AND', 'and', '&', 'DE AND not vip = true'],
    ['first_name = Sandor or age > 1', 'or age', 'or', '|', 'Sandor or age > 1'],
    ['country = DE or (age > 20 & vip = true)', 'or', 'or', '|', 'DE or (age > 20'],
    ['country = DE Or !(first_name is empty)', 'Or', 'or', '|', 'DE Or !(first_name is empty)'],
    ['(country = DE and EMAIL contains x)', 'and', 'and', '&', 'DE and EMAIL contains x'],
    ['country in (DE and first_name is not empty)', 'and', 'and', '&', 'DE and first_name is not empty'],
    ['country != DE and country not in (AT)', 'and country', 'and', '&', 'DE and country not in (AT)'],
    ['first_name contains x or phone=1', 'or', 'or', '|', 'x or phone=1'],
    ['first_name = x and or age > 1', 'or age', 'or', '|', 'x and or age > 1'],
    ['first_name = x AND\tNOT ( ! age > 1)', 'AND', 'and', '&', 'x AND\tNOT ( ! age > 1)'],
    ['Consent option = Newsletter and Consent value = True', 'and', 'and', '&', 'Newsletter and Consent value = True'],
    ['Consent value = True and consent option = Newsletter', 'and', 'and', '&', 'True and consent option = Newsletter'],
  ])('an unquoted value that runs on past and/or into a condition: %j', (text, fragment, word, symbol, value) => {
    expect(ruleError(text)).toEqual({
      position: at(text, fragment),
      reason:
        `unquoted value "${value}" runs past "${word}" into a condition (an unquoted value ends at "&", "|" or ")"): ` +
        `write "${symbol}" to combine conditions, or quote the value to compare with this text`,
    });
  });

  it.each([
    ['age => 30', '> 30', '>', '>='],
    ['age =< 30', '< 30', '<', '<='],
    ['age ==> 30', '> 30', '>', '>='],
    ['age = >30', '>30', '>', '>='],
    ['age >== 30', '= 30', '=', '>='],
    ['age <== 30', '= 30', '=', '<='],
    ['age => 30 & vip = true', '> 30', '>', '>='],
    ['signup_date => 2024-01-01', '> 2024', '>', '>='],
    ['country =! DE', '! DE', '!', '!='],
    ['country !== DE', '= DE', '=', '!='],
    ['country =<> DE', '<> DE', '<', '!='],
    ['country === DE', '= DE', '=', '='],
    ['country = = DE', '= DE', '=', '='],
    ['age < <18', '<18', '<', '<'],
  ])('an unquoted value that starts with an operator character: %j', (text, fragment, first, intended) => {
    const value = text.slice(at(text, fragment) - 1).split(' & ')[0];
    expect(ruleError(text)).toEqual({
      position: at(text, fragment),
      reason: `unquoted value "${value}" starts with "${first}": did you mean "${intended}"? Quote the value to compare with this text`,
    });
  });

  it.each([
    ['first_name contains >x', '>x'],
    ['first_name contains =x', '=x'],
    ['country in (DE, !AT)', '!AT'],
    ['country in (<DE>)', '<DE>'],
  ])('an unquoted value without a comparison that starts with an operator character: %j', (text, fragment) => {
    expect(ruleError(text)).toEqual({
      position: at(text, fragment),
      reason: `unquoted value "${fragment}" starts with "${fragment[0]}": quote the value to compare with this text`,
    });
  });

  it.each([
    ['Consent option = Newsletter', 'Consent option', OPTION_UNPAIRED],
    ['Consent value = True', 'Consent value', VALUE_UNPAIRED],
    ['age > 1 & Consent option = Newsletter', 'Consent option', OPTION_UNPAIRED],
    ['Consent option = Newsletter & age > 1 & Consent value = True', 'Consent option', OPTION_UNPAIRED],
    ['Consent option = Newsletter | Consent value = True', 'Consent option', OPTION_UNPAIRED],
    ['(Consent option = Newsletter) & Consent value = True', 'Consent option', OPTION_UNPAIRED],
    ['!Consent option = Newsletter & Consent value = True', 'Consent option', OPTION_UNPAIRED],
    ['Consent option = Newsletter & Consent option = Sale of data & Consent value = True', 'Consent option', OPTION_UNPAIRED],
    ['Consent option = Newsletter & Consent value = True & Consent value = False', 'Consent value = False', VALUE_UNPAIRED],
  ])('unpaired consent: %j', (text, fragment, reason) => {
    const error = ruleError(text);
    expect(error.position).toBe(at(text, fragment));
    expect(error.reason).toMatch(reason);
  });
});
