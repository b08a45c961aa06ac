/**
 * An export taken out of the config and later put back: its deltas compare against what it last delivered,
 * not against the previous run (which did not have it). Otherwise everyone would be "added" and whoever
 * withdrew while the export was out would be in no removed file and no audit entry.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lastDeliveries } from '../../core/exports/index.js';
import { refreshLocally } from '../../core/pipeline/index.js';
import { queryRows } from '../../core/db/connection.js';
import { openPublishedRun, warehouseLayout } from '../../core/warehouse/index.js';
import { makeWorkspace, newsletterWorkspaceConfig, type NewsletterExport } from '../support/workspace.js';

const NL: NewsletterExport = { name: 'nl', path: 'out/nl' };
const OTHER: NewsletterExport = { name: 'other', path: 'out/other' };

const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

describe('an export put back into the config after runs without it', () => {
  const dir = makeWorkspace();
  const write = (profiles: string[], consent: string[]) => {
    writeFileSync(path.join(dir, 'profiles.csv'), ['id,email', ...profiles].join('\n') + '\n');
    writeFileSync(path.join(dir, 'consent.csv'), ['consent_id,email,option,value,date', ...consent].join('\n') + '\n');
  };
  const refresh = (runId: string, day: number, exports: NewsletterExport[]) =>
    refreshLocally(newsletterWorkspaceConfig(dir, exports).config, { runId, runStartedAt: new Date(Date.UTC(2024, 3, day)) });
  const grants = ['c1,ann@example.org,Newsletter,yes,2024-01-01', 'c2,bob@example.org,Newsletter,yes,2024-01-01', 'c3,cid@example.org,Newsletter,yes,2024-01-01'];
  const results: Awaited<ReturnType<typeof refresh>>[] = [];

  beforeAll(async () => {
    write(['1,ann@example.org', '2,bob@example.org', '3,cid@example.org'], grants);
    results.push(await refresh('run-1', 1, [NL, OTHER]));
    // nl is out of the config; Bob withdraws.
    write(['1,ann@example.org', '2,bob@example.org', '3,cid@example.org'], [...grants, 'c4,bob@example.org,Newsletter,no,2024-04-01']);
    results.push(await refresh('run-2', 2, [OTHER]));
    // Still out; Cid's profile is deleted (his customer id no longer exists); Dee joins.
    write(['1,ann@example.org', '2,bob@example.org', '4,dee@example.org'], [...grants, 'c4,bob@example.org,Newsletter,no,2024-04-01', 'c5,dee@example.org,Newsletter,yes,2024-04-02']);
    results.push(await refresh('run-3', 3, [OTHER]));
    // nl is back.
    results.push(await refresh('run-4', 4, [NL, OTHER]));
    // And stays: the next deltas are against run-4 as usual.
    results.push(await refresh('run-5', 5, [NL, OTHER]));
  }, 120_000);

  it('writes the removed file against the last delivery: Bob (withdrew) and Cid (gone, by the email last delivered)', () => {
    const runDir = path.join(dir, 'out/nl/runs/run-4');
    expect(lines(path.join(dir, 'out/nl/nl.csv'))).toEqual(['email', 'ann@example.org', 'dee@example.org']);
    expect(lines(path.join(runDir, 'nl.removed.csv'))).toEqual(['email', 'bob@example.org', 'cid@example.org']);
    expect(lines(path.join(runDir, 'nl.added.csv'))).toEqual(['email', 'dee@example.org']);
    expect(results[3]!.exports.find((e) => e.export === 'nl')).toMatchObject({ rowsWritten: 2, added: 1, removed: 2 });
    // The export that stayed in the config had the usual deltas all along.
    expect(lines(path.join(dir, 'out/other/runs/run-2/other.removed.csv'))).toEqual(['email', 'bob@example.org']);
    expect(lines(path.join(dir, 'out/other/runs/run-4/other.removed.csv'))).toEqual(['email']);
  });

  it('compares the run after against the put-back export as usual', () => {
    const runDir = path.join(dir, 'out/nl/runs/run-5');
    expect(lines(path.join(runDir, 'nl.added.csv'))).toEqual(['email']);
    expect(lines(path.join(runDir, 'nl.removed.csv'))).toEqual(['email']);
  });

  it('records the removals in the audit, Bob as a withdrawal', async () => {
    const layout = warehouseLayout(path.join(dir, 'wh'));
    const instance = await openPublishedRun(layout, 'run-1');
    const connection = await instance.connect();
    const [bob] = await queryRows<{ customer_id: string }>(connection, { sql: "SELECT customer_id FROM customer_keys WHERE key_value = 'bob@example.org'" });
    connection.closeSync();
    instance.closeSync();
    const removals = (await lastDeliveries(layout, bob!.customer_id)).filter((d) => d.export === 'nl');
    expect(removals.map((d) => [d.run_id, d.change, d.withdrawn, d.consent_id])).toEqual([
      ['run-4', 'removed', true, 'c4'],
      ['run-1', 'added', null, 'c2'],
    ]);
  });

  it('keeps the dormant membership only while the export is out of the config', async () => {
    const layout = warehouseLayout(path.join(dir, 'wh'));
    const dormant = async (runId: string) => {
      const instance = await openPublishedRun(layout, runId);
      const connection = await instance.connect();
      try {
        const members = await queryRows<{ export: string; last_run_id: string; n: string }>(connection, {
          sql: 'SELECT export, last_run_id, count(*) AS n FROM dormant_export_members GROUP BY ALL ORDER BY ALL',
        });
        const customers = await queryRows<{ email: string }>(connection, { sql: 'SELECT email FROM dormant_export_customers ORDER BY email' });
        return { members: members.map((m) => [m.export, m.last_run_id, Number(m.n)]), customers: customers.map((c) => c.email) };
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    };
    expect(await dormant('run-1')).toEqual({ members: [], customers: [] });
    expect(await dormant('run-2')).toEqual({ members: [['nl', 'run-1', 3]], customers: [] });
    expect(await dormant('run-3')).toEqual({ members: [['nl', 'run-1', 3]], customers: ['cid@example.org'] });
    expect(await dormant('run-4')).toEqual({ members: [], customers: [] });
  });
});
