/**
 * Two configs (two warehouses, two schedules) sharing one task queue, each with its own worker in this
 * process: every refresh is planned and built by the worker of its own warehouse — never by the other —
 * because runs carry their warehouse id and its worker alone polls `<taskQueue>@<warehouseId>`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { refreshNow, waitForRefresh } from '../../client/refresh-now.js';
import { upsertSchedule } from '../../client/schedule.js';
import { readCurrentRun, warehouseLayout } from '../../core/warehouse/index.js';
import { startRuntime, uniqueQueue, type TestRuntime } from '../support/temporal.js';
import { exampleWorkspace, type Workspace } from '../support/workspace.js';

describe('configs sharing a task queue', () => {
  const queue = uniqueQueue('shared');
  let a: Workspace;
  let b: Workspace;
  const runtimes: TestRuntime[] = [];

  beforeAll(async () => {
    a = exampleWorkspace(inject('temporalAddress'), queue, { schedule: { id: `${queue}-a`, cron: '0 */6 * * *', timezone: 'UTC' } });
    b = exampleWorkspace(inject('temporalAddress'), queue, { schedule: { id: `${queue}-b`, cron: '0 */6 * * *', timezone: 'UTC' } });
    // In b's data holly grants the Newsletter too, so the two warehouses' exports differ.
    const consent = path.join(b.dir, 'data/consent.csv');
    writeFileSync(consent, readFileSync(consent, 'utf8').replace('1,holly@contoso.com,Newsletter,False,2024-05-01', '1,holly@contoso.com,Newsletter,True,2024-05-01'));
    runtimes.push(await startRuntime(a.config), await startRuntime(b.config));
    await upsertSchedule(runtimes[0]!.client, a.config);
    await upsertSchedule(runtimes[0]!.client, b.config);
  });
  afterAll(async () => {
    for (const workspace of [a, b]) await runtimes[0]?.client.schedule.getHandle(workspace.config.schedule.id).delete().catch(() => undefined);
    for (const runtime of runtimes) await runtime.stop();
  });

  it('builds every run in the warehouse it was started for', async () => {
    const client = runtimes[0]!.client;
    const runIds = { a: [] as string[], b: [] as string[] };
    for (let round = 0; round < 3; round += 1) {
      const [startedA, startedB] = await Promise.all([refreshNow(client, a.config), refreshNow(client, b.config)]);
      const [resultA, resultB] = await Promise.all([waitForRefresh(client, startedA), waitForRefresh(client, startedB)]);
      runIds.a.push(resultA.runId);
      runIds.b.push(resultB.runId);
    }
    const runsOnDisk = (workspace: Workspace) =>
      readdirSync(warehouseLayout(workspace.config.warehouse).runsDir)
        .filter((name) => name.endsWith('.summary.json'))
        .map((name) => name.replace('.summary.json', ''))
        .sort();
    expect(runsOnDisk(a)).toEqual([...runIds.a].sort());
    expect(runsOnDisk(b)).toEqual([...runIds.b].sort());
    expect(readCurrentRun(warehouseLayout(a.config.warehouse))?.runId).toBe(runIds.a[2]);
    expect(readCurrentRun(warehouseLayout(b.config.warehouse))?.runId).toBe(runIds.b[2]);
    const newsletter = (workspace: Workspace) =>
      readFileSync(path.join(workspace.dir, 'exports/newsletter/newsletter-file.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[1])
        .sort();
    expect(newsletter(a)).toEqual(['frank@contoso.com']);
    expect(newsletter(b)).toEqual(['frank@contoso.com', 'holly@contoso.com']);
  });
});
