/**
 * Withdrawal latency (run summary, export results): hours from the withdrawal's date to the run that
 * removed the customer — never negative, even for a withdrawal dated after the run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastDeliveries } from '../../core/exports/index.js';
import { refreshLocally } from '../../core/pipeline/index.js';
import { warehouseLayout } from '../../core/warehouse/index.js';
import { makeWorkspace, writeWorkspaceConfig } from '../support/workspace.js';

describe('withdrawal latency', () => {
  it('is 0 for a withdrawal dated after the run that honoured it, and counts hours for one dated before', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'profiles.csv'), 'id,email\n1,ann@example.org\n2,bob@example.org\n');
    writeFileSync(path.join(dir, 'consent.csv'), 'consent_id,email,option,value,date\n');
    const { config } = writeWorkspaceConfig(dir, {
      warehouse: './wh',
      purposes: { 'Sale of data': { regime: 'opt-out' } },
      sources: [
        { name: 'crm', type: 'profiles', format: 'csv', path: 'profiles.csv', primaryKey: 'id', keys: { email: 'email' } },
        { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'consent_id', keys: { email: 'email' }, option: 'option', value: 'value', date: 'date', allowEmpty: true },
      ],
      segments: [{ name: 'everyone', rule: 'Consent option = Sale of data & Consent value = True' }],
      exports: [{ name: 'sale', segment: 'everyone', purpose: 'Sale of data', path: 'out/sale', fields: ['email'] }],
    });
    await refreshLocally(config, { runId: 'run-1', runStartedAt: new Date('2026-12-01T00:00:00Z') });
    // Ann's withdrawal is dated two months ahead (a typo, a clock); Bob's two days back.
    writeFileSync(
      path.join(dir, 'consent.csv'),
      `${readFileSync(path.join(dir, 'consent.csv'), 'utf8')}c1,ann@example.org,Sale of data,no,2027-02-01\nc2,bob@example.org,Sale of data,no,2026-11-30\n`,
    );
    const run2 = await refreshLocally(config, { runId: 'run-2', runStartedAt: new Date('2026-12-02T00:00:00Z') });
    expect(run2.exports[0]).toMatchObject({ removed: 2, withdrawals: 2, withdrawalLatencyMaxHours: 48, withdrawalLatencyMedianHours: 24 });
  });

  it('counts an expired grant from the day it expired, and the audit says it expired', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'profiles.csv'), 'id,email\n1,ann@example.org\n');
    writeFileSync(path.join(dir, 'consent.csv'), 'consent_id,email,option,value,date\nc1,ann@example.org,Newsletter,yes,2025-11-30T10:00:00Z\n');
    const { config } = writeWorkspaceConfig(dir, {
      warehouse: './wh',
      purposes: { Newsletter: { regime: 'opt-in', expiresAfter: 'P1Y' } },
      sources: [
        { name: 'crm', type: 'profiles', format: 'csv', path: 'profiles.csv', primaryKey: 'id', keys: { email: 'email' } },
        { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'consent_id', keys: { email: 'email' }, option: 'option', value: 'value', date: 'date' },
      ],
      segments: [{ name: 'news', rule: 'Consent option = Newsletter & Consent value = True' }],
      exports: [{ name: 'nl', segment: 'news', purpose: 'Newsletter', path: 'out/nl', fields: ['customer_id', 'email'] }],
    });
    const run1 = await refreshLocally(config, { runId: 'run-1', runStartedAt: new Date('2026-11-29T12:00:00Z') });
    expect(run1.exports[0]).toMatchObject({ rowsWritten: 1 });
    const ann = readFileSync(path.join(dir, 'out/nl/nl.csv'), 'utf8').split('\n')[1]!.split(',')[0]!;
    // The grant expires on 2026-11-30 (denied from that day): 36 hours before this run, not a year.
    const run2 = await refreshLocally(config, { runId: 'run-2', runStartedAt: new Date('2026-12-01T12:00:00Z') });
    expect(run2.exports[0]).toMatchObject({ rowsWritten: 0, removed: 1, withdrawals: 1, withdrawalLatencyMaxHours: 36, withdrawalLatencyMedianHours: 36 });
    const layout = warehouseLayout(path.join(dir, 'wh'));
    const removal = (await lastDeliveries(layout, ann)).find((d) => d.change === 'removed');
    expect(removal).toMatchObject({ run_id: 'run-2', withdrawn: true, consent_id: 'c1', consent_basis: 'expired' });
  });
});
