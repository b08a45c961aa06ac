/**
 * Removed delta rows must identify the person as downstream received them, so downstream tools can
 * suppress them: the fields the previous run delivered, not the current ones (an email changed with the
 * withdrawal must not hide it). A customer id that no longer exists in the new run (merged into another
 * customer, or its records deleted) is identified by the id when the export writes customer_id; otherwise
 * its row carries the fields the previous run had for it, not a blank row.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { droppedSources, droppedSourcesWarning, refreshLocally } from '../../core/pipeline/index.js';
import { warehouseLayout } from '../../core/warehouse/index.js';
import { makeWorkspace, writeWorkspaceConfig } from '../support/workspace.js';

const CONSENT = 'consent_id,email,option,value,date\nk1,carol@example.org,Newsletter,no,2024-02-01\nk2,frank@example.org,Newsletter,yes,2024-01-01\nk3,dan@example.org,Newsletter,yes,2024-01-01\n';
const RUN_1 = 'id,email,phone\nc1,carol@example.org,5550001111\nc2,frank@example.org,\nd1,dan@example.org,\n';
// Frank's new record shares Carol's phone: Carol and Frank merge into Carol's (older) customer, whose
// latest Newsletter record is Carol's denial. Dan's record is deleted.
const RUN_2 = 'id,email,phone\nc1,carol@example.org,5550001111\nc2,frank@example.org,\nc3,frank@example.org,555-000-1111\n';

function config(dir: string) {
  return writeWorkspaceConfig(dir, {
    warehouse: './wh',
    purposes: { Newsletter: { regime: 'opt-in' } },
    sources: [
      { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' } },
      { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'consent_id', keys: { email: 'email' }, option: 'option', value: 'value', date: 'date' },
    ],
    segments: [{ name: 'news', rule: 'Consent option = Newsletter & Consent value = True' }],
    exports: [
      { name: 'mail', segment: 'news', purpose: 'Newsletter', path: 'out/mail', fields: ['email'], format: 'csv' },
      { name: 'mail-ids', segment: 'news', purpose: 'Newsletter', path: 'out/mail-ids', fields: ['customer_id', 'email', 'phone'], format: 'csv' },
    ],
  }).config;
}

describe('removed delta rows', () => {
  it('identify a customer merged away or deleted: by the id when written, else by the previous run’s fields', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'consent.csv'), CONSENT);
    writeFileSync(path.join(dir, 'crm.csv'), RUN_1);
    const first = await refreshLocally(config(dir), { runId: 'run-1', runStartedAt: new Date('2024-04-01T00:00:00Z') });
    expect(first.exports.find((e) => e.export === 'mail')).toMatchObject({ rowsWritten: 2 });
    const idsBefore = readFileSync(path.join(dir, 'out/mail-ids/mail-ids.csv'), 'utf8').trim().split('\n').slice(1);
    expect(idsBefore.map((line) => line.split(',').slice(1).join(','))).toEqual(['dan@example.org,', 'frank@example.org,']);

    writeFileSync(path.join(dir, 'crm.csv'), RUN_2);
    const second = await refreshLocally(config(dir), { runId: 'run-2', runStartedAt: new Date('2024-04-02T00:00:00Z') });
    expect(second.unify.customers).toBe(1);
    expect(readFileSync(path.join(dir, 'out/mail/runs/run-2/mail.removed.csv'), 'utf8')).toBe('email\ndan@example.org\nfrank@example.org\n');
    expect(readFileSync(path.join(dir, 'out/mail/mail.csv'), 'utf8')).toBe('email\n');
    // With the id among the fields, the old ids identify them: nothing else is written again (erasure).
    const idsRemoved = readFileSync(path.join(dir, 'out/mail-ids/runs/run-2/mail-ids.removed.csv'), 'utf8');
    expect(idsRemoved).toBe(`customer_id,email,phone\n${idsBefore.map((line) => `${line.split(',')[0]},,`).sort().join('\n')}\n`);
  });

  it('carry the fields as delivered: a withdrawal that comes with a new email is removed under the email downstream received', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'consent.csv'), 'consent_id,email,option,value,date\nk1,anna.old@example.org,Newsletter,yes,2024-01-01\nk2,ben@example.org,Newsletter,yes,2024-01-01\n');
    writeFileSync(path.join(dir, 'crm.csv'), 'id,email,phone\na1,anna.old@example.org,5550002222\nb1,ben@example.org,\n');
    await refreshLocally(config(dir), { runId: 'run-1', runStartedAt: new Date('2024-04-01T00:00:00Z') });
    const idsBefore = readFileSync(path.join(dir, 'out/mail-ids/mail-ids.csv'), 'utf8');
    const anna = idsBefore.split('\n').find((line) => line.includes('anna.old@'))!.split(',')[0]!;
    // Run 2: Anna's record has a new email and phone, and she withdraws (keyed by the new email).
    writeFileSync(path.join(dir, 'consent.csv'), 'consent_id,email,option,value,date\nk1,anna.old@example.org,Newsletter,yes,2024-01-01\nk2,ben@example.org,Newsletter,yes,2024-01-01\nk3,anna.new@example.org,Newsletter,no,2024-03-01\n');
    writeFileSync(path.join(dir, 'crm.csv'), 'id,email,phone\na1,anna.new@example.org,5550003333\nb1,ben@example.org,\n');
    await refreshLocally(config(dir), { runId: 'run-2', runStartedAt: new Date('2024-04-02T00:00:00Z') });
    expect(readFileSync(path.join(dir, 'out/mail/runs/run-2/mail.removed.csv'), 'utf8')).toBe('email\nanna.old@example.org\n');
    expect(readFileSync(path.join(dir, 'out/mail-ids/runs/run-2/mail-ids.removed.csv'), 'utf8')).toBe(`customer_id,email,phone\n${anna},anna.old@example.org,5550002222\n`);
    expect(readFileSync(path.join(dir, 'out/mail/mail.csv'), 'utf8')).toBe('email\nben@example.org\n');
  });

  it('a member whose written email or phone changed is removed as delivered and added as now, so a later withdrawal leaves nothing behind', async () => {
    const dir = makeWorkspace();
    const consent = 'consent_id,email,option,value,date\nk1,tom@example.org,Newsletter,yes,2024-01-01\nk2,ben@example.org,Newsletter,yes,2024-01-01\n';
    writeFileSync(path.join(dir, 'consent.csv'), consent);
    writeFileSync(path.join(dir, 'crm.csv'), 'id,email,phone\nt1,tom@example.org,5550004444\nb1,ben@example.org,\nt2,tom@example.org,\n');
    await refreshLocally(config(dir), { runId: 'run-1', runStartedAt: new Date('2024-04-01T00:00:00Z') });
    const tom = readFileSync(path.join(dir, 'out/mail-ids/mail-ids.csv'), 'utf8').split('\n').find((line) => line.includes('tom@'))!.split(',')[0]!;
    // Run 2: Tom's first record has a new email; his second record keeps the old one, so he stays granted.
    writeFileSync(path.join(dir, 'crm.csv'), 'id,email,phone\nt1,tom2@example.org,5550004444\nb1,ben@example.org,\nt2,tom@example.org,5550004444\n');
    const second = await refreshLocally(config(dir), { runId: 'run-2', runStartedAt: new Date('2024-04-02T00:00:00Z') });
    const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
    expect(read('out/mail/mail.csv')).toBe('email\nben@example.org\ntom2@example.org\n');
    expect(read('out/mail/runs/run-2/mail.removed.csv')).toBe('email\ntom@example.org\n');
    expect(read('out/mail/runs/run-2/mail.added.csv')).toBe('email\ntom2@example.org\n');
    expect(read('out/mail-ids/runs/run-2/mail-ids.removed.csv')).toBe(`customer_id,email,phone\n${tom},tom@example.org,5550004444\n`);
    expect(read('out/mail-ids/runs/run-2/mail-ids.added.csv')).toBe(`customer_id,email,phone\n${tom},tom2@example.org,5550004444\n`);
    const manifest = JSON.parse(read('out/mail/mail.manifest.json')) as { added: number; removed: number; contactChanged: number; files: { kind: string; rows: number }[] };
    expect(manifest).toMatchObject({ added: 0, removed: 0, contactChanged: 1 });
    expect(manifest.files.map((file) => [file.kind, file.rows])).toEqual([['full', 2], ['added', 1], ['removed', 1]]);
    expect(second.exports.find((e) => e.export === 'mail')).toMatchObject({ added: 0, removed: 0 });
    // Run 3: nothing changes: no delta rows.
    await refreshLocally(config(dir), { runId: 'run-3', runStartedAt: new Date('2024-04-03T00:00:00Z') });
    expect(read('out/mail/runs/run-3/mail.removed.csv')).toBe('email\n');
    expect(read('out/mail/runs/run-3/mail.added.csv')).toBe('email\n');
    // Run 4: Tom withdraws: removed under the address downstream now has.
    writeFileSync(path.join(dir, 'consent.csv'), `${consent}k3,tom2@example.org,Newsletter,no,2024-03-01\n`);
    await refreshLocally(config(dir), { runId: 'run-4', runStartedAt: new Date('2024-04-04T00:00:00Z') });
    expect(read('out/mail/runs/run-4/mail.removed.csv')).toBe('email\ntom2@example.org\n');
    expect(read('out/mail/mail.csv')).toBe('email\nben@example.org\n');
  });
});

describe('a source taken out of the config', () => {
  it('is named by the next run: its records, withdrawals included, no longer count', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'consent.csv'), 'consent_id,email,option,value,date\nk1,ann@example.org,Newsletter,no,2024-02-01\n');
    writeFileSync(path.join(dir, 'crm.csv'), 'id,email,phone\nc1,ann@example.org,\n');
    const first = config(dir);
    await refreshLocally(first, { runId: 'run-1', runStartedAt: new Date('2024-04-01T00:00:00Z') });
    const layout = warehouseLayout(first.warehouse);
    expect(droppedSources(layout, first, 'run-1')).toEqual([]);
    const withoutConsent = { ...first, sources: first.sources.filter((source) => source.name !== 'consent') };
    expect(droppedSources(layout, withoutConsent, 'run-1')).toEqual(['consent']);
    expect(droppedSources(layout, withoutConsent, null)).toEqual([]);
    expect(droppedSourcesWarning(['consent'])).toBe(
      'WARNING: source "consent" of the previous run is no longer in the config: its records, withdrawals included, no longer count.',
    );
    expect(droppedSourcesWarning([])).toBeUndefined();
  });
});
