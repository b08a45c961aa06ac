/**
 * Placeholder rules and ISO durations: the small pure pieces of the unify stage.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.js';
import { queryRows } from '../../../core/db/connection.js';
import { parseIsoDuration } from '../../../core/unify/iso-duration.js';
import { loadPlaceholderRules, placeholderSql, type KeyKind, type PlaceholderRules } from '../../../core/unify/placeholders.js';
import { testConfig, memoryConnectionForFile } from './inputs.js';

const base = {
  purposes: { Newsletter: { regime: 'opt-in' } },
  sources: [{ name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' } }],
};

let connection: DuckDBConnection;
memoryConnectionForFile((opened) => (connection = opened));

async function flagged(rules: PlaceholderRules, kind: KeyKind, values: (string | null)[]): Promise<Record<string, boolean>> {
  const predicate = placeholderSql(rules, kind, 'v');
  const params: Record<string, string | null> = {};
  values.forEach((value, index) => (params[`v${index}`] = value));
  const rows = await queryRows<{ v: string | null; placeholder: boolean }>(connection, {
    sql: `SELECT v, ${predicate.sql} AS placeholder FROM (VALUES ${values.map((_, i) => `(CAST($v${i} AS VARCHAR))`).join(', ')}) t(v)`,
    params: { ...predicate.params, ...params },
  });
  return Object.fromEntries(rows.map((row) => [String(row.v), row.placeholder]));
}

describe('placeholder keys', () => {
  it('default emails: exact list and patterns', async () => {
    const rules = await loadPlaceholderRules(connection, testConfig(base));
    expect(
      await flagged(rules, 'email', ['test@test.com', 'noemail@noemail.com', 'noreply@shop.com', 'unknown@mail.com', 'no-at-sign',
        'alice@mail.com', 'noah@mail.com', null]),
    ).toEqual({
      'test@test.com': true, 'noemail@noemail.com': true, 'noreply@shop.com': true, 'unknown@mail.com': true, 'no-at-sign': true,
      'alice@mail.com': false, 'noah@mail.com': false, null: false,
    });
  });

  it('default phones: zeros, one repeated digit (RE2 has no back-references), sequences, too short', async () => {
    const rules = await loadPlaceholderRules(connection, testConfig(base));
    expect(await flagged(rules, 'phone', ['0000000', '1111111111', '1234567890', '123456789', '0123456789', '12345', '447700900001', '1121111111'])).toEqual({
      '0000000': true, '1111111111': true, '1234567890': true, '123456789': true, '0123456789': true, '12345': true,
      '447700900001': false, '1121111111': false,
    });
  });

  it('default phones: the same fillers written with a country code or an extension', async () => {
    const rules = await loadPlaceholderRules(connection, testConfig(base));
    // Normalised digits of +1 (000) 000-0000, +49 0000 000000, +33 0 00 00 00 00, +49 (0) 000 000,
    // 0000-000000 ext. 1, +49 1111 111111, +44 7777 777777; then real numbers that must still match.
    const fillers = ['10000000000', '490000000000', '330000000000', '49000000', '00000000001', '491111111111', '447777777777',
      // 0049 0000 000000, 0049 1111 111111, 0049-0000-000000 ext. 7, +1 123-456-7890, +1 (012) 345-6789, +49 123 456789, 01234 567890
      '00490000000000', '00491111111111', '004900000000007', '11234567890', '10123456789', '49123456789', '01234567890'];
    const real = ['12122222222', '18005550100', '493020000000', '4930100000', '447700900000', '4915112345678', '12120000001',
      '00493020000000', '0018005550100', '4930123456780', '441234567899'];
    expect(await flagged(rules, 'phone', [...fillers, ...real])).toEqual({
      ...Object.fromEntries(fillers.map((value) => [value, true])),
      ...Object.fromEntries(real.map((value) => [value, false])),
    });
  });

  it('default emails: fillers with no letter or digit beside the @, declined/German "none" words, a local part repeating the domain', async () => {
    const rules = await loadPlaceholderRules(connection, testConfig(base));
    const fillers = ['@', '-@-', '.@example.org', 'ann@-', 'no.email@company.com', 'keine@email.de', 'declined@shop.com', 'refused@shop.com',
      'x@x.com', 'a@a.com', '123@123.com', 'test@test.de', 'é@é.fr', 'ohne@email.de', 'n.a@example.com'];
    const real = ['x@y.com', 'ann@ann-smith.com', 'ann.test@test.de', 'declined.smith@shop.com', 'kein.name@shop.de', 'anna@annaberg.de',
      'max@max.de', 'info@info.de']; // a vanity domain is a real address
    const result = await flagged(rules, 'email', [...fillers, ...real]);
    expect(result).toEqual({
      ...Object.fromEntries(fillers.map((value) => [value, true])),
      ...Object.fromEntries(real.map((value) => [value, false])),
    });
    const replaced = await loadPlaceholderRules(connection, testConfig({ ...base, matching: { replaceDefaults: true } }));
    expect(await flagged(replaced, 'email', ['x@x.com', '@'])).toEqual({ 'x@x.com': false, '@': false });
  });

  it('configured values are normalised like keys; replaceDefaults drops the built-in lists', async () => {
    const rules = await loadPlaceholderRules(connection, testConfig({
      ...base,
      matching: { placeholderEmails: ['  Front.Desk@Hotel.COM '], placeholderPhones: ['+44 (0) 20 7946 0000'], placeholderEmailPatterns: ['^info@'], replaceDefaults: true },
    }));
    expect(rules.phonePattern).toBeUndefined();
    expect(await flagged(rules, 'email', ['front.desk@hotel.com', 'info@hotel.com', 'test@test.com', 'no-at-sign'])).toEqual({
      'front.desk@hotel.com': true, 'info@hotel.com': true, 'test@test.com': false, 'no-at-sign': false,
    });
    // '+44 (0) 20 …': the bracketed trunk prefix of an international number is not part of it.
    expect(await flagged(rules, 'phone', ['442079460000', '0000000'])).toEqual({ '442079460000': true, '0000000': false });
  });

  it('a pattern RE2 cannot compile is a ConfigError naming its key path', async () => {
    const config = testConfig({ ...base, matching: { placeholderPhonePatterns: ['^ok$', '^(\\d)\\1$'] } });
    const error = await loadPlaceholderRules(connection, config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('matching.placeholderPhonePatterns[1]');
  });
});

describe('parseIsoDuration', () => {
  it.each([
    ['P24M', { months: 24, days: 0 }],
    ['P365D', { months: 0, days: 365 }],
    ['P2Y', { months: 24, days: 0 }],
    ['P1Y6M', { months: 18, days: 0 }],
    ['P4W', { months: 0, days: 28 }],
    ['P1Y2M3W4D', { months: 14, days: 25 }],
  ])('%s', (text, expected) => {
    expect(parseIsoDuration(text)).toEqual(expected);
  });

  it.each(['P', 'PT1H', '24M', 'P-1D', 'P1.5Y'])('rejects %s', (text) => {
    expect(() => parseIsoDuration(text)).toThrow();
  });
});
