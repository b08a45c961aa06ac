/**
 * "Refresh now" (design §7): goes through the schedule (trigger with BUFFER_ONE), so it can never overlap a
 * scheduled run; presses while a refresh runs queue one follow-up (simultaneous presses may race the
 * schedule's bookkeeping and queue one or two more, never in parallel). Without a schedule, starts the workflow under a
 * fixed id whose conflict policy attaches to a running refresh instead of starting a second one.
 */
import { ScheduleOverlapPolicy, WorkflowIdConflictPolicy, type Client, type ScheduleHandle, type WorkflowHandle } from '@temporalio/client';
import type { LoadedConfig } from '../core/config/load.js';
import { readWarehouseId, warehouseLayout } from '../core/warehouse/index.js';
import type { RefreshInput, RefreshProgress, RefreshResult } from '../workflows/refresh-types.js';
import { assertScheduleServesWarehouse, describeSchedule, REFRESH_WORKFLOW_TYPE } from './schedule.js';

export interface StartedRefresh {
  /** The refresh serving the press; with `waitForStart: false` and a run in progress, the running one. */
  readonly workflowId: string;
  readonly via: 'schedule' | 'workflow';
  /** The workflow run (schedule runs started in the same second share a workflow id). */
  readonly runId?: string;
  /** True when the press was queued behind the running refresh (which `workflowId` then names). */
  readonly queued?: boolean;
}

export interface RefreshNowOptions {
  /** How long to wait for the schedule to start the refresh serving the press. */
  readonly findTimeoutMs?: number;
  /** false: when a refresh is running, return at once instead of waiting for the queued follow-up to start. */
  readonly waitForStart?: boolean;
  /** Called when the press is queued behind a running refresh, before waiting for the follow-up to start. */
  readonly onQueued?: (running: { readonly workflowId: string; readonly runId: string }) => void;
}

/** Waits for the schedule to take an action that is not among `known` (run ids it had taken before the press). */
async function findNewAction(handle: ScheduleHandle, known: ReadonlySet<string>, timeoutMs: number): Promise<{ workflowId: string; runId: string } | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const description = await handle.describe();
    const fresh = description.info.recentActions
      .filter((action) => !known.has(action.action.workflow.firstExecutionRunId))
      .sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime());
    if (fresh[0]) return { workflowId: fresh[0].action.workflow.workflowId, runId: fresh[0].action.workflow.firstExecutionRunId };
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return undefined;
}

export async function refreshNow(client: Client, config: LoadedConfig, options: RefreshNowOptions = {}): Promise<StartedRefresh> {
  const scheduleId = config.schedule.id;
  const description = await describeSchedule(client, scheduleId);
  if (description) {
    assertScheduleServesWarehouse(description, config);
    const handle = client.schedule.getHandle(scheduleId);
    const known = new Set(description.info.recentActions.map((action) => action.action.workflow.firstExecutionRunId));
    for (const action of description.info.runningActions) known.add(action.workflow.firstExecutionRunId);
    // The press is served by the first refresh the schedule starts after it. While one runs, BUFFER_ONE queues
    // a single follow-up (the schedule's own trigger default would be ALLOW_ALL: overlapping runs); when a
    // follow-up is already queued, this press simply joins it.
    const followUpQueued = description.info.runningActions.length > 0 && Number(description.raw.info?.bufferSize ?? 0) > 0;
    if (!followUpQueued) await handle.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
    const running = description.info.runningActions[0];
    if (running) options.onQueued?.({ workflowId: running.workflow.workflowId, runId: running.workflow.firstExecutionRunId });
    if (running && options.waitForStart === false) return { workflowId: running.workflow.workflowId, via: 'schedule', queued: true };
    const started = await findNewAction(handle, known, options.findTimeoutMs ?? 24 * 3600_000);
    if (!started) throw new Error(`triggered schedule ${scheduleId}, but no refresh started in time`);
    await client.workflow.getHandle(started.workflowId, started.runId).signal('markManual').catch(() => undefined);
    return { ...started, via: 'schedule' };
  }
  const warehouseId = readWarehouseId(warehouseLayout(config.warehouse));
  // With the warehouse's id (once its worker has run), only that worker plans the run; without, any worker.
  const input: RefreshInput = { trigger: 'manual', ...(warehouseId ? { warehouseId } : {}) };
  const handle = await client.workflow.start(REFRESH_WORKFLOW_TYPE, {
    workflowId: `${scheduleId}-manual`,
    taskQueue: config.temporal.taskQueue,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    staticSummary: 'consent refresh (manual)',
  });
  return { workflowId: handle.workflowId, via: 'workflow' };
}

/** Waits for a refresh, calling `onProgress` whenever the `progress` query answers something new. */
export async function waitForRefresh(
  client: Client,
  target: string | Pick<StartedRefresh, 'workflowId' | 'runId'>,
  onProgress: (progress: RefreshProgress) => void = () => undefined,
  pollMs = 500,
): Promise<RefreshResult> {
  const { workflowId, runId } = typeof target === 'string' ? { workflowId: target, runId: undefined } : target;
  const handle: WorkflowHandle = client.workflow.getHandle(workflowId, runId);
  let done = false;
  let last = '';
  const poll = (async () => {
    while (!done) {
      try {
        const progress = await handle.query<RefreshProgress>('progress');
        const key = JSON.stringify(progress);
        if (key !== last) {
          last = key;
          onProgress(progress);
        }
      } catch {
        // Not started yet, or already closed: the result settles it.
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  })();
  try {
    return (await handle.result()) as RefreshResult;
  } finally {
    done = true;
    await poll;
  }
}
