import { existsSync, readFileSync } from 'node:fs';
import { readCurrentRun, warehouseLayout } from '../../core/warehouse/index.js';
import { loadConfigFrom } from '../config-path.js';
import { EXIT_OK } from '../exit-codes.js';
import { droppedSourcesWarning } from '../../core/pipeline/dropped-sources.js';
import { rejectedWithdrawalsWarning } from '../format-summary.js';
import { connectClient, temporalSettings } from '../temporal-connection.js';
import type { CommandHandler } from '../cli.js';

interface RunRow {
  workflowId: string;
  status: string;
  trigger: string;
  startedAt: string;
  durationS: number | null;
  runId: string | null;
  rowsRead: number | null;
  rowsRejected: number | null;
  customers: number | null;
  segmentSizes: unknown;
  exportRows: unknown;
  error: string | null;
}

/** `{ newsletter: 1, sale: 2 }` → `newsletter 1, sale 2`. */
function namedCounts(counts: unknown): string {
  return Object.entries((counts ?? {}) as Record<string, unknown>)
    .map(([name, count]) => `${name} ${String(count)}`)
    .join(', ');
}

/**
 * `consent status`: recent refreshes from Temporal visibility, plus the current published run (read from the
 * warehouse, so shown even when Temporal cannot be reached).
 */
export const runStatusCommand: CommandHandler = async ({ config: configPath, json }) => {
  const config = loadConfigFrom(configPath);
  const layout = warehouseLayout(config.warehouse);
  const current = readCurrentRun(layout);
  const runs: RunRow[] = [];
  let temporalError: string | null = null;
  try {
    const { client, connection } = await connectClient(config);
    try {
      // This config's refreshes only: those its schedule started, and its manual ones (ids are validated names).
      const scheduleId = config.schedule.id;
      const query = `WorkflowType = 'RefreshWorkflow' AND (TemporalScheduledById = '${scheduleId}' OR WorkflowId = '${scheduleId}-manual')`;
      for await (const execution of client.workflow.list({ query, pageSize: 20 })) {
        const memo = (execution.memo ?? {}) as Record<string, unknown>;
        runs.push({
          workflowId: execution.workflowId,
          status: execution.status.name,
          trigger: String(memo['trigger'] ?? ''),
          startedAt: execution.startTime.toISOString(),
          durationS: execution.closeTime ? Math.round((execution.closeTime.getTime() - execution.startTime.getTime()) / 100) / 10 : null,
          runId: (memo['runId'] as string | undefined) ?? null,
          rowsRead: (memo['rowsRead'] as number | undefined) ?? null,
          rowsRejected: (memo['rowsRejected'] as number | undefined) ?? null,
          customers: (memo['customers'] as number | undefined) ?? null,
          segmentSizes: memo['segmentSizes'] ?? null,
          exportRows: memo['exportRows'] ?? null,
          error: (memo['error'] as string | undefined) ?? null,
        });
        if (runs.length >= 10) break;
      }
    } finally {
      await connection.close();
    }
  } catch (error) {
    temporalError = (error as Error).message;
  }
  const summary = current && existsSync(layout.runSummary(current.runId)) ? JSON.parse(readFileSync(layout.runSummary(current.runId), 'utf8')) : null;
  // Without Temporal the published run (from the warehouse) is still shown, and the exit code stays 0; stderr
  // says what is missing, so an empty refresh list is not read as "none ran, none running".
  if (temporalError) {
    console.error(
      `warning: recent and running refreshes could not be read from Temporal at ${temporalSettings(config.temporal).address} ` +
        `(only the published run, from the warehouse, is shown): ${temporalError}`,
    );
  }
  if (json) {
    console.log(JSON.stringify({ current, currentSummary: summary, runs, temporalError }, null, 2));
    return EXIT_OK;
  }
  console.log(current ? `current run: ${current.runId} (published ${current.publishedAt})` : 'no published run yet');
  const dropped = droppedSourcesWarning(Array.isArray(summary?.droppedSources) ? (summary.droppedSources as unknown[]).map(String) : []);
  if (dropped !== undefined) console.log(`  ${dropped}`);
  for (const source of (summary?.sources ?? []) as { source?: unknown; rejectedWithdrawals?: unknown }[]) {
    const warning = rejectedWithdrawalsWarning(typeof source.rejectedWithdrawals === 'number' ? source.rejectedWithdrawals : 0);
    if (warning !== undefined) console.log(`  ${String(source.source)}: ${warning}`);
  }
  if (runs.length) console.log('recent refreshes:');
  for (const r of runs) {
    const counts = [
      r.rowsRead !== null ? `${r.rowsRead} rows read${r.rowsRejected ? ` (${r.rowsRejected} rejected)` : ''}` : '',
      r.customers !== null ? `${r.customers} customers` : '',
      r.segmentSizes ? `segments: ${namedCounts(r.segmentSizes)}` : '',
      r.exportRows ? `rows exported: ${namedCounts(r.exportRows)}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    console.log(`  ${r.startedAt}  ${r.status.padEnd(10)} ${r.trigger.padEnd(8)} ${r.durationS !== null ? `${r.durationS}s` : 'running'}  ${r.runId ?? ''}  ${counts}${r.error ? `  error: ${r.error}` : ''}`);
  }
  return EXIT_OK;
};
