/** Human-readable run summaries for the terminal (counts and names only). */
import { droppedSourcesWarning } from '../core/pipeline/dropped-sources.js';
import type { RefreshProgress, RefreshResult } from '../workflows/refresh-types.js';

/**
 * The warning for rejected rows that withdraw consent (ImportResult.rejectedWithdrawals), or undefined when
 * there are none: rejected rows are never used, so those people's older grants still decide.
 */
export function rejectedWithdrawalsWarning(count: number): string | undefined {
  if (count === 0) return undefined;
  const rows = count === 1 ? '1 rejected row withdraws' : `${count} rejected rows withdraw`;
  return `WARNING: ${rows} consent (bad date or blank consent id): until the source is fixed, an older grant of those people still decides. See the rejects (consent validate).`;
}

export function formatSummary(result: RefreshResult): string {
  const lines: string[] = [];
  lines.push(`Refresh ${result.runId} (${result.trigger}) published at ${result.publishedAt}`);
  lines.push('Sources:');
  for (const source of result.sources) {
    const reasons = source.topRejectReasons.map((r) => `${r.reason} ×${r.count}`).join(', ');
    lines.push(`  ${source.source}: ${source.rowsRead} rows read, ${source.rowsAccepted} accepted, ${source.rowsRejected} rejected${reasons ? `; problems: ${reasons}` : ''}`);
    const withdrawals = rejectedWithdrawalsWarning(source.rejectedWithdrawals ?? 0);
    if (withdrawals !== undefined) lines.push(`    ${withdrawals}`);
  }
  const dropped = droppedSourcesWarning(result.droppedSources ?? []);
  if (dropped !== undefined) lines.push(`  ${dropped}`);
  const u = result.unify;
  lines.push(`Customers: ${u.customers} from ${u.profileRecords} profile records (${u.mergedRecords} merged; not merged on ${u.refusedKeys} shared keys: placeholders, or keys of ${u.refusedClusters} oversized clusters)`);
  const orphanWithdrawals = u.orphanWithdrawals ? ` (${u.orphanWithdrawals} of them withdrawals that reached no customer: see consent_orphans)` : '';
  lines.push(`Consent: ${u.consentFacts} records, ${u.attachedFacts} attached, ${u.orphanFacts} orphans${orphanWithdrawals}; granted: ${Object.entries(u.effectiveGranted).map(([p, n]) => `${p} ${n}`).join(', ')}`);
  lines.push('Segments:');
  for (const segment of result.segments) lines.push(`  ${segment.segment}: ${segment.members} members (+${segment.added} −${segment.removed})`);
  if (result.segments.length === 0) lines.push('  (none)');
  lines.push('Exports:');
  for (const e of result.exports) {
    lines.push(`  ${e.export} (${e.segment}, purpose ${e.purpose}): ${e.rowsWritten} rows written, ${e.heldBack} held back by the consent guard (+${e.added} −${e.removed})`);
    if (e.withdrawals > 0) {
      lines.push(`    ${e.withdrawals} removed after withdrawing; withdrawal → export latency max ${e.withdrawalLatencyMaxHours} h, median ${e.withdrawalLatencyMedianHours} h`);
    }
  }
  if (result.exports.length === 0) lines.push('  (none)');
  for (const d of result.deliveries ?? []) {
    lines.push(`  ${d.export} → ${d.host}: ${d.rowsDelivered} rows delivered in ${d.batches.length} batches, ${d.failedBatches} failed`);
  }
  if (result.exportFiles.length) {
    lines.push('Export files:');
    for (const file of result.exportFiles) lines.push(`  ${file}`);
  }
  return lines.join('\n');
}

export function formatProgress(progress: RefreshProgress): string {
  const parts = [`[${progress.stage}]`, progress.runId ?? ''];
  const sources = Object.entries(progress.sources).map(([name, s]) => (s === 'running' ? `${name}…` : `${name} ${s.rowsRead} rows`));
  if (sources.length) parts.push(`sources: ${sources.join(', ')}`);
  if (progress.customers !== null) parts.push(`customers: ${progress.customers}`);
  const segments = Object.entries(progress.segments).map(([name, s]) => (s === 'running' ? `${name}…` : `${name} ${s.members}`));
  if (segments.length) parts.push(`segments: ${segments.join(', ')}`);
  const exports = Object.entries(progress.exports).map(([name, e]) => (e === 'running' ? `${name}…` : `${name} ${e.rowsWritten}`));
  if (exports.length) parts.push(`exports: ${exports.join(', ')}`);
  if (progress.error) parts.push(`error: ${progress.error}`);
  return parts.filter(Boolean).join('  ');
}
