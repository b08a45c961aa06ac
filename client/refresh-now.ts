/**
 * "Refresh now" (design §7): goes through the schedule (trigger), so it can never overlap a scheduled run;
 * pressing it many times queues at most one follow-up. Without a schedule, starts the workflow under a
 * fixed id whose conflict policy attaches to a running refresh instead of starting a second one.
 */
import { WorkflowIdConflictPolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import type { LoadedConfig } from '../core/config/load.js';
import type { RefreshInput, RefreshProgress, RefreshResult } from '../workflows/refresh-types.js';
import { REFRESH_WORKFLOW_TYPE, scheduleExists } from './schedule.js';

export interface StartedRefresh {
  readonly workflowId: string;
  readonly via: 'schedule' | 'workflow';
}

async function findTriggeredWorkflow(client: Client, scheduleId: string, after: Date, timeoutMs: number): Promise<string | undefined> {
  const handle = client.schedule.getHandle(scheduleId);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const description = await handle.describe();
    const recent = description.info.recentActions
      .filter((action) => action.takenAt.getTime() >= after.getTime() - 1000)
      .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
    if (recent[0]) return recent[0].action.workflow.workflowId;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return undefined;
}

export async function refreshNow(client: Client, config: LoadedConfig, options: { findTimeoutMs?: number } = {}): Promise<StartedRefresh> {
  const scheduleId = config.schedule.id;
  if (await scheduleExists(client, scheduleId)) {
    const before = new Date();
    await client.schedule.getHandle(scheduleId).trigger();
    const workflowId = await findTriggeredWorkflow(client, scheduleId, before, options.findTimeoutMs ?? 24 * 3600_000);
    if (!workflowId) throw new Error(`triggered schedule ${scheduleId}, but no refresh started in time`);
    await client.workflow.getHandle(workflowId).signal('markManual').catch(() => undefined);
    return { workflowId, via: 'schedule' };
  }
  const input: RefreshInput = { trigger: 'manual' };
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
  workflowId: string,
  onProgress: (progress: RefreshProgress) => void = () => undefined,
  pollMs = 500,
): Promise<RefreshResult> {
  const handle: WorkflowHandle = client.workflow.getHandle(workflowId);
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
