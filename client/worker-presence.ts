/**
 * Whether a worker will run a refresh: a refresh started while none polls its task queue waits silently
 * until one starts (e.g. after `npm start -- --once` has exited), so the CLI says so instead.
 *
 * Two signals. `workerIsPolling` asks the server for the task queue's pollers: cheap and immediate, but the
 * server lists a poller for minutes after its worker stopped. `watchForPickup` looks at the refresh itself:
 * still waiting for its first workflow task or plan activity to be taken after some seconds means no live
 * worker (of this warehouse) is polling, whatever the poller list says.
 */
import type { Client } from '@temporalio/client';
import type { LoadedConfig } from '../core/config/load.js';

/** TaskQueueKind.NORMAL and TaskQueueType.WORKFLOW in the Temporal API (numeric enum values). */
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;
/** PendingWorkflowTaskState.SCHEDULED and PendingActivityState.SCHEDULED: waiting for a worker to take it. */
const PENDING_WORKFLOW_TASK_SCHEDULED = 1;
const PENDING_ACTIVITY_SCHEDULED = 1;

/** How to get a worker running (README: npm start, npm run worker). */
const START_A_WORKER = '(`npm start` runs one and stays up; `npm run worker -- --config PATH` runs just the worker)';

/** True when a worker polled the refresh task queue recently; undefined when the server could not say. */
export async function workerIsPolling(client: Client, config: Pick<LoadedConfig, 'temporal'>): Promise<boolean | undefined> {
  try {
    const response = await client.workflowService.describeTaskQueue({
      // The client's namespace: the config's, or CONSENT_TEMPORAL_NAMESPACE when set (temporal-connection.ts).
      namespace: client.options.namespace,
      taskQueue: { name: config.temporal.taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (response.pollers ?? []).length > 0;
  } catch {
    return undefined;
  }
}

export function noWorkerWarning(config: Pick<LoadedConfig, 'temporal'>): string {
  return `no worker is polling task queue "${config.temporal.taskQueue}": the refresh waits until one starts ${START_A_WORKER}`;
}

export function notPickedUpWarning(config: Pick<LoadedConfig, 'temporal'>, afterMs: number): string {
  return (
    `no worker has picked up the refresh after ${Math.round(afterMs / 100) / 10} s; is a worker running for task queue ` +
    `"${config.temporal.taskQueue}" with this config? The refresh waits until one starts ${START_A_WORKER}`
  );
}

/** A refresh workflow (its run, when known). */
export interface RefreshTarget {
  readonly workflowId: string;
  readonly runId?: string | undefined;
}

/**
 * True when the refresh is running, has not got past planning, and is waiting for a worker to take its
 * workflow task or a first attempt of its plan activity (on the shared queue, or on its warehouse's own
 * queue). False when a worker has it, it ended, or the server could not say.
 */
export async function refreshWaitsForWorker(client: Client, target: RefreshTarget): Promise<boolean> {
  try {
    const description = await client.workflow.getHandle(target.workflowId, target.runId).describe();
    if (description.status.name !== 'RUNNING') return false;
    // The workflow sets the `stage` memo once planned: a worker has run it.
    if (description.memo?.['stage'] !== undefined) return false;
    const { pendingWorkflowTask, pendingActivities } = description.raw;
    if (pendingWorkflowTask?.state === PENDING_WORKFLOW_TASK_SCHEDULED) return true;
    return (pendingActivities ?? []).some((activity) => activity.state === PENDING_ACTIVITY_SCHEDULED && (activity.attempt ?? 1) <= 1);
  } catch {
    return false;
  }
}

export interface PickupWatch {
  /** Watches this refresh from now on: the running one a press was queued behind, then the one serving it. */
  watch(target: RefreshTarget): void;
  /** Stops watching (waits for a check in flight). */
  stop(): Promise<void>;
}

/**
 * Calls `onNotPickedUp` (at most once) when a watched refresh still waits for a worker `afterMs` after it
 * became the watched one (see refreshWaitsForWorker).
 */
export function watchForPickup(client: Client, options: { afterMs: number; onNotPickedUp: () => void }): PickupWatch {
  let timer: NodeJS.Timeout | undefined;
  let check: Promise<void> = Promise.resolve();
  let done = false;
  return {
    watch(target) {
      clearTimeout(timer);
      if (done) return;
      timer = setTimeout(() => {
        check = refreshWaitsForWorker(client, target).then((waiting) => {
          if (!waiting || done) return;
          done = true;
          options.onNotPickedUp();
        });
      }, options.afterMs);
    },
    async stop() {
      done = true;
      clearTimeout(timer);
      await check;
    },
  };
}
