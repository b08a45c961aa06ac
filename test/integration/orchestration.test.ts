/**
 * Orchestration on the real dev server: schedule trigger, pause, concurrent "refresh now", failed runs,
 * and what Temporal stores (no personal data anywhere in a refresh's history).
 * With RECORD_HISTORIES=1 it also saves the histories replayed by test/replay.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { refreshNow, waitForRefresh } from '../../client/refresh-now.js';
import { REFRESH_WORKFLOW_TYPE } from '../../client/schedule.js';
import { assertScheduleServesWarehouse, OPERATOR_PAUSE_NOTE, upsertSchedule } from '../../client/schedule.js';
import { readCurrentRun, readWarehouseId, warehouseLayout } from '../../core/warehouse/index.js';
import type { RefreshInput, RefreshResult } from '../../workflows/refresh-types.js';
import { exampleWorkspace, type Workspace } from '../support/workspace.js';
import { startRuntime, uniqueQueue, type TestRuntime } from '../support/temporal.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/histories');
const recording = process.env['RECORD_HISTORIES'] === '1';

/** Every email, phone and name in the example sources. */
function personalValues(workspace: Workspace): string[] {
  const values = new Set<string>();
  for (const file of ['data/crm_contacts.csv', 'data/consent.csv']) {
    const [header, ...rows] = readFileSync(path.join(workspace.dir, file), 'utf8').trim().split('\n');
    const columns = header!.split(',');
    for (const row of rows) {
      row.split(',').forEach((cell, index) => {
        if (/email|phone|first_name|last_name/.test(columns[index]!)) values.add(cell.trim());
        if (/phone/.test(columns[index]!)) values.add(cell.replace(/[^0-9]/g, ''));
      });
    }
  }
  return [...values].filter(Boolean);
}

/** The history in Temporal's canonical JSON form (as the CLI and Web UI export it; replayable). */
async function historyJson(runtime: TestRuntime, workflowId: string): Promise<string> {
  return historyToJSON(await runtime.client.workflow.getHandle(workflowId).fetchHistory());
}

/** The history with every payload's base64 `data` decoded, so a text search sees what Temporal stores. */
function decodedHistory(json: string): string {
  const decode = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(decode);
    if (value && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>).map(([key, inner]) => {
        if ((key === 'data' || key === 'encoding' || key === 'type') && typeof inner === 'string') return [key, Buffer.from(inner, 'base64').toString('utf8')];
        return [key, decode(inner)];
      });
      return Object.fromEntries(entries);
    }
    return value;
  };
  return JSON.stringify(decode(JSON.parse(json)));
}

