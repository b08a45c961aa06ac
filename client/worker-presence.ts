/**
 * Whether any worker polls the config's task queue: a refresh started while none does waits silently until
 * one starts (e.g. after `npm start -- --once` has exited), so the CLI says so instead.
 */
import type { Client } from '@temporalio/client';
import type { LoadedConfig } from '../core/config/load.js';

/** TaskQueueKind.NORMAL and TaskQueueType.WORKFLOW in the Temporal API (numeric enum values). */
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

/** True when a worker polled the refresh task queue recently; undefined when the server could not say. */
export async function workerIsPolling(client: Client, config: Pick<LoadedConfig, 'temporal'>): Promise<boolean | undefined> {
  try {
    const response = await client.workflowService.describeTaskQueue({
      namespace: config.temporal.namespace,
      taskQueue: { name: config.temporal.taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (response.pollers ?? []).length > 0;
  } catch {
    return undefined;
  }
}

export function noWorkerWarning(config: Pick<LoadedConfig, 'temporal'>): string {
  return (
    `no worker is polling task queue "${config.temporal.taskQueue}": the refresh waits until one starts ` +
    '(`npm start` runs one and stays up; `npm run worker -- --config PATH` runs just the worker)'
  );
}
