/** `consent profile <input>`: the reason given when the input is no email or phone number to look up. */
import { describe, expect, it } from 'vitest';
import { lookupKey, lookupKeyProblem } from '../../../client/commands/profile.js';

describe('consent profile look-up key problems', () => {
  it('scientific notation (a spreadsheet): quoted, with why its digits are lost', () => {
    for (const input of ['4.91511E+12', ' 4,91511e12 ', '1E5']) {
      expect(lookupKey(input)).toBeUndefined();
      expect(lookupKeyProblem(input)).toBe(`"${input.trim()}" is a number in scientific notation (a spreadsheet?): its digits are lost; look up the full phone number or an email`);
    }
  });

  it('empty or blank input', () => {
    for (const input of ['', '   ', '\t']) {
      expect(lookupKey(input)).toBeUndefined();
      expect(lookupKeyProblem(input)).toBe('the email or phone number to look up is empty');
    }
  });

  it('no @ and no digits: neither an email nor a phone number, and the input (maybe a name) is not echoed', () => {
    for (const input of ['Frank Lee', '---', 'frank.contoso.com']) {
      expect(lookupKey(input)).toBeUndefined();
      const problem = lookupKeyProblem(input);
      expect(problem).toBe('neither an email (no @) nor a phone number (no digits): look up a customer by email or phone number');
      expect(problem).not.toContain(input);
    }
  });

  it('usable keys are still looked up', () => {
    expect(lookupKey('  Frank@Contoso.com ')).toEqual({ kind: 'email', value: 'frank@contoso.com' });
    expect(lookupKey('(1) 425-555-0101')).toEqual({ kind: 'phone', value: '14255550101' });
    expect(lookupKey('4915110000000')).toEqual({ kind: 'phone', value: '4915110000000' });
  });
});
