/**
 * HTTP destination (issue 6): after a run is published, POST the export — or its delta, added and
 * removed — as JSON batches to the configured URL.
 *   - body: { runId, export, kind, batch, batches, fields, rows: [{ field: value, … }] }
 *   - header Idempotency-Key: `<runId>/<export>/<kind>/<batch>`, so a receiver can drop repeats when a
 *     batch (or the whole activity) is retried
 *   - retries with exponential backoff on network errors, timeouts, 408, 429 and 5xx; other 4xx fail the
 *     batch at once. Every batch gets an outcome; the outcomes are written next to the run's files.
 * Rows are read from the published run (read-only) batch by batch: never the whole export in memory.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { queryNumber, queryRows } from '../db/connection.js';
import { writeFileAtomic } from '../warehouse/atomic-file.js';
import { exportPaths } from './export-paths.js';
import { exportRowsTable } from './export-tables.js';

export interface BatchOutcome {
  readonly kind: 'full' | 'added' | 'removed';
  readonly batch: number;
  readonly rows: number;
  readonly status: number | null;
  readonly attempts: number;
  readonly ok: boolean;
  /** Short reason when not ok (HTTP status text or error class), never row data. */
  readonly error: string | null;
}

export interface DeliveryResult {
  readonly export: string;
  /** Host only: URLs may carry tokens in their path or query. */
  readonly host: string;
  readonly batches: readonly BatchOutcome[];
  readonly rowsDelivered: number;
  readonly failedBatches: number;
}

export interface PushOptions {
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onBatch?: (outcome: BatchOutcome) => void;
  readonly env?: NodeJS.ProcessEnv;
}

const RETRYABLE_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;

export function backoffMs(attempt: number): number {
  return Math.min(5000, 200 * 2 ** (attempt - 1));
}

async function postBatch(
  url: string,
  headers: Record<string, string>,
  body: string,
  maxAttempts: number,
  timeoutMs: number,
  options: PushOptions,
): Promise<{ status: number | null; attempts: number; ok: boolean; error: string | null }> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last: { status: number | null; error: string | null } = { status: null, error: null };
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    try {
      const response = await doFetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { status: response.status, attempts: attempt, ok: true, error: null };
      last = { status: response.status, error: `HTTP ${response.status}` };
      if (!RETRYABLE_STATUS(response.status)) return { ...last, attempts: attempt, ok: false };
    } catch (error) {
      last = { status: null, error: (error as Error).name === 'TimeoutError' ? 'timeout' : ((error as Error).name ?? 'network error') };
    }
    if (attempt < maxAttempts) await sleep(backoffMs(attempt));
  }
  return { ...last, attempts: maxAttempts, ok: false };
}

export async function pushExport(connection: DuckDBConnection, config: LoadedConfig, exportIndex: number, runId: string, options: PushOptions = {}): Promise<DeliveryResult> {
  const exportConfig = config.exports[exportIndex]!;
  const http = exportConfig.http;
  if (!http) throw new Error(`export ${exportConfig.name} has no http destination`);
  const env = options.env ?? process.env;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...http.headers };
  for (const [header, variable] of Object.entries(http.headersFromEnv)) {
    const value = env[variable];
    if (value !== undefined) headers[header] = value;
  }
  const kinds: ('full' | 'added' | 'removed')[] = http.send === 'full' ? ['full'] : ['added', 'removed'];
  const outcomes: BatchOutcome[] = [];
  for (const kind of kinds) {
    const table = exportRowsTable(exportIndex, kind);
    const total = await queryNumber(connection, { sql: `SELECT count(*) FROM ${table}` });
    const batches = Math.ceil(total / http.batchSize);
    for (let batch = 0; batch < batches; batch += 1) {
      const rows = await queryRows<Record<string, unknown>>(connection, {
        sql: `SELECT * FROM ${table} ORDER BY rowid LIMIT $limit OFFSET $offset`,
        params: { limit: http.batchSize, offset: batch * http.batchSize },
      });
      const named = rows.map((row) => Object.fromEntries(exportConfig.fields.map((field, index) => [field, row[`f${index}`] ?? null])));
      const body = JSON.stringify({ runId, export: exportConfig.name, kind, batch, batches, fields: exportConfig.fields, rows: named });
      const result = await postBatch(http.url, { ...headers, 'idempotency-key': `${runId}/${exportConfig.name}/${kind}/${batch}` }, body, http.maxAttempts, http.timeoutMs, options);
      const outcome: BatchOutcome = { kind, batch, rows: rows.length, ...result };
      outcomes.push(outcome);
      options.onBatch?.(outcome);
    }
  }
  const result: DeliveryResult = {
    export: exportConfig.name,
    host: new URL(http.url).host,
    batches: outcomes,
    rowsDelivered: outcomes.filter((o) => o.ok).reduce((sum, o) => sum + o.rows, 0),
    failedBatches: outcomes.filter((o) => !o.ok).length,
  };
  const paths = exportPaths(exportConfig.path, exportConfig.name, runId, exportConfig.format);
  writeFileAtomic(paths.runManifest.replace(/\.manifest\.json$/, '.delivery.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