describe('orchestration', () => {
  let workspace: Workspace;
  let runtime: TestRuntime;

  beforeAll(async () => {
    workspace = exampleWorkspace(inject('temporalAddress'), uniqueQueue('orch'));
    runtime = await startRuntime(workspace.config);
  });
  afterAll(async () => {
    await runtime?.client.schedule.getHandle(workspace.config.schedule.id).delete().catch(() => undefined);
    await runtime?.stop();
  });

  it('runs a refresh when the schedule is triggered, and keeps no personal data in its history', async () => {
    await upsertSchedule(runtime.client, workspace.config);
    const started = await refreshNow(runtime.client, workspace.config);
    expect(started.via).toBe('schedule');
    const result = await waitForRefresh(runtime.client, started);
    expect(result.trigger).toBe('manual');
    expect(readCurrentRun(warehouseLayout(workspace.config.warehouse))?.runId).toBe(result.runId);

    const history = decodedHistory(await historyJson(runtime, started.workflowId));
    expect(history).toContain(result.runId);
    expect(history).toContain('import crm (csv)');
    const words = new Set(history.toLowerCase().split(/[^a-z0-9@.+_-]+/));
    const leaked = personalValues(workspace).filter((value) => words.has(value.toLowerCase()) || (value.includes('@') && history.toLowerCase().includes(value.toLowerCase())));
    expect(leaked).toEqual([]);

    const description = await runtime.client.workflow.getHandle(started.workflowId).describe();
    expect(description.memo).toMatchObject({ runId: result.runId, trigger: 'manual', stage: 'published', customers: 2 });
    expect(description.typedSearchAttributes.get({ name: 'ConsentOutcome', type: 'KEYWORD' } as never)).toBe('published');
    if (recording) writeFileSync(path.join(FIXTURES, 'refresh-published.json'), await historyJson(runtime, started.workflowId));
  });

  it('consent refresh --wait and consent status, as a user runs them', async () => {
    const bin = path.resolve(import.meta.dirname, '../../bin/consent.js');
    // Asynchronous: the worker runs in this process and must keep polling while the CLI waits.
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [bin, ...args, '--config', workspace.configFile], { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) =>
          resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        );
      });
    const refresh = await run(['refresh', '--wait']);
    expect(refresh.status).toBe(0);
    expect(refresh.stderr).not.toContain('restart the worker');
    expect(refresh.stdout).toMatch(/Refresh run-\S+ \(manual\) published at/);
    expect(refresh.stdout).toContain('newsletter-file (newsletter, purpose Newsletter): 1 rows written, 0 held back by the consent guard');
    const status = await run(['status', '--json']);
    expect(status.status).toBe(0);
    const parsed = JSON.parse(status.stdout) as { current: { runId: string }; runs: { status: string; trigger: string; runId: string; customers: number }[] };
    expect(parsed.runs.length).toBeGreaterThanOrEqual(2);
    expect(parsed.runs[0]).toMatchObject({ status: 'COMPLETED', trigger: 'manual', runId: parsed.current.runId, customers: 2 });
    const text = await run(['status']);
    expect(text.stdout).toContain(`current run: ${parsed.current.runId}`);
    expect(text.stdout).toMatch(/COMPLETED\s+manual/);
    expect(text.stdout).toContain('6 rows read; 2 customers; segments: newsletter 1, product-updates 1; rows exported: newsletter-file 1, product-updates-file 1');
    // The config changes while the worker runs the one it loaded: the refresh says the worker must restart.
    const original = readFileSync(workspace.configFile, 'utf8');
    try {
      writeFileSync(workspace.configFile, `${original}\nretention: { runs: 9 }\n`);
      const stale = await run(['refresh', '--wait']);
      expect(stale.status).toBe(0);
      expect(stale.stderr).toContain(`warning: the worker ran this refresh with the config it loaded when it started, which differs from ${workspace.configFile} as it is now`);
    } finally {
      writeFileSync(workspace.configFile, original);
    }
  });

  it('upserting the schedule twice is idempotent', async () => {
    const first = await upsertSchedule(runtime.client, workspace.config);
    const second = await upsertSchedule(runtime.client, workspace.config);
    expect(first.created).toBe(false);
    expect(second.created).toBe(false);
  });

  it('an upsert (npm start, schedule create) keeps a pause made with consent schedule pause', async () => {
    const handle = runtime.client.schedule.getHandle(workspace.config.schedule.id);
    await handle.pause(OPERATOR_PAUSE_NOTE);
    try {
      const upserted = await upsertSchedule(runtime.client, workspace.config);
      expect(upserted.keptPaused).toBe(true);
      expect((await handle.describe()).state).toMatchObject({ paused: true, note: OPERATOR_PAUSE_NOTE });
    } finally {
      await handle.unpause('unpaused by the test');
    }
    const again = await upsertSchedule(runtime.client, workspace.config);
    expect(again.keptPaused).toBeUndefined();
    expect((await handle.describe()).state.paused).toBe(false);
  });

  it('ten concurrent "refresh now" requests never overlap and leave one consistent current run', async () => {
    const schedule = runtime.client.schedule.getHandle(workspace.config.schedule.id);
    const before = new Date();
    // The presses straddle a second boundary: the schedule names its workflows by the second, so presses within
    // one second would collapse into one workflow even without an overlap policy; across seconds they would not.
    while (Date.now() % 1000 < 850) await new Promise((resolve) => setTimeout(resolve, 10));
    const requests = await Promise.all(
      Array.from({ length: 10 }, (_, index) => new Promise((resolve) => setTimeout(resolve, index * 40)).then(() => refreshNow(runtime.client, workspace.config))),
    );
    const served = new Map(requests.map((r) => [`${r.workflowId}/${r.runId}`, r]));
    await Promise.all([...served.values()].map((started) => waitForRefresh(runtime.client, started)));
    // A press during a run queues one follow-up (overlap policy BUFFER_ONE): wait until nothing runs.
    for (let idle = 0; idle < 3; ) {
      const info = (await schedule.describe()).info;
      idle = info.runningActions.length === 0 ? idle + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const actions = (await schedule.describe()).info.recentActions.filter((a) => a.takenAt.getTime() >= before.getTime() - 1000);
    expect(actions.length).toBeGreaterThanOrEqual(1);
    // Simultaneous presses race the schedule's own bookkeeping, so the follow-ups are not exactly one; they collapse.
    expect(actions.length).toBeLessThan(requests.length);
    const executions = await Promise.all(actions.map((a) => runtime.client.workflow.getHandle(a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId).describe()));
    // Every run published, no two overlapping in time, each with its own run id.
    expect(executions.map((e) => e.status.name)).toEqual(executions.map(() => 'COMPLETED'));
    const spans = executions.map((e) => [e.startTime.getTime(), e.closeTime!.getTime()] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i += 1) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    const runIds = executions.map((e) => (e.memo as { runId: string }).runId);
    expect(new Set(runIds).size).toBe(runIds.length);
    // The current run is the last one that finished.
    const last = executions.reduce((a, b) => (a.closeTime!.getTime() >= b.closeTime!.getTime() ? a : b));
    const current = readCurrentRun(warehouseLayout(workspace.config.warehouse));
    expect(current?.runId).toBe((last.memo as { runId: string }).runId);
    const lines = readFileSync(path.join(workspace.dir, 'exports/newsletter/newsletter-file.csv'), 'utf8').trim().split('\n');
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['frank@contoso.com']);
  });

  it('presses while a refresh runs queue exactly one follow-up and return at once', async () => {
    const schedule = runtime.client.schedule.getHandle(workspace.config.schedule.id);
    const seen = new Set((await schedule.describe()).info.recentActions.map((a) => a.action.workflow.firstExecutionRunId));
    process.env['CONSENT_FAULT_PAUSE'] = 'unify.after:4000'; // every run now lasts at least 4 s
    try {
      const first = await refreshNow(runtime.client, workspace.config);
      expect(first.queued).toBeUndefined();
      const presses = [];
      for (let i = 0; i < 4; i += 1) presses.push(await refreshNow(runtime.client, workspace.config, { waitForStart: false }));
      expect(presses.map((p) => [p.workflowId, p.queued])).toEqual(presses.map(() => [first.workflowId, true]));
      await waitForRefresh(runtime.client, first);
      for (let idle = 0; idle < 3; ) {
        const info = (await schedule.describe()).info;
        idle = info.runningActions.length === 0 ? idle + 1 : 0;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      delete process.env['CONSENT_FAULT_PAUSE'];
    }
    const actions = (await schedule.describe()).info.recentActions.filter((a) => !seen.has(a.action.workflow.firstExecutionRunId));
    expect(actions).toHaveLength(2); // the run the first press started and one follow-up for the four presses
    const executions = await Promise.all(actions.map((a) => runtime.client.workflow.getHandle(a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId).describe()));
    expect(executions.map((e) => e.status.name)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(executions[1]!.startTime.getTime()).toBeGreaterThanOrEqual(executions[0]!.closeTime!.getTime());
  });

  it('a paused schedule starts nothing; unpaused it runs on its interval', async () => {
    // A second schedule for the same warehouse (its worker is the one this suite runs).
    const config = { ...workspace.config, schedule: { ...workspace.config.schedule, id: `${workspace.config.schedule.id}-interval`, cron: undefined, interval: '2s', paused: true } };
    const { handle } = await upsertSchedule(runtime.client, config);
    try {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      expect((await handle.describe()).info.numActionsTaken).toBe(0);
      await handle.unpause();
      const deadline = Date.now() + 20_000;
      while ((await handle.describe()).info.numActionsTaken === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await handle.describe()).info.numActionsTaken).toBeGreaterThan(0);
      await handle.pause();
      for (const action of (await handle.describe()).info.runningActions) {
        await runtime.client.workflow.getHandle(action.workflow.workflowId).result().catch(() => undefined);
      }
    } finally {
      await handle.delete();
    }
  });

  it('two refreshes started outside the schedule at once: the second to publish starts over, so runs form one chain', async () => {
    const warehouseId = readWarehouseId(warehouseLayout(workspace.config.warehouse));
    const input: RefreshInput = { trigger: 'manual', ...(warehouseId ? { warehouseId } : {}) };
    const start = (suffix: string) =>
      runtime.client.workflow.start(REFRESH_WORKFLOW_TYPE, { workflowId: `${workspace.config.schedule.id}-race-${suffix}`, taskQueue: workspace.config.temporal.taskQueue, args: [input] });
    const handles = await Promise.all([start('a'), start('b')]);
    const results = (await Promise.all(handles.map((handle) => handle.result()))) as RefreshResult[];
    const layout = warehouseLayout(workspace.config.warehouse);
    const summaries = results.map((result) => JSON.parse(readFileSync(layout.runSummary(result.runId), 'utf8')) as { runId: string; previousRunId: string | null });
    // One published after the other and was built against it.
    const [first, second] = summaries[0]!.previousRunId === summaries[1]!.runId ? [summaries[1]!, summaries[0]!] : [summaries[0]!, summaries[1]!];
    expect(second.previousRunId).toBe(first.runId);
    expect(readCurrentRun(layout)?.runId).toBe(second.runId);
  });

  it('a refresh whose source is missing fails clearly and leaves the published run current', async () => {
    const before = readCurrentRun(warehouseLayout(workspace.config.warehouse));
    expect(before).toBeDefined();
    const consentFile = path.join(workspace.dir, 'data/consent.csv');
    const saved = readFileSync(consentFile);
    rmSync(consentFile);
    try {
      const started = await refreshNow(runtime.client, workspace.config);
      const error = await waitForRefresh(runtime.client, started).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const message = String((error as WorkflowFailedError).cause?.message);
      expect(message).toMatch(/source "consent" \(.*consent\.csv\): file not found/);
      expect(readCurrentRun(warehouseLayout(workspace.config.warehouse))).toEqual(before);
      const lines = readFileSync(path.join(workspace.dir, 'exports/newsletter/newsletter-file.csv'), 'utf8').trim().split('\n');
      expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['frank@contoso.com']);
      const description = await runtime.client.workflow.getHandle(started.workflowId).describe();
      expect(description.memo).toMatchObject({ stage: 'failed' });
      if (recording) writeFileSync(path.join(FIXTURES, 'refresh-failed.json'), await historyJson(runtime, started.workflowId));
    } finally {
      writeFileSync(consentFile, saved);
    }
    const recovered = await waitForRefresh(runtime.client, (await refreshNow(runtime.client, workspace.config)).workflowId);
    expect(readCurrentRun(warehouseLayout(workspace.config.warehouse))?.runId).toBe(recovered.runId);
  });
});

