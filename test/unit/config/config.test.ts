import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, parseConfigText } from '../../../core/config/load.js';
import { ConfigError } from '../../../core/errors.js';

const base = () => ({
  purposes: { Newsletter: { regime: 'opt-in' }, 'Sale of data': { regime: 'opt-out' } },
  sources: [
    { name: 'crm', type: 'profiles', format: 'csv', path: './crm.csv', primaryKey: 'id', keys: { email: 'email' }, attributes: { first_name: 'first' } },
    { name: 'consent', type: 'consent', format: 'csv', path: 'data/consent.csv', primaryKey: 'cid', keys: { email: 'email' }, option: 'opt', value: 'val' },
  ],
  segments: [{ name: 'news', rule: 'Consent option = Newsletter & Consent value = True' }],
  exports: [{ name: 'news-file', segment: 'news', purpose: 'Newsletter', path: './out', fields: ['customer_id', 'email', 'first_name'] }],
});

function errorOf(raw: unknown): ConfigError {
  try {
    parseConfig(raw, '/project/consent.config.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config loading', () => {
  it('loads the example config with defaults and paths resolved against the config folder', () => {
    const config = loadConfig(path.resolve(import.meta.dirname, '../../../examples/consent.config.yaml'));
    const examples = path.resolve(import.meta.dirname, '../../../examples');
    expect(config.warehouse).toBe(path.join(examples, '.consent'));
    expect(config.sources.map((s) => s.path)).toEqual([path.join(examples, 'data/crm_contacts.csv'), path.join(examples, 'data/consent.csv')]);
    expect(config.exports[0]!.path).toBe(path.join(examples, 'exports/newsletter'));
    expect(config.temporal).toEqual({ address: 'localhost:7233', namespace: 'default', taskQueue: 'consent-refresh' });
    expect(config.exports[0]!.format).toBe('csv');
    expect(config.retention.runs).toBe(7);
  });

  it('applies defaults to a minimal config', () => {
    const config = parseConfig(base(), '/project/consent.config.yaml');
    expect(config.warehouse).toBe('/project/.consent');
    expect(config.schedule).toEqual({ id: 'consent-refresh', timezone: 'UTC', paused: false, catchupWindow: '1h', cron: '0 */6 * * *' });
    expect(config.sources[1]!.path).toBe('/project/data/consent.csv');
    expect(config.matching.maxClusterSize).toBe(50);
  });

  it.each([
    [{ sources: undefined }, 'sources: '],
    [{ purposes: { Newsletter: { regime: 'sometimes' } } }, 'purposes.Newsletter.regime: '],
    [{ purposes: { Newsletter: { regime: 'opt-in', expiresAfter: '24 months' } } }, 'purposes.Newsletter.expiresAfter: must be an ISO-8601 duration'],
  ])('names the key path of a schema error %#', (patch, expected) => {
    expect(errorOf({ ...base(), ...patch }).message).toContain(expected);
  });

  it('names the key path of a bad source mapping', () => {
    const raw = base();
    (raw.sources[1] as Record<string, unknown>)['keys'] = { email: 'email', phone: 'phone' };
    expect(errorOf(raw).message).toBe('sources[1].keys: a consent source maps exactly one alternate key: email or phone');
  });

  it('a missing required key says it is required and what it is for', () => {
    const raw = base();
    delete (raw.exports[0] as Record<string, unknown>)['purpose'];
    delete (raw.sources[0] as Record<string, unknown>)['primaryKey'];
    expect(errorOf(raw).message).toBe(
      "2 problems:\n  sources[0].primaryKey: required: the column holding each row's id\n  exports[0].purpose: required: the purpose whose consent guards this export (write `none` for an internal export)",
    );
    expect(errorOf({ ...base(), sources: undefined }).message).toBe('sources: required (array)');
  });

  it('refuses export folders that would overwrite a source file or mix with the warehouse', () => {
    const raw = base();
    raw.exports[0]!.name = 'consent';
    raw.exports[0]!.path = './data';
    expect(errorOf(raw).message).toBe(
      'exports[0].path: the export would overwrite or delete sources[1] ("consent", /project/data/consent.csv); give the export a folder of its own',
    );
    raw.exports[0]!.path = './data/consent.csv/..'; // the same folder, written another way
    expect(errorOf(raw).message).toContain('would overwrite or delete sources[1]');
    raw.exports[0]!.path = './.consent';
    expect(errorOf(raw).message).toBe('exports[0].path: /project/.consent overlaps the warehouse folder /project/.consent; give the export a folder of its own');
    raw.exports[0]!.path = './.consent/exports';
    expect(errorOf(raw).message).toContain('exports[0].path: /project/.consent/exports overlaps the warehouse folder');
    raw.exports[0]!.path = '.';
    expect(errorOf(raw).message).toContain('exports[0].path: /project overlaps the warehouse folder');
    // Next to the sources, under another name, is fine.
    raw.exports[0]!.name = 'newsletter-file';
    raw.exports[0]!.path = './data';
    expect(parseConfig(raw, '/project/c.yaml').exports[0]!.path).toBe('/project/data');
  });

  it('rejects an unknown key, suggesting the key it was probably meant to be', () => {
    expect(errorOf({ ...base(), segmentz: [] }).message).toBe('(top level): unknown key "segmentz" (did you mean "segments"?)');
    const raw = base();
    (raw.sources[0] as Record<string, unknown>)['attribute'] = {};
    expect(errorOf(raw).message).toBe('sources[0]: unknown key "attribute" (did you mean "attributes"?)');
    expect(errorOf({ ...base(), colour: 'blue' }).message).toBe('(top level): unknown key "colour"');
  });

  it('an empty config file says so', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'consent-config-'));
    writeFileSync(path.join(dir, 'consent.config.yaml'), '# nothing yet\n');
    expect(() => loadConfig(path.join(dir, 'consent.config.yaml'))).toThrow(
      'consent.config.yaml is empty: declare purposes, sources, segments and exports (see examples/consent.config.yaml, or run consent init --from FILE…)',
    );
  });

  it('rejects an export whose purpose is not declared, and accepts an explicit none', () => {
    const raw = base();
    raw.exports[0]!.purpose = 'Newsleter';
    expect(errorOf(raw).message).toContain('exports[0].purpose: purpose "Newsleter" is not declared');
    raw.exports[0]!.purpose = 'none';
    expect(parseConfig(raw, '/p/c.yaml').exports[0]!.purpose).toBe('none');
  });

  it('rejects an export of an undeclared segment or an unknown field', () => {
    const raw = base();
    raw.exports[0]!.segment = 'nope';
    raw.exports[0]!.fields = ['customer_id', 'shoe_size'];
    const message = errorOf(raw).message;
    expect(message).toContain('exports[0].segment: segment "nope" is not declared');
    expect(message).toContain('exports[0].fields[1]: unknown field "shoe_size"');
  });

  it('rejects a field listed twice in an export (case-insensitively), naming both positions', () => {
    const raw = base();
    raw.exports[0]!.fields = ['customer_id', 'email', 'Email'];
    expect(errorOf(raw).message).toContain('exports[0].fields[2]: "Email" is listed twice (also fields[1]): each field is one column');
  });

  it('matches purposes case-insensitively for sources and exports', () => {
    const raw = base();
    raw.exports[0]!.purpose = '  newsletter ';
    expect(() => parseConfig(raw, '/p/c.yaml')).not.toThrow();
  });

  it('rejects purpose names that are one name once trimmed (not silently merged, the last regime winning), and trims the names it keeps', () => {
    for (const clash of ['Newsletter ', ' Newsletter', 'Newsletter\u00a0', 'NEWSLETTER']) {
      const raw = { ...base(), purposes: { Newsletter: { regime: 'opt-in' }, [clash]: { regime: 'opt-out' } } };
      expect(errorOf(raw).message).toContain(`purposes.${clash}: purpose names match case-insensitively and trimmed; ${JSON.stringify(clash)} clashes with "Newsletter"`);
    }
    const blank = { ...base(), purposes: { Newsletter: { regime: 'opt-in' }, '  ': { regime: 'opt-out' } } };
    expect(errorOf(blank).message).toContain('a purpose name cannot be blank');
    const padded = parseConfig({ ...base(), purposes: { ' Newsletter ': { regime: 'opt-in' } } }, '/p/c.yaml');
    expect(Object.keys(padded.purposes)).toEqual(['Newsletter']);
    expect(errorOf({ ...base(), purposes: {} }).message).toContain('declare at least one purpose');
  });

  it('rejects duplicate names and reserved attribute names', () => {
    const raw = base();
    raw.sources[1]!.name = 'CRM';
    (raw.sources[0] as { attributes: Record<string, string> }).attributes = { email: 'mail' };
    const message = errorOf(raw).message;
    expect(message).toContain('sources[1].name: duplicate name "CRM"');
    expect(message).toContain('sources[0].attributes.email: "email" is a built-in field');
  });

  it('reports YAML syntax errors with a position', () => {
    expect(() => parseConfigText('purposes: [unclosed', '/p/consent.config.yaml')).toThrow(/consent.config.yaml is not valid YAML \(line 1/);
  });

  it('reports a missing config file', () => {
    expect(() => loadConfig('/nonexistent/consent.config.yaml')).toThrow('cannot read config file /nonexistent/consent.config.yaml: file not found');
  });
});
