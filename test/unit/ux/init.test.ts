/**
 * `consent init --from FILE…`: guesses from the headers (and counts) of real files, writes a commented
 * starter config that loads and passes `consent validate` (exit 0 or 1, never 2), never overwrites.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../client/cli.js';
import { runValidateCommand } from '../../../client/commands/validate.js';
import { loadConfig, type LoadedConfig } from '../../../core/config/load.js';
import type { ConsentSourceConfig, ProfileSourceConfig } from '../../../core/config/schema.js';
import { openInstance, withConnection } from '../../../core/db/connection.js';
import { quoteLiteral } from '../../../core/sql/identifiers.js';

const CRM = `Contact ID,First Name,Last Name,E-Mail,Mobile Phone,Country,2nd Address Line
C-1,Ann,Example,ann@example.org,+44 20 7946 0001,GB,Flat 1
C-2,Bob,Sample,bob@example.org,,DE,
C-3,Carol,Test,carol@example.org,555 0100,US,
`;
// Semicolons, one purpose spelled two ways, a day-first date, a blank consent id (rejected on import).
const CONSENT = `consent_id;customer_email;consent_option;consent_value;consent_date
k1;ann@example.org;Newsletter;yes;2024-01-15
k2;ann@example.org;Product updates;Opted-In;2024-02-01T09:30:00Z
k3;bob@example.org;Sale of data;opt out;13/03/2024
k4;bob@example.org;newsletter;no;14/03/2024
;carol@example.org;Newsletter;yes;2024-03-01
`;
// One purpose, no option column: the purpose comes from the file name; contact_id is a foreign key.
const OPTINS = `record_id,contact_id,email,opted_in,updated_at
r1,C-1,ann@example.org,true,2024-04-01
r2,C-1,ann@example.org,false,2024-05-01
r3,C-2,bob@example.org,true,2024-04-02
`;

describe('consent init', () => {
  let dir: string;
  let files: { crm: string; consent: string; optins: string; shop: string };
  let out: string;
  let config: LoadedConfig;
  let text: string;
  let logs: string[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'consent-init-'));
    const write = (name: string, content: string) => {
      const file = path.join(dir, 'data', name);
      writeFileSync(file, content);
      return file;
    };
    mkdirSync(path.join(dir, 'data'));
    const shop = path.join(dir, 'data', 'shop_customers.parquet');
    const instance = await openInstance(':memory:');
    await withConnection(instance, (c) =>
      c.run(
        `COPY (SELECT * FROM (VALUES ('s1', 'ann@example.org', 'London'), ('s2', 'dan@example.org', 'Paris')) t(customer_no, email_address, city)) TO ${quoteLiteral(shop)} (FORMAT parquet)`,
      ),
    );
    instance.closeSync();
    files = { crm: write('crm_contacts.csv', CRM), consent: write('consent_records.csv', CONSENT), optins: write('newsletter_optins.csv', OPTINS), shop };
    out = path.join(dir, 'consent.config.yaml');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    logs = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logs.push(args.join(' ')));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes a starter config from --from files (repeated and listed after it)', async () => {
    // Consent file first: init still puts the profile sources first (priority order).
    const code = await runCli(['init', '--from', files.consent, '--from', files.crm, files.shop, files.optins, '--config', out]);
    expect(logs.join('\n')).toContain('wrote');
    expect(code).toBe(0);
    text = readFileSync(out, 'utf8');
    config = loadConfig(out);
    expect(config.sources.map((s) => [s.name, s.type, s.format])).toEqual([
      ['crm_contacts', 'profiles', 'csv'],
      ['shop_customers', 'profiles', 'parquet'],
      ['consent_records', 'consent', 'csv'],
      ['newsletter_optins', 'consent', 'csv'],
    ]);
  });

  it('guesses keys, primary keys and attributes of profile files', () => {
    const [crm, shop] = config.sources as ProfileSourceConfig[];
    expect(crm).toMatchObject({ primaryKey: 'Contact ID', keys: { email: 'E-Mail', phone: 'Mobile Phone' } });
    expect(crm!.attributes).toEqual({ first_name: 'First Name', last_name: 'Last Name', country: 'Country', _2nd_address_line: '2nd Address Line' });
    for (const name of Object.keys(crm!.attributes)) expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    expect(shop).toMatchObject({ primaryKey: 'customer_no', keys: { email: 'email_address' }, attributes: { city: 'city' } });
  });

  it('guesses consent columns, the dialect, the date format and a fixed purpose', () => {
    const [, , consent, optins] = config.sources as ConsentSourceConfig[];
    expect(consent).toMatchObject({
      primaryKey: 'consent_id',
      keys: { email: 'customer_email' },
      option: 'consent_option',
      value: 'consent_value',
      date: 'consent_date',
      dateFormat: '%d/%m/%Y',
      csv: { delimiter: ';' },
    });
    expect(optins).toMatchObject({ primaryKey: 'record_id', keys: { email: 'email' }, purpose: 'Newsletter', value: 'opted_in', date: 'updated_at' });
    expect(optins!.option).toBeUndefined();
  });

  it('declares the option values as purposes (case-insensitively once), with one segment and export each', () => {
    expect(config.purposes).toEqual({
      Newsletter: { regime: 'opt-in' },
      'Product updates': { regime: 'opt-in' },
      'Sale of data': { regime: 'opt-out' },
    });
    expect(config.segments.map((s) => [s.name, s.rule])).toEqual([
      ['newsletter', 'Consent option = Newsletter & Consent value = True'],
      ['product-updates', 'Consent option = Product updates & Consent value = True'],
      ['sale-of-data', 'Consent option = Sale of data & Consent value = True'],
    ]);
    expect(config.exports.map((e) => [e.name, e.segment, e.purpose, e.fields])).toEqual([
      ['newsletter-file', 'newsletter', 'Newsletter', ['customer_id', 'email', 'first_name']],
      ['product-updates-file', 'product-updates', 'Product updates', ['customer_id', 'email', 'first_name']],
      ['sale-of-data-file', 'sale-of-data', 'Sale of data', ['customer_id', 'email', 'first_name']],
    ]);
  });

  it('marks its guesses, references the schema and writes paths relative to the config', () => {
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=' + path.relative(dir, path.resolve(import.meta.dirname, '../../../schema/consent.config.schema.json')));
    expect(text).toContain('path: ./data/crm_contacts.csv');
    expect(text).toMatch(/primaryKey: Contact ID # guessed: primary key by its name/);
    expect(text).toMatch(/email: customer_email # guessed: email column by its name/);
    expect(text).toMatch(/purpose: Newsletter # guessed: no option column/);
    expect(text).toMatch(/primaryKey: consent_id # guessed: .*1 blank/);
    expect(text).toMatch(/Sale of data: \{ regime: opt-out \} # guessed: opt-out/);
    expect(text.match(/# guessed:/g)?.length).toBeGreaterThan(15);
  });

  it('passes `consent validate` (rejected rows allowed, no config or source errors)', async () => {
    const code = await runValidateCommand({ positionals: [], config: out, wait: false, json: false });
    expect(logs.join('\n')).not.toContain('error:');
    expect([0, 1]).toContain(code);
    expect(logs.join('\n')).toMatch(/consent_records: 5 rows read, 4 accepted, 1 rejected/);
  });

  it('refuses to overwrite an existing file (exit 2)', async () => {
    const before = readFileSync(out, 'utf8');
    expect(await runCli(['init', '--from', files.crm, '--config', out])).toBe(2);
    expect(logs.join('\n')).toContain('already exists');
    expect(readFileSync(out, 'utf8')).toBe(before);
  });

  it('needs files, and files that exist (exit 2)', async () => {
    const other = path.join(dir, 'other.yaml');
    expect(await runCli(['init', '--config', other])).toBe(2);
    expect(await runCli(['init', '--from', path.join(dir, 'missing.csv'), '--config', other])).toBe(2);
    expect(existsSync(other)).toBe(false);
  });

  it('writes ./consent.config.yaml by default and still validates a profiles-only start', async () => {
    const cwd = process.cwd();
    const work = mkdtempSync(path.join(os.tmpdir(), 'consent-init-cwd-'));
    try {
      process.chdir(work);
      expect(await runCli(['init', '--from', files.crm])).toBe(1); // written, with a warning: no consent source
      expect(logs.join('\n')).toContain('no consent source found');
      const written = loadConfig(path.join(work, 'consent.config.yaml'));
      expect(written.sources[0]!.path).toBe(files.crm);
      expect(readFileSync(path.join(work, 'consent.config.yaml'), 'utf8')).toContain(`path: ${path.relative(work, files.crm)}`);
      expect([0, 1]).toContain(await runValidateCommand({ positionals: [], config: path.join(work, 'consent.config.yaml'), wait: false, json: false }));
    } finally {
      process.chdir(cwd);
      rmSync(work, { recursive: true, force: true });
    }
  });
});
