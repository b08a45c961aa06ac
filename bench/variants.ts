/**
 * The benchmark's measured variants, each run in its own child process by bench/run.ts:
 *   runFloor     (b) refreshLocally(): the core SQL without Temporal;
 *   runTemporal  (a) the real refresh workers + refreshNow and the workflow result (no progress queries) against a running dev server;
 *                stage wall times from the workflow history (first activity scheduled → last completed);
 *   runLatency   refresh-now on the example config: refreshNow() → every export's manifest present.
 */
import { existsSync, rmSync } from 'node:fs';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { connectClient, connectWorker, ensureSearchAttributes } from '../client/temporal-connection.js';
import { refreshNow, waitForRefresh } from '../client/refresh-now.js';
import { upsertSchedule } from '../client/schedule.js';
import { loadConfig, type LoadedConfig } from '../core/config/load.js';
import { exportPaths } from '../core/exports/export-paths.js';
import { refreshLocally } from '../core/pipeline/local-refresh.js';
import { createRefreshWorkers } from '../worker/create-worker.js';
import { installRuntime } from '../worker/runtime.js';
import type { RefreshResult } from '../workflows/refresh-types.js';

export interface VariantResult {
  readonly variant: 'temporal' | 'floor';
  readonly totalMs: number;
  /** (a) only: from refreshNow() to the workflow result, as the caller sees it. */
  readonly clientMs?: number;
  readonly stageMs: Record<string, number>;
  readonly peakRssBytes: number;
  readonly customers: number;
  readonly segments: Record<string, number>;
  readonly exports: Record<string, number>;
}

export interface LatencyResult {
  readonly via: 'schedule' | 'workflow';
  readonly runsMs: number[];
  readonly peakRssBytes: number;
}

/** Peak resident set of this process (VmHWM), in bytes. */
export function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

function withAddress(config: LoadedConfig, address: string): LoadedConfig {
  return { ...config, temporal: { ...config.temporal, address } };
}

function freshWarehouse(config: LoadedConfig): void {
  rmSync(config.warehouse, { recursive: true, force: true });
  for (const exportConfig of config.exports) rmSync(exportConfig.path, { recursive: true, force: true });
}

export async function runFloor(configFile: string): Promise<VariantResult> {
  const config = loadConfig(configFile);
  freshWarehouse(config);
  const started = performance.now();
  const result = await refreshLocally(config, { runId: `run-bench-floor-${Date.now()}` });
  const totalMs = Math.round(performance.now() - started);
  return {
    variant: 'floor',
    totalMs,
    stageMs: result.stageMs,
    peakRssBytes: peakRss(),
    customers: result.unify.customers,
    segments: Object.fromEntries(result.segments.map((s) => [s.segment, s.members])),
    exports: Object.fromEntries(result.exports.map((e) => [e.export, e.rowsWritten])),
  };
}

const STAGE_OF_ACTIVITY: Record<string, string> = {
  planRefresh: 'plan',
  importSource: 'import',
  unifyCustomers: 'unify',
  buildSegment: 'segments',
  writeExport: 'exports',
  publishRun: 'publish',
  deliverExport: 'deliver',
};

function eventMs(event: temporal.api.history.v1.IHistoryEvent): number {
  const time = event.eventTime;
  return Number(time?.seconds?.toString() ?? 0) * 1000 + Math.round((time?.nanos ?? 0) / 1e6);
}

/** Per stage: first activity scheduled → last activity completed; plus workflow start → close. */
async function stageTimesFromHistory(handle: WorkflowHandle): Promise<{ stageMs: Record<string, number>; workflowMs: number }> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Map<string, { stage: string; at: number }>();
  const spans = new Map<string, { from: number; to: number }>();
  let first = Infinity;
  let last = 0;
  for (const event of events) {
    const at = eventMs(event);
    first = Math.min(first, at);
    last = Math.max(last, at);
    const id = event.eventId?.toString() ?? '';
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type) {
      scheduled.set(id, { stage: STAGE_OF_ACTIVITY[type] ?? type, at });
      continue;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) {
      const origin = scheduled.get(completed.scheduledEventId?.toString() ?? '');
      if (!origin) continue;
      const span = spans.get(origin.stage) ?? { from: origin.at, to: at };
      spans.set(origin.stage, { from: Math.min(span.from, origin.at), to: Math.max(span.to, at) });
    }
  }
  const stageMs = Object.fromEntries([...spans].map(([stage, span]) => [stage, span.to - span.from]));
  return { stageMs, workflowMs: last - first };
}

async function withWorkers<T>(config: LoadedConfig, work: (client: Client) => Promise<T>): Promise<T> {
  installRuntime();
  const { client, connection } = await connectClient(config);
  const searchAttributes = await ensureSearchAttributes(connection, config.temporal.namespace);
  const workerConnection = await connectWorker(config);
  const workers = await createRefreshWorkers({ config, connection: workerConnection, searchAttributes });
  const running = workers.run();
  try {
    return await work(client);
  } finally {
    workers.shutdown();
    await running.catch(() => undefined);
    await workerConnection.close();
    await connection.close();
  }
}

export async function runTemporal(configFile: string, address: string): Promise<VariantResult> {
  const config = withAddress(loadConfig(configFile), address);
  freshWarehouse(config);
  return withWorkers(config, async (client) => {
    const started = performance.now();
    const { workflowId } = await refreshNow(client, config);
    // Only the result: no progress queries. A scheduled refresh has no watcher, and each query is a
    // workflow task on the busy worker (at 4 per second they cost P2 tens of seconds of its 2 cores).
    const result = (await client.workflow.getHandle(workflowId).result()) as RefreshResult;
    const clientMs = Math.round(performance.now() - started);
    const { stageMs, workflowMs } = await stageTimesFromHistory(client.workflow.getHandle(workflowId));
    return {
      variant: 'temporal',
      totalMs: workflowMs,
      clientMs,
      stageMs,
      peakRssBytes: peakRss(),
      customers: result.unify.customers,
      segments: Object.fromEntries(result.segments.map((s) => [s.segment, s.members])),
      exports: Object.fromEntries(result.exports.map((e) => [e.export, e.rowsWritten])),
    };
  });
}

export async function runLatency(configFile: string, address: string, runs = 3): Promise<LatencyResult> {
  const config = withAddress(loadConfig(configFile), address);
  freshWarehouse(config);
  const manifests = config.exports.map((exportConfig) => exportPaths(exportConfig.path, exportConfig.name, 'latency', exportConfig.format).latestManifest);
  return withWorkers(config, async (client) => {
    await upsertSchedule(client, { ...config, schedule: { ...config.schedule, paused: false } });
    const runsMs: number[] = [];
    let via: 'schedule' | 'workflow' = 'schedule';
    for (let run = 0; run < runs; run++) {
      for (const file of manifests) rmSync(file, { force: true });
      const started = performance.now();
      const refresh = await refreshNow(client, config);
      via = refresh.via;
      const deadline = Date.now() + 60_000;
      while (!manifests.every((file) => existsSync(file))) {
        if (Date.now() > deadline) throw new Error('refresh-now: manifests did not appear within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      runsMs.push(Math.round(performance.now() - started));
      await waitForRefresh(client, refresh, () => undefined, 1000);
    }
    await client.schedule.getHandle(config.schedule.id).delete().catch(() => undefined);
    return { via, runsMs, peakRssBytes: peakRss() };
  });
}
