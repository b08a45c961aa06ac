/** The terminal summary warns when rejected rows withdraw consent (an older grant still decides for those people). */
import { expect, test } from 'vitest';
import { formatSummary, rejectedWithdrawalsWarning } from '../../../client/format-summary.js';
import type { RefreshResult } from '../../../workflows/refresh-types.js';

const result = (rejectedWithdrawals: number | undefined): RefreshResult => ({
  runId: 'r1',
  trigger: 'manual',
  startedAt: '2026-01-01T00:00:00.000Z',
  publishedAt: '2026-01-01T00:00:01.000Z',
  sources: [{ source: 'consent', rowsRead: 3, rowsAccepted: 1, rowsRejected: 2, consentFacts: 1, rejectedWithdrawals, topRejectReasons: [{ reason: 'invalid date', count: 2 }] }],
  unify: { profileRecords: 0, customers: 0, mergedRecords: 0, refusedKeys: 0, refusedClusters: 0, consentFacts: 1, attachedFacts: 0, orphanFacts: 1, effectiveGranted: {} },
  segments: [],
  exports: [],
  exportFiles: [],
  deliveries: [],
});

test('no warning without rejected withdrawals (also for results of older versions without the count)', () => {
  expect(rejectedWithdrawalsWarning(0)).toBeUndefined();
  expect(formatSummary(result(0))).not.toContain('WARNING');
  expect(formatSummary(result(undefined))).not.toContain('WARNING');
});

test('the source line is followed by the warning with the count', () => {
  const lines = formatSummary(result(2)).split('\n');
  const at = lines.indexOf('  consent: 3 rows read, 1 accepted, 2 rejected; problems: invalid date ×2');
  expect(at).toBeGreaterThan(0);
  expect(lines[at + 1]).toBe(
    '    WARNING: 2 rejected rows withdraw consent (bad date or blank consent id): until the source is fixed, an older grant of those people still decides. See the rejects (consent validate).',
  );
  expect(rejectedWithdrawalsWarning(1)).toMatch(/^WARNING: 1 rejected row withdraws consent /);
});

test('the consent line says how many orphans are withdrawals that reached no customer', () => {
  const withOrphans = { ...result(0), unify: { ...result(0).unify, orphanFacts: 3, orphanWithdrawals: 2 } };
  expect(formatSummary(withOrphans)).toContain('Consent: 1 records, 0 attached, 3 orphans (2 of them withdrawals that reached no customer: see consent_orphans); granted: ');
  expect(formatSummary(result(0))).toContain('Consent: 1 records, 0 attached, 1 orphans; granted: ');
});

test('sources the previous run had and the config dropped are named after the sources', () => {
  const lines = formatSummary({ ...result(0), droppedSources: ['sms'] }).split('\n');
  expect(lines[lines.indexOf('  consent: 3 rows read, 1 accepted, 2 rejected; problems: invalid date ×2') + 1]).toBe(
    '  WARNING: source "sms" of the previous run is no longer in the config: its records, withdrawals included, no longer count.',
  );
  expect(formatSummary(result(0))).not.toContain('no longer in the config');
});
