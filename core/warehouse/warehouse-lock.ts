/**
 * One writing worker per warehouse and host: a lock file created exclusively, holding the owner's pid and
 * host. A lock whose process is gone (crash, SIGKILL) is taken over; a live one is refused with a clear
 * message. (DuckDB's own file lock also stops two processes opening one run file for writing.)
 */
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WarehouseLayout } from './layout.js';

export interface WarehouseLock {
  readonly file: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireWarehouseLock(layout: WarehouseLayout): WarehouseLock {
  mkdirSync(layout.root, { recursive: true });
  const file = path.join(layout.root, 'worker.lock');
  const host = os.hostname();
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host, startedAt: new Date().toISOString() }));
      closeSync(fd);
      return {
        file,
        release: () => {
          try {
            const owner = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
            if (owner.pid === process.pid) rmSync(file, { force: true });
          } catch {
            // Already gone.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner: { pid?: number; host?: string } = {};
      try {
        owner = JSON.parse(readFileSync(file, 'utf8')) as typeof owner;
      } catch {
        // Unreadable or half-written lock: treat as stale.
      }
      if (owner.host === host && typeof owner.pid === 'number' && owner.pid !== process.pid && alive(owner.pid)) {
        throw new Error(`another worker (pid ${owner.pid}) already writes the warehouse ${layout.root}; stop it first (lock file ${file})`);
      }
      if (owner.host !== undefined && owner.host !== host) {
        throw new Error(`the warehouse ${layout.root} is locked by a worker on host ${owner.host}; one warehouse belongs to one host (lock file ${file})`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the warehouse ${layout.root}`);
}
