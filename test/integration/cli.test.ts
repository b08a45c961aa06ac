/**
 * The `consent` CLI as a user runs it (the package bin, a real process): exit codes and output of
 * validate, profile, segments and exports on real files.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { refreshLocally } from '../../core/pipeline/index.js';
import { loadConfig } from '../../core/config/load.js';
import { warehouseLayout } from '../../core/warehouse/index.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { EXAMPLES_DIR, makeWorkspace } from '../support/workspace.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/consent.js');

function consent(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('consent CLI', () => {
  let dir: string;

  beforeAll(async () => {
    dir = makeWorkspace();
    cpSync(EXAMPLES_DIR, dir, { recursive: true, filter: (source) => !/[\\/](\.consent|exports)([\\/]|$)/.test(source) });
    await refreshLocally(loadConfig(path.join(dir, 'consent.config.yaml')), { runId: 'run-cli-1' });
  });

  it('validate: exit 0 on the clean example, with rows per source', () => {
    const { code, stdout } = consent(['validate'], dir);
    expect(code).toBe(0);
    expect(stdout).toContain('crm: 2 rows read, 2 accepted, 0 rejected');
    expect(stdout).toContain('consent: 4 rows read, 4 accepted, 0 rejected');
  });

  it('validate: exit 1 when rows are rejected, with the top reasons', () => {
    const bad = makeWorkspace();
    cpSync(EXAMPLES_DIR, bad, { recursive: true, filter: (source) => !/[\\/](\.consent|exports)([\\/]|$)/.test(source) });
    writeFileSync(
      path.join(bad, 'data/consent.csv'),
      'consent_id,email,consent_option,consent_value,consent_date\n1,a@x.org,Newsletter,maybe,2024-01-01\n2,b@x.org,Postcards,yes,2024-01-01\n3,c@x.org,Newsletter,yes,2024-13-45\n',
    );
    const { code, stdout } = consent(['validate', '--config', path.join(bad, 'consent.config.yaml')], dir);
    expect(code).toBe(1);
    expect(stdout).toContain('consent: 3 rows read, 0 accepted, 3 rejected');
    expect(stdout).toMatch(/invalid consent value ×1/);
    expect(stdout).toMatch(/undeclared purpose ×1/);
    expect(stdout).toMatch(/invalid date ×1/);
    // The rejected rows themselves, in row order, without their values.
    expect(stdout).toContain(
      [
        '    row 1, consent_value: invalid consent value (not a recognised consent value)',
        '    row 2, consent_option: undeclared purpose (not a purpose declared in the config)',
        '    row 3, consent_date: invalid date (not an ISO-8601 date or timestamp)',
      ].join('\n'),
    );
    expect(stdout).not.toContain('maybe');
    expect(stdout).toContain('consent validate --rejects FILE.csv');

    const rejectsFile = path.join(bad, 'rejects.csv');
    const withFile = consent(['validate', '--config', path.join(bad, 'consent.config.yaml'), '--rejects', rejectsFile], dir);
    expect(withFile.code).toBe(1);
    expect(withFile.stdout).toContain(`3 rejected rows written to ${rejectsFile}`);
    expect(readFileSync(rejectsFile, 'utf8')).toBe(
      [
        'source,row_no,column_name,reason,detail,value',
        'consent,1,consent_value,invalid consent value,not a recognised consent value,maybe',
        'consent,2,consent_option,undeclared purpose,not a purpose declared in the config,Postcards',
        'consent,3,consent_date,invalid date,not an ISO-8601 date or timestamp,2024-13-45',
        '',
      ].join('\n'),
    );
  });

  it('validate: lists at most five rejected rows per source and says how many more', () => {
    const bad = makeWorkspace();
    cpSync(EXAMPLES_DIR, bad, { recursive: true, filter: (source) => !/[\\/](\.consent|exports)([\\/]|$)/.test(source) });
    const rows = Array.from({ length: 8 }, (_, i) => `${i + 1},p${i}@x.org,Newsletter,maybe,2024-01-01`);
    writeFileSync(path.join(bad, 'data/consent.csv'), `consent_id,email,consent_option,consent_value,consent_date\n${rows.join('\n')}\n`);
    const { code, stdout } = consent(['validate', '--config', path.join(bad, 'consent.config.yaml')], dir);
    expect(code).toBe(1);
    expect(stdout.match(/^ {4}row \d+, consent_value: invalid consent value/gm)).toHaveLength(5);
    expect(stdout).toContain('    row 5, consent_value: invalid consent value (not a recognised consent value)\n    … 3 more\n');
  });

  it('validate: exit 2 naming the key path of a bad config', () => {
    const bad = makeWorkspace();
    writeFileSync(path.join(bad, 'c.yaml'), 'purposes: { Newsletter: { regime: opt-in } }\nsources:\n  - { name: crm, type: profiles, format: xls, path: a.csv, primaryKey: id, keys: { email: e } }\n');
    const { code, stderr } = consent(['validate', '--config', path.join(bad, 'c.yaml')], dir);
    expect(code).toBe(2);
    expect(stderr).toContain('sources[0].format');
  });

  it('validate: exit 2 naming source, file and column when a mapped column is missing', () => {
    const bad = makeWorkspace();
    cpSync(EXAMPLES_DIR, bad, { recursive: true, filter: (source) => !/[\\/](\.consent|exports)([\\/]|$)/.test(source) });
    writeFileSync(path.join(bad, 'data/consent.csv'), 'consent_id,mail,consent_option,consent_value,consent_date\n');
    const { code, stderr } = consent(['validate', '--config', path.join(bad, 'consent.config.yaml')], dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/source "consent" \(.*consent\.csv\).*column "email"/);
  });

  it('profile: the unified profile with effective consent and its lineage', () => {
    const { code, stdout } = consent(['profile', '  Frank@Contoso.com '], dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Newsletter: granted — decided by consent consent 3 dated 2024-05-02 \(no time of day: ties with any time that day\);/);
    expect(stdout).toMatch(/Product updates: denied — decided by consent consent 4 dated 2024-05-02/);
    expect(stdout).toMatch(/Sale of data: granted — decided by default/);
    expect(stdout).toContain('crm:C-002');
    expect(stdout).toMatch(/newsletter-file \(purpose Newsletter, added\) run run-cli-1 — consent consent 3/);
  });

  it('profile: finds a customer by phone in any format; exit 1 for nobody', () => {
    expect(consent(['profile', '(1) 425-555-0101'], dir).stdout).toContain('first_name: Holly');
    const missing = consent(['profile', 'nobody@nowhere.org'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no customer with that email');
  });

  it('profile: a key several customers hold lists each customer with only their own deliveries', async () => {
    const shared = makeWorkspace();
    cpSync(EXAMPLES_DIR, shared, { recursive: true, filter: (source) => !/[\\/](\.consent|exports)([\\/]|$)/.test(source) });
    // A placeholder phone on both people: never merged, but `consent profile 0000000000` finds both.
    writeFileSync(
      path.join(shared, 'data/crm_contacts.csv'),
      'contact_id,first_name,last_name,email,phone,country\nC-001,Holly,Dickson,holly@contoso.com,0000000000,US\nC-002,Frank,Lee,frank@contoso.com,0000000000,US\n',
    );
    const configFile = path.join(shared, 'consent.config.yaml');
    writeFileSync(
      configFile,
      readFileSync(configFile, 'utf8') +
        '  - name: everyone-internal\n    segment: product-updates\n    purpose: none\n    format: csv\n    path: ./exports/internal\n    fields: [customer_id]\n',
    );
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('rule: "Consent option = Product updates & Consent value = True"', 'rule: "country = US"'));
    await refreshLocally(loadConfig(configFile), { runId: 'run-shared' });
    const { code, stdout } = consent(['profile', '000-000-0000', '--config', configFile], shared);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('2 customers hold this phone: a placeholder value, which merges no records and carries no consent');
    const blocks = stdout.split(/^customer /m).slice(1);
    expect(blocks).toHaveLength(2);
    const holly = blocks.find((b) => b.includes('first_name: Holly'))!;
    const frank = blocks.find((b) => b.includes('first_name: Frank'))!;
    const deliveryLines = (block: string) => block.split('last deliveries and removals:\n')[1]!.trimEnd().split('\n').map((line) => line.replace(/^\s+\S+ \S+ /, ''));
    expect(deliveryLines(holly)).toEqual([
      'everyone-internal (purpose none, added) run run-shared — internal export (purpose none): no consent check',
      'product-updates-file (purpose Product updates, added) run run-shared — consent consent 2 dated 2024-05-01 00:00:00',
    ]);
    expect(deliveryLines(frank)).toEqual([
      'everyone-internal (purpose none, added) run run-shared — internal export (purpose none): no consent check',
      'newsletter-file (purpose Newsletter, added) run run-shared — consent consent 3 dated 2024-05-02 00:00:00',
    ]);
  });

  it('profile: a withdrawal shows as a removal from the export, citing the withdrawal', async () => {
    const dir = makeWorkspace();
    cpSync(EXAMPLES_DIR, dir, { recursive: true, filter: (source) => !/[\\/](\.consent|exports)([\\/]|$)/.test(source) });
    const configFile = path.join(dir, 'consent.config.yaml');
    await refreshLocally(loadConfig(configFile), { runId: 'run-before', runStartedAt: new Date('2024-06-01T00:00:00Z') });
    writeFileSync(path.join(dir, 'data/consent.csv'), `${readFileSync(path.join(dir, 'data/consent.csv'), 'utf8').trimEnd()}\n99,frank@contoso.com,Newsletter,False,2024-05-20\n`);
    await refreshLocally(loadConfig(configFile), { runId: 'run-after', runStartedAt: new Date('2024-06-02T00:00:00Z') });
    const { code, stdout } = consent(['profile', 'frank@contoso.com', '--config', configFile], dir);
    expect(code).toBe(0);
    const lines = stdout.split('last deliveries and removals:\n')[1]!.trimEnd().split('\n').map((line) => line.replace(/^\s+\S+ \S+ /, ''));
    expect(lines).toEqual([
      'newsletter-file (purpose Newsletter, removed) run run-after — withdrawn: consent consent 99 dated 2024-05-20 00:00:00',
      'newsletter-file (purpose Newsletter, added) run run-before — consent consent 3 dated 2024-05-02 00:00:00',
    ]);
  });

  it('profile: reads a run published before profile_records was a view with rid', async () => {
    const old = makeWorkspace();
    cpSync(EXAMPLES_DIR, old, { recursive: true, filter: (source) => !/[\\/](\.consent|exports)([\\/]|$)/.test(source) });
    const config = loadConfig(path.join(old, 'consent.config.yaml'));
    const { runId } = await refreshLocally(config, { runId: 'run-old-layout' });
    // The layout of earlier releases: profile_records a table, without rid.
    const instance = await DuckDBInstance.create(warehouseLayout(config.warehouse).runDatabase(runId));
    const connection = await instance.connect();
    await connection.run('CREATE TABLE profile_records_old AS SELECT * EXCLUDE (rid) FROM profile_records');
    await connection.run('DROP VIEW profile_records');
    await connection.run('ALTER TABLE profile_records_old RENAME TO profile_records');
    connection.closeSync();
    instance.closeSync();
    const { code, stdout } = consent(['profile', 'frank@contoso.com', '--json', '--config', path.join(old, 'consent.config.yaml')], old);
    expect(code).toBe(0);
    const [profile] = (JSON.parse(stdout) as { profiles: { records: Record<string, unknown>[] }[] }).profiles;
    expect(profile!.records.map((record) => [record['source'], record['record_id'], 'rid' in record])).toEqual([['crm', 'C-002', false]]);
  });

  it('segments and exports: sizes, changes, rows written and held back', () => {
    const segments = consent(['segments'], dir);
    expect(segments.code).toBe(0);
    expect(segments.stdout).toContain('newsletter: 1 members (+1 −0 since the run before)');
    const exports = consent(['exports'], dir);
    expect(exports.code).toBe(0);
    expect(exports.stdout).toMatch(/last run run-cli-1 at .*: 1 rows written, 0 held back by the consent guard/);
  });

  it('npm start checks rules and export fields before touching Temporal: exit 2 naming the segment', () => {
    const bad = makeWorkspace();
    cpSync(EXAMPLES_DIR, bad, { recursive: true, filter: (source) => !/[\\/](\.consent|exports)([\\/]|$)/.test(source) });
    const configFile = path.join(bad, 'consent.config.yaml');
    writeFileSync(
      configFile,
      readFileSync(configFile, 'utf8')
        .replace('rule: "Consent option = Newsletter & Consent value = True"', 'rule: "(Consent option = Newsletter & & Consent value = True"')
        .replace('address: localhost:7233', 'address: localhost:1'), // nothing listens there: a Temporal call would fail differently
    );
    const start = path.resolve(import.meta.dirname, '../../client/start.ts');
    const tsx = path.resolve(import.meta.dirname, '../../node_modules/tsx/dist/cli.mjs');
    const result = spawnSync(process.execPath, [tsx, start, '--once', '--config', configFile], { cwd: bad, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('segment "newsletter", rule position 32: expected a condition');
    expect(existsSync(path.join(bad, '.consent'))).toBe(false);
  });

  it('bad usage exits 2', () => {
    expect(consent(['frobnicate'], dir).code).toBe(2);
    expect(consent(['profile'], dir).code).toBe(2);
  });
});