describe('refresh with no worker running', () => {
  it('consent refresh says that no worker polls the task queue (the refresh waits for one)', async () => {
    const workspace = exampleWorkspace(inject('temporalAddress'), uniqueQueue('no-worker'));
    const bin = path.resolve(import.meta.dirname, '../../bin/consent.js');
    const { status, stderr } = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'refresh', '--config', workspace.configFile], { encoding: 'utf8', timeout: 60_000 }, (error, _stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
      );
    });
    expect(status).toBe(0);
    expect(stderr).toContain(`warning: no worker is polling task queue "${workspace.config.temporal.taskQueue}": the refresh waits until one starts`);
    const { Connection, Client } = await import('@temporalio/client');
    const connection = await Connection.connect({ address: workspace.config.temporal.address });
    const client = new Client({ connection, namespace: workspace.config.temporal.namespace });
    for await (const execution of client.workflow.list({ query: `TaskQueue = '${workspace.config.temporal.taskQueue}' AND ExecutionStatus = 'Running'` })) {
      await client.workflow.getHandle(execution.workflowId, execution.runId).terminate('test cleanup');
    }
    await connection.close();
  });
});

describe('one schedule id, two warehouses', () => {
  it('refresh now never starts the other warehouse\'s refresh; an upsert takes the schedule over and says so', async () => {
    const queue = uniqueQueue('shared-schedule');
    const first = exampleWorkspace(inject('temporalAddress'), queue);
    const second = exampleWorkspace(inject('temporalAddress'), queue); // another folder, same schedule id
    const { Connection, Client } = await import('@temporalio/client');
    const { ConfigError } = await import('../../core/errors.js');
    const { ensureWarehouseId } = await import('../../core/warehouse/index.js');
    const connection = await Connection.connect({ address: first.config.temporal.address });
    const client = new Client({ connection, namespace: first.config.temporal.namespace });
    const handle = client.schedule.getHandle(first.config.schedule.id);
    try {
      ensureWarehouseId(warehouseLayout(first.config.warehouse));
      ensureWarehouseId(warehouseLayout(second.config.warehouse));
      expect(await upsertSchedule(client, first.config)).toMatchObject({ created: true });
      expect((await handle.describe()).action).toMatchObject({ memo: { warehouse: first.config.warehouse } });

      // Refresh now for the second config would start the first warehouse's refresh: refused.
      const refused = await refreshNow(client, second.config).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as Error).message).toBe(
        `schedule.id: schedule "${queue}-schedule" refreshes another warehouse (${first.config.warehouse}), not ${second.config.warehouse}: ` +
          'give each config its own schedule.id, or take the schedule over for this config with npm start or consent schedule create',
      );

      // An upsert from the second config takes it over, and says from whom.
      const takeOver = await upsertSchedule(client, second.config);
      expect(takeOver).toMatchObject({ created: false, tookOverFrom: first.config.warehouse });
      expect((await handle.describe()).action).toMatchObject({ memo: { warehouse: second.config.warehouse } });
      await expect(refreshNow(client, first.config)).rejects.toThrow(`refreshes another warehouse (${second.config.warehouse})`);

      // A CLI where no warehouse id is visible (the folder lives on the worker's machine) cannot tell: allowed.
      const remote = exampleWorkspace(inject('temporalAddress'), queue);
      const description = await handle.describe();
      expect(() => assertScheduleServesWarehouse(description, remote.config)).not.toThrow();

      // The first warehouse deleted and re-created (a new id) takes it back; the same folder re-created is its own.
      expect(await upsertSchedule(client, first.config)).toMatchObject({ created: false, tookOverFrom: second.config.warehouse });
      rmSync(first.config.warehouse, { recursive: true, force: true });
      ensureWarehouseId(warehouseLayout(first.config.warehouse));
      const again = await upsertSchedule(client, first.config);
      expect(again.created).toBe(false);
      expect(again.tookOverFrom).toBeUndefined();
    } finally {
      await handle.delete().catch(() => undefined);
      await connection.close();
    }
  });
});
