/**
 * A warehouse's opaque id (`wh-` + 12 random hex digits), kept in `<warehouse>/warehouse.id` and created
 * by the first worker that writes the warehouse. It names the task queue of that worker
 * (`<taskQueue>@<warehouseId>`), so configs that share a task queue never have their runs built by each
 * other's workers. Being stored in the folder (not derived from its path), it is the same wherever the
 * folder is mounted — in the worker's container and for the CLI on the host. No personal data.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { WarehouseLayout } from './layout.js';

const WAREHOUSE_ID = /^wh-[0-9a-f]{12}$/;

function idFile(layout: WarehouseLayout): string {
  return path.join(layout.root, 'warehouse.id');
}

/** The warehouse's id, or undefined when no worker has written the warehouse yet (or it is not visible here). */
export function readWarehouseId(layout: WarehouseLayout): string | undefined {
  try {
    const id = readFileSync(idFile(layout), 'utf8').trim();
    return WAREHOUSE_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The warehouse's id, created on first use (exclusively, so two racing workers agree on one id). */
export function ensureWarehouseId(layout: WarehouseLayout): string {
  const existing = readWarehouseId(layout);
  if (existing) return existing;
  mkdirSync(layout.root, { recursive: true });
  try {
    writeFileSync(idFile(layout), `wh-${randomBytes(6).toString('hex')}\n`, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const id = readWarehouseId(layout);
  if (!id) throw new Error(`${idFile(layout)} does not hold a warehouse id (wh- and 12 hex digits): delete it and restart the worker`);
  return id;
}

/** The task queue of the worker holding warehouse `id`: every activity of its runs, planning included. */
export function warehouseTaskQueue(taskQueue: string, id: string): string {
  return `${taskQueue}@${id}`;
}
