/**
 * The `consent` CLI as a user runs it (the package bin, a real process): exit codes and output of
 * validate, profile, segments, exports and status on real files, and of refresh against the test's
 * Temporal dev server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { upsertSchedule } from '../../client/schedule.js';
import { workerIsPolling } from '../../client/worker-presence.js';
import { refreshLocally } from '../../core/pipeline/index.js';
import { loadConfig } from '../../core/config/load.js';
import { warehouseLayout } from '../../core/warehouse/index.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { EXAMPLES_DIR, exampleWorkspace, makeWorkspace, type Workspace } from '../support/workspace.js';
import { startRuntime, uniqueQueue } from '../support/temporal.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/consent.js');

function consent(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A `consent` process left running (e.g. `refresh --wait`), its output as it comes. */
function consentInBackground(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    output,
    exited,
    /** Resolves once stderr contains `text`; fails after `timeoutMs`, showing what stderr holds. */
    async stderrContains(text: string, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!output.stderr.includes(text)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${text}" in stderr after ${timeoutMs} ms:\n${output.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    /** Exit code within `timeoutMs`, else the process is killed and the test fails. */
    async exitCode(timeoutMs: number): Promise<number | null> {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
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

  it('validate: warns when rejected rows withdraw consent (an older grant still decides)', () => {
    const bad = makeWorkspace();
    cpSync(EXAMPLES_DIR, bad, { recursive: true, filter: (source) => !/[\\/](\.consent|exports)([\\/]|$)/.test(source) });
    writeFileSync(
      path.join(bad, 'data/consent.csv'),
      'consent_id,email,consent_option,consent_value,consent_date\n1,a@x.org,Newsletter,yes,2024-01-01\n2,a@x.org,Newsletter,no,31.12.2025\n',
    );
    const { code, stdout } = consent(['validate', '--config', path.join(bad, 'consent.config.yaml')], dir);
    expect(code).toBe(1);
    expect(stdout).toContain(
      [
        '  consent: 2 rows read, 1 accepted, 1 rejected; problems: invalid date ×1',
        '    WARNING: 1 rejected row withdraws consent (bad date or blank consent id): until the source is fixed, an older grant of those people still decides. See the rejects (consent validate).',
        '    row 2, consent_date: invalid date (not an ISO-8601 date or timestamp; this row withdraws consent: until it is fixed, an older grant of this person still decides)',
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

  it('validate: exit 2 naming the key when an export path is a file', () => {
    const bad = makeWorkspace();
    cpSync(EXAMPLES_DIR, bad, { recursive: true, filter: (source) => !/[\\/](\.consent|exports)([\\/]|$)/.test(source) });
    mkdirSync(path.join(bad, 'exports'));
    writeFileSync(path.join(bad, 'exports/newsletter'), 'not a folder');
    const { code, stderr } = consent(['validate', '--config', path.join(bad, 'consent.config.yaml')], dir);
    expect(code).toBe(2);
    expect(stderr).toContain(`exports[0].path: ${path.join(bad, 'exports/newsletter')} is a file, not a folder`);
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

  it('profile: exit 2 with the reason when the input is no email or phone (scientific notation, empty, no @ and no digits)', () => {
    const cases: [string[], string][] = [
      [['4.91511E+12'], '"4.91511E+12" is a number in scientific notation (a spreadsheet?): its digits are lost; look up the full phone number or an email'],
      [[''], 'the email or phone number to look up is empty'],
      [['   '], 'the email or phone number to look up is empty'],
      [['Frank', 'Lee'], 'neither an email (no @) nor a phone number (no digits): look up a customer by email or phone number'],
      [[], 'consent profile: which customer? give an email or phone number\nusage: consent profile <email|phone> [--config PATH]'],
    ];
    for (const [args, reason] of cases) {
      const { code, stdout, stderr } = consent(['profile', ...args], dir);
      expect({ args, code, stdout, stderr }).toEqual({ args, code: 2, stdout: '', stderr: `${reason}\n` });
    }
  });

  it('profile: lists consent records keyed by the looked-up phone, with or without its country code, that applied to no customer', async () => {
    const work = makeWorkspace();
    writeFileSync(path.join(work, 'crm.csv'), 'id,email,phone\nB1,bob@example.org,(212) 555-0002\nB1,bob.new@example.org,\n');
    writeFileSync(path.join(work, 'sms.csv'), 'consent_id,phone,option,value,date\nP1,+1 212 555 0002,Newsletter,no,2026-11-01\n');
    writeFileSync(
      path.join(work, 'consent.config.yaml'),
      [
        'warehouse: ./wh',
        'purposes: { Newsletter: { regime: opt-in } }',
        'sources:',
        '  - { name: crm, type: profiles, format: csv, path: crm.csv, primaryKey: id, keys: { email: email, phone: phone } }',
        '  - { name: sms, type: consent, format: csv, path: sms.csv, primaryKey: consent_id, keys: { phone: phone }, option: option, value: value, date: date }',
      ].join('\n') + '\n',
    );
    const configFile = path.join(work, 'consent.config.yaml');
    const refreshed = await refreshLocally(loadConfig(configFile), { runId: 'run-orphans' });
    expect(refreshed.unify).toMatchObject({ consentFacts: 1, orphanFacts: 1, orphanWithdrawals: 1 });
    const orphanLine = '  sms consent P1 (row 1): Newsletter DENIED dated 2026-11-01 00:00:00 — not applied: no customer';
    const byNumber = consent(['profile', '+1 212 555 0002', '--config', configFile], dir);
    expect(byNumber.code).toBe(1);
    expect(byNumber.stderr).toBe('no customer with that phone in run run-orphans\n');
    const heading = 'consent records keyed by this phone (with or without a country code) that applied to no customer (consent_orphans):';
    expect(byNumber.stdout).toBe(`${heading}\n${orphanLine}\n`);
    // Bob's own number finds him, and the withdrawal written with the country code (another key without
    // matching.phoneCountryCode) is shown after his profile rather than hidden.
    const byBob = consent(['profile', '(212) 555-0002', '--config', configFile], dir);
    expect(byBob.code).toBe(0);
    expect(byBob.stdout).toContain(`\n${heading}\n${orphanLine}\n`);
    expect(consent(['profile', 'bob@example.org', '--config', configFile], dir).stdout).not.toContain('consent_orphans');
    // The email of a later row repeating Bob's id finds him, and the record says where it comes from.
    const byNewEmail = consent(['profile', 'bob.new@example.org', '--config', configFile], dir);
    expect(byNewEmail.code).toBe(0);
    expect(byNewEmail.stdout).toContain('    crm:B1 (row 1) email=bob@example.org phone=2125550002 (also, from rows repeating its id: bob.new@example.org)\n');
  });

  it('status: the published run warns about its rejected withdrawals', async () => {
    const bad = makeWorkspace();
    cpSync(EXAMPLES_DIR, bad, { recursive: true, filter: (source) => !/[\\/](\.consent|exports)([\\/]|$)/.test(source) });
    writeFileSync(
      path.join(bad, 'data/consent.csv'),
      'consent_id,email,consent_option,consent_value,consent_date\n1,a@x.org,Newsletter,yes,2024-01-01\n2,a@x.org,Newsletter,no,31.12.2025\n3,b@x.org,Newsletter,no,\n',
    );
    const configFile = path.join(bad, 'consent.config.yaml');
    await refreshLocally(loadConfig(configFile), { runId: 'run-cli-rw' });
    const { code, stdout } = consent(['status', '--config', configFile], dir, { CONSENT_TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^current run: run-cli-rw \(published .*\)\n {2}consent: WARNING: 1 rejected row withdraws consent \(bad date or blank consent id\): until the source is fixed, an older grant of those people still decides\. See the rejects \(consent validate\)\.\n$/,
    );
  });

  it('status: with Temporal unreachable, the published run and a warning on stderr that the refreshes could not be read; exit 0', () => {
    const { code, stdout, stderr } = consent(['status'], dir, { CONSENT_TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^current run: run-cli-1 \(published .*\)\n$/);
    expect(stderr).toMatch(
      /^warning: recent and running refreshes could not be read from Temporal at 127\.0\.0\.1:1 \(only the published run, from the warehouse, is shown\): cannot reach the Temporal server at 127\.0\.0\.1:1 /,
    );
  });
});

describe('consent refresh on the Temporal dev server', () => {
  /** The workflow `consent refresh` starts when the config has no schedule (client/refresh-now.ts). */
  const manualWorkflowId = (workspace: Workspace) => `${workspace.config.schedule.id}-manual`;

  async function withClient<T>(workspace: Workspace, work: (client: Client) => Promise<T>): Promise<T> {
    const connection = await Connection.connect({ address: workspace.config.temporal.address });
    try {
      return await work(new Client({ connection, namespace: workspace.config.temporal.namespace }));
    } finally {
      await connection.close();
    }
  }

  it('refresh (with or without --wait) and schedule create/trigger reject a config validate rejects: exit 2, the same message, no refresh started', async () => {
    const workspace = exampleWorkspace(inject('temporalAddress'), uniqueQueue('cli-bad-config'), {
      segments: [{ name: 'newsletter', rule: 'Consent option = Newsletter & Colour = blue' }],
      exports: [],
    });
    const validate = consent(['validate', '--config', workspace.configFile], workspace.dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('config error: segment "newsletter", rule position 31: unknown attribute "Colour"');
    for (const args of [['refresh'], ['refresh', '--wait'], ['schedule', 'create'], ['schedule', 'trigger']]) {
      const refresh = consent([...args, '--config', workspace.configFile], workspace.dir);
      expect({ args, code: refresh.code, stderr: refresh.stderr }).toEqual({ args, code: 2, stderr: validate.stderr });
    }
    const started = await withClient(workspace, (client) => client.workflow.getHandle(manualWorkflowId(workspace)).describe().catch((error: unknown) => error));
    expect(started).toBeInstanceOf(WorkflowNotFoundError);
    const schedule = await withClient(workspace, (client) => client.schedule.getHandle(workspace.config.schedule.id).describe().catch((error: unknown) => error));
    expect(schedule).toBeInstanceOf(ScheduleNotFoundError);
  });

  describe('refresh --wait without a live worker', () => {
    let workspace: Workspace;
    const running: { kill(): void }[] = [];

    beforeAll(() => {
      workspace = exampleWorkspace(inject('temporalAddress'), uniqueQueue('cli-no-worker'));
    });
    afterAll(async () => {
      for (const process of running) process.kill();
      await withClient(workspace, async (client) => {
        await client.schedule.getHandle(workspace.config.schedule.id).delete().catch(() => undefined);
        for await (const execution of client.workflow.list({ query: `TaskQueue = '${workspace.config.temporal.taskQueue}' AND ExecutionStatus = 'Running'` })) {
          await client.workflow.getHandle(execution.workflowId, execution.runId).terminate('test cleanup');
        }
      });
    });

    it('no worker ever polled: says so at once, keeps waiting, and finishes once a worker starts', async () => {
      const refresh = consentInBackground(['refresh', '--wait', '--config', workspace.configFile], workspace.dir);
      running.push(refresh);
      await refresh.stderrContains(`warning: no worker is polling task queue "${workspace.config.temporal.taskQueue}": the refresh waits until one starts`, 15_000);
      const runtime = await startRuntime(workspace.config);
      try {
        expect(await refresh.exitCode(60_000)).toBe(0);
        expect(refresh.output.stdout).toMatch(/^Refresh run-\S+ \(manual\) published at /);
        // The schedule `npm start` would have left behind, for the next test.
        await upsertSchedule(runtime.client, workspace.config);
      } finally {
        await runtime.stop();
      }
    });

    it('the worker stopped (the server still lists its poller): says within seconds that no worker picked the refresh up, also when queued behind a stuck refresh', async () => {
      // The situation after `npm start -- --once`: a schedule, and a poller the server remembers for minutes.
      expect(await withClient(workspace, (client) => workerIsPolling(client, workspace.config))).toBe(true);
      // A refresh started now waits for a worker; a second press with --wait is queued behind it.
      const first = consent(['refresh', '--config', workspace.configFile], workspace.dir);
      expect(first.code).toBe(0);
      expect(first.stderr).not.toContain('warning');
      const refresh = consentInBackground(['refresh', '--wait', '--config', workspace.configFile], workspace.dir, { CONSENT_PICKUP_WARNING_MS: '1000' });
      running.push(refresh);
      await refresh.stderrContains('one follow-up refresh is queued to start when it ends; waiting for it', 15_000);
      await refresh.stderrContains(
        `warning: no worker has picked up the refresh after 1 s; is a worker running for task queue "${workspace.config.temporal.taskQueue}" with this config? ` +
          'The refresh waits until one starts (`npm start` runs one and stays up; `npm run worker -- --config PATH` runs just the worker)',
        15_000,
      );
      expect(refresh.output.stderr.match(/warning/g)).toHaveLength(1);
      // It keeps waiting: a worker runs the stuck refresh, then the follow-up it waited for.
      const runtime = await startRuntime(workspace.config);
      try {
        expect(await refresh.exitCode(60_000)).toBe(0);
        expect(refresh.output.stderr).toMatch(/refresh started: workflow /);
        expect(refresh.output.stdout).toMatch(/^Refresh run-\S+ \(manual\) published at /);
      } finally {
        await runtime.stop();
      }
    });
  });
});
