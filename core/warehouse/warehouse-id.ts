/**
 * A warehouse's opaque id: `wh-` + 12 hex digits of the SHA-256 of its absolute path. It names the task
 * queue of the one worker that writes the warehouse (`<taskQueue>@<warehouseId>`), so configs that share a
 * task queue never have their runs built by each other's workers. No personal data, no path in clear.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';

export function warehouseId(warehouse: string): string {
  return `wh-${createHash('sha256').update(path.resolve(warehouse)).digest('hex').slice(0, 12)}`;
}

/** The task queue of the worker holding `warehouseId`: every activity of its runs, planning included. */
export function warehouseTaskQueue(taskQueue: string, id: string): string {
  return `${taskQueue}@${id}`;
}
