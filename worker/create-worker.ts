/**
 * Builds the refresh workers: one on the shared task queue (workflows, and planning for runs started
 * without a warehouse id) and one on the warehouse's own queue, `<taskQueue>@<warehouseId>`, for every
 * activity that touches its run database files (worker-specific task queue pattern). The warehouse lock
 * makes this worker the only one on that queue, so the queue is in effect this host's; it is stable across
 * restarts, so a run interrupted by a crash resumes on the next worker for the same warehouse.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { LoadedConfig } from '../core/config/load.js';
import { acquireWarehouseLock, ensureWarehouseId, RunDatabases, warehouseLayout, warehouseTaskQueue } from '../core/warehouse/index.js';

const WORKFLOWS_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../workflows/index.ts');

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
};


export interface RefreshWorkers {
  readonly hostTaskQueue: string;
  readonly runDatabases: RunDatabases;
  /** Runs both workers until `shutdown()` (or a signal) ends them. */
  run(): Promise<void>;
  shutdown(): void;
}

export interface CreateWorkersOptions {
  readonly config: LoadedConfig;
  readonly connection: NativeConnection;
  readonly searchAttributes: boolean;
  readonly clock?: () => Date;
  readonly log?: (message: string) => void;
  readonly shutdownSignals?: NodeJS.Signals[];
}

export async function createRefreshWorkers(options: CreateWorkersOptions): Promise<RefreshWorkers> {
  const { config, connection } = options;
  const layout = warehouseLayout(config.warehouse);
  const lock = acquireWarehouseLock(layout);
  const runDatabases = new RunDatabases(layout, config.duckdb);
  const warehouse = ensureWarehouseId(layout);
  const hostQueue = warehouseTaskQueue(config.temporal.taskQueue, warehouse);
  const activities = createActivities({
    config,
    layout,
    runDatabases,
    hostTaskQueue: hostQueue,
    warehouseId: warehouse,
    searchAttributes: options.searchAttributes,
    clock: options.clock ?? (() => new Date()),
    ...(options.log ? { log: options.log } : {}),
  });
  const common = {
    connection,
    namespace: config.temporal.namespace,
    activities,
    shutdownGraceTime: '10 seconds' as const,
    // The SDK sends heartbeats at most every 0.8 × the heartbeat timeout (16 s of 20 s) by default: a 4 s
    // margin, which a 2-core machine saturated by a large run (DuckDB on every core, spilling to disk)
    // overran, and the server retried a healthy unify. Every 5 s leaves 15 s.
    maxHeartbeatThrottleInterval: '5 seconds' as const,
  };
  let shared: Worker;
  let local: Worker;
  try {
    [shared, local] = await Promise.all([
      Worker.create({ ...common, taskQueue: config.temporal.taskQueue, workflowBundle: await workflowBundle() }),
      Worker.create({ ...common, taskQueue: hostQueue, maxConcurrentActivityTaskExecutions: 8 }),
    ]);
  } catch (error) {
    lock.release();
    throw error;
  }
  return {
    hostTaskQueue: hostQueue,
    runDatabases,
    run: async () => {
      try {
        await Promise.all([shared.run(), local.run()]);
      } finally {
        await runDatabases.closeAll();
        lock.release();
      }
    },
    shutdown: () => {
      for (const worker of [shared, local]) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
    },
  };
}
