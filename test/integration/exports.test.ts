/**
 * Exports on real DuckDB files through the same core functions the activities run: the consent guard,
 * manifests and checksums, deltas across two refreshes with a withdrawal, spreadsheet-safe CSV,
 * contained paths, identical files when an export is re-run for the same run.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lastDeliveries, runExport } from '../../core/exports/index.js';
import { ConfigError } from '../../core/errors.js';
import { queryRows } from '../../core/db/connection.js';
import { refreshLocally, type LocalRefreshResult } from '../../core/pipeline/index.js';
import { openPublishedRun, RunDatabases, warehouseLayout } from '../../core/warehouse/index.js';
import { makeWorkspace, writeWorkspaceConfig, type Workspace } from '../support/workspace.js';

const PROFILES = `id,email,first_name,country
1,ann@example.org,Ann,DE
2,bob@example.org,Bob,DE
3,cid@example.org,Cid,DE
4,dan@example.org,=HYPERLINK("http://x"),DE
5,eve@example.org,@Eve,FR
`;
const CONSENT_RUN_1 = `consent_id,email,option,value,date
c1,ann@example.org,Newsletter,yes,2024-01-01
c2,bob@example.org,Newsletter,yes,2024-01-01
c4,dan@example.org,Newsletter,yes,2024-01-01
c5,eve@example.org,Newsletter,yes,2024-01-01
`;
// Run 2: Bob withdraws (a later record), Cid grants.
const CONSENT_RUN_2 = `${CONSENT_RUN_1}c6,bob@example.org,Newsletter,withdrawn,2024-03-01
c7,cid@example.org,Newsletter,opt-in,2024-03-02
`;

function config(dir: string): Workspace {
  return writeWorkspaceConfig(dir, {
    warehouse: './wh',
    purposes: { Newsletter: { regime: 'opt-in' } },
    sources: [
      { name: 'crm', type: 'profiles', format: 'csv', path: 'profiles.csv', primaryKey: 'id', keys: { email: 'email' }, attributes: { first_name: 'first_name', country: 'country' } },
      { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'consent_id', keys: { email: 'email' }, option: 'option', value: 'value', date: 'date' },
    ],
    segments: [
      { name: 'news', rule: 'Consent option = Newsletter & Consent value = True' },
      { name: 'germany', rule: 'country = DE' },
    ],
    exports: [
      { name: 'news-file', segment: 'news', purpose: 'Newsletter', path: 'out/news', fields: ['customer_id', 'email', 'first_name'] },
      { name: 'de-marketing', segment: 'germany', purpose: 'Newsletter', path: 'out/de', fields: ['email', 'first_name', 'consent:Newsletter'] },
      { name: 'de-internal', segment: 'germany', purpose: 'none', path: 'out/de-internal', fields: ['email'], format: 'jsonl' },
      { name: 'news-parquet', segment: 'news', purpose: 'Newsletter', path: 'out/news-parquet', fields: ['email'], format: 'parquet' },
    ],
  });
}

const csvColumn = (file: string, column: number) =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[column]);

describe('exports across two refreshes', () => {
  let workspace: Workspace;
  let run1: LocalRefreshResult;
  let run2: LocalRefreshResult;
  let latestAfterRun1: string;

  beforeAll(async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'profiles.csv'), PROFILES);
    writeFileSync(path.join(dir, 'consent.csv'), CONSENT_RUN_1);
    workspace = config(dir);
    run1 = await refreshLocally(workspace.config, { runId: 'run-1', runStartedAt: new Date('2024-04-01T00:00:00Z') });
    latestAfterRun1 = readFileSync(path.join(dir, 'out/news/news-file.csv'), 'utf8');
    writeFileSync(path.join(dir, 'consent.csv'), CONSENT_RUN_2);
    run2 = await refreshLocally(workspace.config, { runId: 'run-2', runStartedAt: new Date('2024-04-02T00:00:00Z') });
  });

  it('run 1: the guard holds back customers without Newsletter consent whatever the segment rule says', () => {
    const de = run1.exports.find((e) => e.export === 'de-marketing')!;
    expect(de).toMatchObject({ segmentMembers: 4, rowsWritten: 3, heldBack: 1 });
    const internal = run1.exports.find((e) => e.export === 'de-internal')!;
    expect(internal).toMatchObject({ segmentMembers: 4, rowsWritten: 4, heldBack: 0, purpose: 'none' });
    expect(latestAfterRun1).not.toContain('bob@'.replace('bob', 'cid'));
  });

  it('run 1: everyone is added, so each added file is the full file byte for byte, and its manifest entry says so', () => {
    for (const [folder, name, ext] of [['news', 'news-file', 'csv'], ['news-parquet', 'news-parquet', 'parquet']] as const) {
      const runDir = path.join(workspace.dir, `out/${folder}/runs/run-1`);
      const full = readFileSync(path.join(runDir, `${name}.${ext}`));
      expect(readFileSync(path.join(runDir, `${name}.added.${ext}`)).equals(full)).toBe(true);
      const manifest = JSON.parse(readFileSync(path.join(runDir, `${name}.manifest.json`), 'utf8'));
      const [fullEntry, addedEntry] = manifest.files;
      expect(addedEntry).toEqual({ ...fullEntry, kind: 'added', path: `runs/run-1/${name}.added.${ext}` });
      expect(manifest).toMatchObject({ added: fullEntry.rows, removed: 0 });
    }
  });

  it('run 2: Bob, who withdrew, is in no consent-guarded file; Cid, who granted, is', () => {
    const dir = workspace.dir;
    expect(csvColumn(path.join(dir, 'out/news/news-file.csv'), 1).sort()).toEqual(['ann@example.org', 'cid@example.org', 'dan@example.org', 'eve@example.org']);
    expect(csvColumn(path.join(dir, 'out/de/de-marketing.csv'), 0).sort()).toEqual(['ann@example.org', 'cid@example.org', 'dan@example.org']);
    const internal = readFileSync(path.join(dir, 'out/de-internal/de-internal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).email);
    expect(internal.sort()).toEqual(['ann@example.org', 'bob@example.org', 'cid@example.org', 'dan@example.org']);
  });

  it('run 2: delta files name who was added and who was removed since run 1', () => {
    const runDir = path.join(workspace.dir, 'out/news/runs/run-2');
    expect(csvColumn(path.join(runDir, 'news-file.added.csv'), 1)).toEqual(['cid@example.org']);
    expect(csvColumn(path.join(runDir, 'news-file.removed.csv'), 1)).toEqual(['bob@example.org']);
    expect(run2.exports.find((e) => e.export === 'news-file')).toMatchObject({ added: 1, removed: 1, rowsWritten: 4 });
    expect(run2.segments.find((s) => s.segment === 'news')).toMatchObject({ members: 4, added: 1, removed: 1, unchanged: 3 });
  });

  it('run 2: measures withdrawal latency from the withdrawal date to the export run that removed Bob', () => {
    // Withdrawn 2024-03-01T00:00Z, removed by the run of 2024-04-02T00:00Z: 32 days.
    expect(run2.exports.find((e) => e.export === 'news-file')).toMatchObject({ withdrawals: 1, withdrawalLatencyMaxHours: 768, withdrawalLatencyMedianHours: 768 });
    expect(run1.exports.find((e) => e.export === 'news-file')).toMatchObject({ withdrawals: 0, withdrawalLatencyMaxHours: null });
  });

  it('keeps an audit of every delivery with its consent record, and of every removal with the withdrawal, beyond run retention', async () => {
    const layout = warehouseLayout(workspace.config.warehouse);
    const instance = await openPublishedRun(layout, 'run-2');
    const connection = await instance.connect();
    const [bob] = await queryRows<{ customer_id: string }>(connection, { sql: "SELECT customer_id FROM customer_keys WHERE key_value = 'bob@example.org'" });
    connection.closeSync();
    instance.closeSync();
    const deliveries = await lastDeliveries(layout, bob!.customer_id);
    expect(deliveries.map((d) => [d.run_id, d.export, d.change, d.withdrawn, d.consent_source, d.consent_id])).toEqual([
      ['run-1', 'de-internal', 'added', null, null, null],
      ['run-1', 'de-marketing', 'added', null, 'consent', 'c2'],
      ['run-1', 'news-file', 'added', null, 'consent', 'c2'],
      ['run-1', 'news-parquet', 'added', null, 'consent', 'c2'],
      ['run-2', 'de-internal', 'kept', null, null, null],
      // Bob withdrew (c6): removed from every Newsletter-guarded export, still in the internal one.
      ['run-2', 'de-marketing', 'removed', true, 'consent', 'c6'],
      ['run-2', 'news-file', 'removed', true, 'consent', 'c6'],
      ['run-2', 'news-parquet', 'removed', true, 'consent', 'c6'],
    ].sort((a, b) => (a[0]! < b[0]! ? 1 : a[0]! > b[0]! ? -1 : String(a[1]).localeCompare(String(b[1])))));
  });

  it('neutralises spreadsheet formulas in CSV cells', () => {
    const text = readFileSync(path.join(workspace.dir, 'out/news/news-file.csv'), 'utf8');
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(text).toContain(",'@Eve\n");
    expect(text).not.toMatch(/,=HYPERLINK/);
  });

  it('writes manifests whose checksums and row counts match the files', () => {
    for (const folder of ['out/news', 'out/de', 'out/de-internal', 'out/news-parquet']) {
      const dir = path.join(workspace.dir, folder);
      const name = path.basename(folder === 'out/de' ? 'de-marketing' : folder === 'out/news' ? 'news-file' : folder === 'out/de-internal' ? 'de-internal' : 'news-parquet');
      const manifest = JSON.parse(readFileSync(path.join(dir, `${name}.manifest.json`), 'utf8'));
      expect(manifest.runId).toBe('run-2');
      expect(manifest.createdAt).toBe('2024-04-02T00:00:00.000Z');
      expect(manifest.files.map((f: { kind: string }) => f.kind)).toEqual(['full', 'added', 'removed']);
      for (const file of manifest.files) {
        const bytes = readFileSync(path.join(dir, file.path));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
        expect(bytes.length).toBe(file.bytes);
      }
      expect(manifest.files[0].rows).toBe(manifest.rowCount);
    }
  });

  it('re-running an export for the same run gives byte-identical files', async () => {
    const runDir = path.join(workspace.dir, 'out/news/runs/run-2');
    const before = ['news-file.csv', 'news-file.added.csv', 'news-file.removed.csv', 'news-file.manifest.json'].map((f) => readFileSync(path.join(runDir, f), 'utf8'));
    // Run 2 is published and closed: rebuild its export as a retried activity would (read-write on a copy-free reopen).
    const databases = new RunDatabases(warehouseLayout(workspace.config.warehouse), {});
    await databases.run('run-2', 'run-1').withConnection((c) => runExport(c, workspace.config, 0, { runId: 'run-2', runStartedAt: new Date('2024-04-02T00:00:00Z') }));
    await databases.closeAll();
    const after = ['news-file.csv', 'news-file.added.csv', 'news-file.removed.csv', 'news-file.manifest.json'].map((f) => readFileSync(path.join(runDir, f), 'utf8'));
    expect(after).toEqual(before);
  });
});

describe('export paths', () => {
  it('refuses to write through a symbolic link inside the export folder', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'profiles.csv'), PROFILES);
    writeFileSync(path.join(dir, 'consent.csv'), CONSENT_RUN_1);
    const workspace = config(dir);
    const outside = makeWorkspace('consent-outside-');
    mkdirSync(path.join(dir, 'out/news'), { recursive: true });
    symlinkSync(outside, path.join(dir, 'out/news/runs'));
    await expect(refreshLocally(workspace.config, { runId: 'run-1' })).rejects.toThrow(/is a symbolic link; refusing to write through it/);
    expect(() => readFileSync(path.join(dir, 'wh/current.json'))).toThrow();
  });

  it('an export path that is a file fails at once, naming the export (nothing published)', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'profiles.csv'), PROFILES);
    writeFileSync(path.join(dir, 'consent.csv'), CONSENT_RUN_1);
    const workspace = config(dir);
    mkdirSync(path.join(dir, 'out'), { recursive: true });
    writeFileSync(path.join(dir, 'out/news'), 'not a folder');
    const error = await refreshLocally(workspace.config, { runId: 'run-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(`exports: export "news-file": its path ${path.join(dir, 'out/news')} (or a folder above it) is a file, not a folder`);
    expect(readFileSync(path.join(dir, 'out/news'), 'utf8')).toBe('not a folder');
    expect(() => readFileSync(path.join(dir, 'wh/current.json'))).toThrow();
  });

  it('a folder where the latest file goes fails the run in the export stage: the published run and its files stay', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'profiles.csv'), PROFILES);
    writeFileSync(path.join(dir, 'consent.csv'), CONSENT_RUN_1);
    const workspace = config(dir);
    await refreshLocally(workspace.config, { runId: 'run-1' });
    const manifest = readFileSync(path.join(dir, 'out/news/news-file.manifest.json'), 'utf8');
    const current = readFileSync(path.join(dir, 'wh/current.json'), 'utf8');
    rmSync(path.join(dir, 'out/news/news-file.csv'));
    mkdirSync(path.join(dir, 'out/news/news-file.csv'));
    const error = await refreshLocally(workspace.config, { runId: 'run-2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `exports: export "news-file": ${path.join(dir, 'out/news/news-file.csv')} is a folder where the export writes a file; move it away`,
    );
    expect(readFileSync(path.join(dir, 'wh/current.json'), 'utf8')).toBe(current);
    expect(readFileSync(path.join(dir, 'out/news/news-file.manifest.json'), 'utf8')).toBe(manifest);
    // A file where the run folders go: named too, at once.
    rmSync(path.join(dir, 'out/news/news-file.csv'), { recursive: true });
    rmSync(path.join(dir, 'out/news/runs'), { recursive: true });
    writeFileSync(path.join(dir, 'out/news/runs'), 'not a folder');
    const runsError = await refreshLocally(workspace.config, { runId: 'run-3' }).catch((e: unknown) => e);
    expect(runsError).toBeInstanceOf(ConfigError);
    expect((runsError as Error).message).toBe(`exports: export "news-file": ${path.join(dir, 'out/news/runs')} is a file where the export keeps its run folders; move it away`);
    expect(readFileSync(path.join(dir, 'wh/current.json'), 'utf8')).toBe(current);
  });

  it('rejects export names that would escape their folder', async () => {
    const dir = makeWorkspace();
    expect(() =>
      writeWorkspaceConfig(dir, {
        purposes: { Newsletter: { regime: 'opt-in' } },
        sources: [{ name: 'crm', type: 'profiles', format: 'csv', path: 'p.csv', primaryKey: 'id', keys: { email: 'email' } }],
        segments: [{ name: 's', rule: 'email is not empty' }],
        exports: [{ name: '../../etc/x', segment: 's', purpose: 'none', path: 'out', fields: ['email'] }],
      }),
    ).toThrow(/exports\[0\]\.name/);
  });
});

describe('empty-snapshot guard', () => {
  it('refuses to publish a consent source that suddenly has no usable rows, unless allowEmpty', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'profiles.csv'), PROFILES);
    writeFileSync(path.join(dir, 'consent.csv'), CONSENT_RUN_1);
    const workspace = config(dir);
    await refreshLocally(workspace.config, { runId: 'run-1' });
    writeFileSync(path.join(dir, 'consent.csv'), 'consent_id,email,option,value,date\n');
    await expect(refreshLocally(workspace.config, { runId: 'run-2' })).rejects.toThrow(
      /source "consent" \(.*consent\.csv\): no usable rows, but the previous published run had 4; refusing to publish/,
    );
    expect(JSON.parse(readFileSync(path.join(dir, 'wh/current.json'), 'utf8')).runId).toBe('run-1');
    const allowing = writeWorkspaceConfig(dir, {
      ...(await import('yaml')).parse(readFileSync(workspace.configFile, 'utf8')),
      sources: workspace.config.sources.map((s) => ({ ...s, path: path.basename(s.path), allowEmpty: true })),
    });
    const result = await refreshLocally(allowing.config, { runId: 'run-3' });
    expect(result.exports.find((e) => e.export === 'news-file')).toMatchObject({ rowsWritten: 0, removed: 4 });
  });
});

describe('a source none of whose rows could be read', () => {
  it('fails the first run too (every option unknown: another export layout or language): nothing is published', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'profiles.csv'), PROFILES);
    writeFileSync(path.join(dir, 'consent.csv'), 'consent_id,email,option,value,date\nc1,ann@example.org,Infolettre,non,2024-01-01\nc2,bob@example.org,Infolettre,non,2024-01-01\n');
    const workspace = config(dir);
    await expect(refreshLocally(workspace.config, { runId: 'run-1' })).rejects.toThrow(
      /^source "consent" \(.*consent\.csv\): all 2 rows were rejected \(mostly: invalid consent value\); refusing to publish a source none of whose rows could be read as meant/,
    );
    expect(() => readFileSync(path.join(dir, 'wh/current.json'))).toThrow();
  });
});

describe('built-in customer fields in exports', () => {
  it('writes record_count and source_records, which the config accepts, in every format', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'crm.csv'), 'id,email\n1,ann@example.org\n2,bob@example.org\n');
    writeFileSync(path.join(dir, 'shop.csv'), 'id,email\n9,ANN@example.org\n');
    writeFileSync(path.join(dir, 'consent.csv'), 'consent_id,email,option,value\nc1,ann@example.org,Newsletter,yes\nc2,bob@example.org,Newsletter,yes\n');
    const workspace = writeWorkspaceConfig(dir, {
      warehouse: './wh',
      purposes: { Newsletter: { regime: 'opt-in' } },
      sources: [
        { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email' } },
        { name: 'shop', type: 'profiles', format: 'csv', path: 'shop.csv', primaryKey: 'id', keys: { email: 'email' } },
        { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'consent_id', keys: { email: 'email' }, option: 'option', value: 'value' },
      ],
      segments: [{ name: 'news', rule: 'Consent option = Newsletter & Consent value = True' }],
      exports: ['csv', 'jsonl', 'parquet'].map((format) => ({
        name: `lineage-${format}`,
        segment: 'news',
        purpose: 'Newsletter',
        format,
        path: `out/${format}`,
        fields: ['email', 'record_count', 'source_records'],
      })),
    });
    const result = await refreshLocally(workspace.config, { runId: 'run-1', runStartedAt: new Date('2024-04-01T00:00:00Z') });
    expect(result.exports.map((e) => e.rowsWritten)).toEqual([2, 2, 2]);
    expect(readFileSync(path.join(dir, 'out/csv/lineage-csv.csv'), 'utf8')).toBe(
      'email,record_count,source_records\nann@example.org,2,crm:1;shop:9\nbob@example.org,1,crm:2\n',
    );
    expect(readFileSync(path.join(dir, 'out/jsonl/lineage-jsonl.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      { email: 'ann@example.org', record_count: 2, source_records: ['crm:1', 'shop:9'] },
      { email: 'bob@example.org', record_count: 1, source_records: ['crm:2'] },
    ]);
    const instance = await openPublishedRun(warehouseLayout(workspace.config.warehouse), 'run-1');
    const connection = await instance.connect();
    const parquet = await queryRows(connection, {
      sql: `SELECT email, record_count, source_records FROM read_parquet('${path.join(dir, 'out/parquet/lineage-parquet.parquet')}') ORDER BY email`,
    });
    connection.closeSync();
    instance.closeSync();
    expect(parquet).toEqual([
      { email: 'ann@example.org', record_count: 2, source_records: ['crm:1', 'shop:9'] },
      { email: 'bob@example.org', record_count: 1, source_records: ['crm:2'] },
    ]);
  });
});
