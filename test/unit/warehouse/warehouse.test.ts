import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryRows, STORAGE_VERSION } from '../../../core/db/connection.js';
import { acquireWarehouseLock, ensureWarehouseId, pruneRuns, readCurrentRun, readWarehouseId, RunDatabases, warehouseLayout, writeCurrentRun } from '../../../core/warehouse/index.js';
import { makeWorkspace } from '../../support/workspace.js';

describe('warehouse', () => {
  it('refuses a second live worker and takes over the lock of a dead one', async () => {
    const layout = warehouseLayout(makeWorkspace());
    const lock = acquireWarehouseLock(layout);
    // Another live process "holds" it: fake its pid with a sleeping child.
    lock.release();
    const child = spawn('sleep', ['30']);
    writeFileSync(path.join(layout.root, 'worker.lock'), JSON.stringify({ pid: child.pid, host: (await import('node:os')).hostname() }));
    expect(() => acquireWarehouseLock(layout)).toThrow(`another worker (pid ${child.pid}) already writes the warehouse`);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const taken = acquireWarehouseLock(layout);
    expect(readdirSync(layout.root)).toContain('worker.lock');
    taken.release();
    expect(readdirSync(layout.root)).not.toContain('worker.lock');
  });

  it('replaces current.json atomically and reads it back', () => {
    const layout = warehouseLayout(makeWorkspace());
    expect(readCurrentRun(layout)).toBeUndefined();
    writeCurrentRun(layout, { runId: 'run-a', publishedAt: '2026-01-01T00:00:00.000Z', previousRunId: null });
    writeCurrentRun(layout, { runId: 'run-b', publishedAt: '2026-01-02T00:00:00.000Z', previousRunId: 'run-a' });
    expect(readCurrentRun(layout)).toEqual({ runId: 'run-b', publishedAt: '2026-01-02T00:00:00.000Z', previousRunId: 'run-a' });
    expect(readdirSync(layout.root).filter((name) => name.includes('tmp'))).toEqual([]);
  });

  it('keeps the newest N published runs and the current one, and removes unpublished leftovers', () => {
    const layout = warehouseLayout(makeWorkspace());
    mkdirSync(layout.runsDir, { recursive: true });
    const make = (runId: string, published: boolean, ageSeconds: number) => {
      const files = [`${runId}.duckdb`, ...(published ? [`${runId}.summary.json`] : [])];
      for (const name of files) {
        const file = path.join(layout.runsDir, name);
        writeFileSync(file, 'x');
        const time = new Date(Date.now() - ageSeconds * 1000);
        utimesSync(file, time, time);
      }
    };
    make('run-1', true, 50);
    make('run-2', true, 40);
    make('run-3', true, 30);
    make('run-failed', false, 35);
    make('run-4', true, 20);
    make('run-5', false, 10); // still being built
    const result = pruneRuns(layout, { keep: 2, currentRunId: 'run-4', activeRunIds: ['run-5'] });
    expect(result.deletedRuns).toEqual(['run-1', 'run-2', 'run-failed']);
    expect(readdirSync(layout.runsDir).sort()).toEqual(['run-3.duckdb', 'run-3.summary.json', 'run-4.duckdb', 'run-4.summary.json', 'run-5.duckdb']);
  });
  it('gives a warehouse one id, created by its first worker, read the same from any path to the folder', () => {
    const root = makeWorkspace();
    const layout = warehouseLayout(root);
    expect(readWarehouseId(layout)).toBeUndefined();
    const id = ensureWarehouseId(layout);
    expect(id).toMatch(/^wh-[0-9a-f]{12}$/);
    expect(ensureWarehouseId(layout)).toBe(id);
    expect(readWarehouseId(warehouseLayout(path.join(root, '..', path.basename(root))))).toBe(id);
    expect(readFileSync(path.join(root, 'warehouse.id'), 'utf8')).toBe(`${id}\n`);
    expect(ensureWarehouseId(warehouseLayout(makeWorkspace()))).not.toBe(id);
    writeFileSync(path.join(root, 'warehouse.id'), 'not an id');
    expect(readWarehouseId(layout)).toBeUndefined();
    expect(() => ensureWarehouseId(layout)).toThrow(`${path.join(root, 'warehouse.id')} does not hold a warehouse id (wh- and 12 hex digits): delete it and restart the worker`);
  });
});

describe('run database files', () => {
  it('are written in the v1.5.0 storage format (faster string writes than the default v1.0.0)', async () => {
    const layout = warehouseLayout(makeWorkspace());
    const databases = new RunDatabases(layout, {});
    try {
      const tags = await databases.run('run-storage', null).withConnection((c) =>
        queryRows<{ tags: { key: string; value: string }[] }>(c, { sql: 'SELECT tags FROM duckdb_databases() WHERE database_name = current_database()' }),
      );
      expect(STORAGE_VERSION).toBe('v1.5.0');
      expect(tags[0]?.tags).toEqual([{ key: 'storage_version', value: 'v1.5.0+' }]);
    } finally {
      await databases.closeAll();
    }
  });
});
