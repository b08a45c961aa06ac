/**
 * Crash recovery (issue 8): a refresh on a mid-size generated dataset, with the worker process SIGKILLed
 * at a fault point in each stage in turn; a new worker finishes the refresh, and the published results and
 * export files are identical to an uninterrupted run's. Also: a crash between an export's data file and its
 * manifest never leaves a manifest pointing at a partial file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../core/config/load.js';
import { queryRows } from '../../core/db/connection.js';
import { openPublishedRun, readCurrentRun, warehouseLayout } from '../../core/warehouse/index.js';
import type { RefreshResult } from '../../workflows/refresh-types.js';
import { makeWorkspace } from '../support/workspace.js';
import { uniqueQueue } from '../support/temporal.js';
import { generateMidSizeDataset, midSizeConfig } from './support/dataset.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROFILES = 20_000;
const ALL_FAULT_POINTS = ['import.after', 'unify.after', 'segment.after', 'export.before-manifest', 'export.after', 'publish.after-current', 'publish.after'];
// CI runs a reduced suite (CONSENT_RELIABILITY_REDUCED=1): one kill per kind of stage boundary.
const FAULT_POINTS = process.env['CONSENT_RELIABILITY_REDUCED'] === '1' ? ['unify.after', 'export.before-manifest', 'publish.after-current'] : ALL_FAULT_POINTS;

interface Worker {
  readonly process: ChildProcess;
  readonly output: string[];
  waitFor(text: string, timeoutMs: number): Promise<void>;
  stop(signal: NodeJS.Signals): Promise<void>;
}

function startWorker(configFile: string, faultPause?: string): Worker {
  const env: NodeJS.ProcessEnv = { ...process.env, CONSENT_TEMPORAL_LOG_LEVEL: 'ERROR' };
  if (faultPause) env['CONSENT_FAULT_PAUSE'] = faultPause;
  else delete env['CONSENT_FAULT_PAUSE'];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker/main.ts'), '--config', configFile], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output.push(chunk.toString());
    const all = output.join('');
    for (const waiter of [...waiters]) {
      if (all.includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    process: child,
    output,
    waitFor: (text, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        if (output.join('').includes(text)) return resolve();
        const timer = setTimeout(() => reject(new Error(`worker never printed "${text}"; output:\n${output.join('')}`)), timeoutMs);
        waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    stop: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}

const debug = (line: string) => process.env['CONSENT_DEBUG'] && console.error(`${new Date().toISOString()} ${line}`);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** What must be identical between an interrupted and an uninterrupted refresh of the same data. */
async function fingerprint(dir: string, result: RefreshResult): Promise<Record<string, unknown>> {
  const config = loadConfig(path.join(dir, 'consent.config.yaml'));
  const layout = warehouseLayout(config.warehouse);
  expect(readCurrentRun(layout)?.runId).toBe(result.runId);
  const files: Record<string, string> = {};
  for (const exportConfig of config.exports) {
    const folder = exportConfig.path;
    const manifest = JSON.parse(readFileSync(path.join(folder, `${exportConfig.name}.manifest.json`), 'utf8'));
    for (const entry of manifest.files) {
      expect(sha256(path.join(folder, entry.path))).toBe(entry.sha256);
      files[`${exportConfig.name}/${entry.kind}`] = entry.sha256;
    }
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(path.join(folder, 'runs', result.runId)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }
  const instance = await openPublishedRun(layout, result.runId);
  const connection = await instance.connect();
  const tables = {
    customers: await queryRows(connection, { sql: 'SELECT count(*) AS n, count(DISTINCT customer_id) AS ids FROM customers' }),
    consent: await queryRows(connection, { sql: 'SELECT purpose, basis, granted, count(*) AS n FROM effective_consent GROUP BY ALL ORDER BY ALL' }),
    segments: await queryRows(connection, { sql: 'SELECT * FROM segment_stats ORDER BY segment' }),
    rejects: await queryRows(connection, { sql: 'SELECT source, reason, count(*) AS n FROM rejects GROUP BY ALL ORDER BY ALL' }),
  };
  connection.closeSync();
  instance.closeSync();
  // Unpublished leftovers of the crashed attempt must be gone or be this run's own file.
  expect(readdirSync(layout.runsDir).filter((name) => name.endsWith('.duckdb'))).toEqual([`${result.runId}.duckdb`]);
  return { files, tables, segments: result.segments, exports: result.exports.map((e) => [e.export, e.rowsWritten, e.heldBack]) };
}

describe('crash recovery', () => {
  const address = inject('temporalAddress');
  let connection: Connection;
  let client: Client;
  let datasetDir: string;
  let baseline: Record<string, unknown>;

  async function workspace(): Promise<{ dir: string; configFile: string; taskQueue: string }> {
    const dir = makeWorkspace('consent-crash-');
    for (const name of ['crm.csv', 'shop.csv', 'consent.csv']) copyFileSync(path.join(datasetDir, name), path.join(dir, name));
    const taskQueue = uniqueQueue('crash');
    return { dir, configFile: midSizeConfig(dir, { address, taskQueue }), taskQueue };
  }

  /** Starts a refresh; resolves once started, with the result still pending (async functions flatten promises). */
  async function refresh(taskQueue: string): Promise<{ result: Promise<RefreshResult> }> {
    const handle = await client.workflow.start('RefreshWorkflow', { workflowId: `${taskQueue}-refresh`, taskQueue, args: [{ trigger: 'manual' }] });
    const result = handle.result() as Promise<RefreshResult>;
    result.catch(() => undefined);
    return { result };
  }

  beforeAll(async () => {
    connection = await Connection.connect({ address });
    client = new Client({ connection });
    datasetDir = makeWorkspace('consent-crash-data-');
    await generateMidSizeDataset(datasetDir, PROFILES);
    const { dir, configFile, taskQueue } = await workspace();
    const worker = startWorker(configFile);
    try {
      baseline = await fingerprint(dir, await (await refresh(taskQueue)).result);
    } finally {
      await worker.stop('SIGTERM');
    }
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('the uninterrupted baseline published something worth comparing', () => {
    const tables = baseline['tables'] as { customers: { n: string }[] };
    expect(Number(tables.customers[0]!.n)).toBeGreaterThan(PROFILES / 2);
    expect(Object.keys(baseline['files'] as object).sort()).toEqual(['de-parquet/added', 'de-parquet/full', 'de-parquet/removed', 'news-csv/added', 'news-csv/full', 'news-csv/removed']);
  });

  it.each(FAULT_POINTS)('SIGKILL at %s: a new worker completes the refresh with identical results', { timeout: 300_000 }, async (point) => {
    const { dir, configFile, taskQueue } = await workspace();
    const doomed = startWorker(configFile, `${point}:600000`);
    debug(`${point}: worker started`);
    const { result } = await refresh(taskQueue);
    debug(`${point}: refresh started`);
    await doomed.waitFor(`CONSENT_FAULT_POINT_REACHED ${point}`, 90_000);
    if (point === 'export.before-manifest') {
      // Killed between the data file and the manifest: no manifest may point at a partial file.
      const runFolder = path.join(dir, 'out/news/runs');
      for (const runId of existsSync(runFolder) ? readdirSync(runFolder) : []) {
        const manifest = path.join(runFolder, runId, 'news-csv.manifest.json');
        if (!existsSync(manifest)) continue;
        for (const entry of JSON.parse(readFileSync(manifest, 'utf8')).files) expect(sha256(path.join(dir, 'out/news', entry.path))).toBe(entry.sha256);
      }
      expect(existsSync(path.join(dir, 'out/news/news-csv.manifest.json'))).toBe(false);
    }
    debug(`${point}: fault point reached`);
    await doomed.stop('SIGKILL');
    debug(`${point}: killed`);
    const rescuer = startWorker(configFile);
    try {
      const finished = await Promise.race([
        result,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`refresh did not finish; rescuer output:\n${rescuer.output.join('')}`)), 100_000)),
      ]);
      expect(await fingerprint(dir, finished)).toEqual(baseline);
    } finally {
      await rescuer.stop('SIGTERM');
    }
  });

  it('a source that disappears mid-refresh fails that run clearly; the published run stays current; the next good refresh publishes', { timeout: 300_000 }, async () => {
    const { dir, configFile, taskQueue } = await workspace();
    const config = loadConfig(configFile);
    const layout = warehouseLayout(config.warehouse);
    const first = startWorker(configFile);
    const published = await (await refresh(taskQueue)).result;
    await first.stop('SIGTERM');

    const pausing = startWorker(configFile, 'import.before:4000');
    try {
      const handle = await client.workflow.start('RefreshWorkflow', { workflowId: `${taskQueue}-vanishing`, taskQueue, args: [{ trigger: 'manual' }] });
      await pausing.waitFor('CONSENT_FAULT_POINT_REACHED import.before', 60_000);
      const consentFile = path.join(dir, 'consent.csv');
      const saved = readFileSync(consentFile);
      rmSync(consentFile);
      const failure = await handle.result().then(
        () => undefined,
        (error: unknown) => error as Error & { cause?: Error },
      );
      expect(failure?.cause?.message).toMatch(/source "consent" \(.*consent\.csv\): file not found/);
      expect(readCurrentRun(layout)?.runId).toBe(published.runId);
      // The failed run's database is gone: only the published run remains.
      expect(readdirSync(layout.runsDir).filter((name) => name.endsWith('.duckdb'))).toEqual([`${published.runId}.duckdb`]);
      writeFileSync(consentFile, saved);
    } finally {
      await pausing.stop('SIGTERM');
    }
    const again = startWorker(configFile);
    try {
      const next = await (await client.workflow.start('RefreshWorkflow', { workflowId: `${taskQueue}-again`, taskQueue, args: [{ trigger: 'manual' }] })).result() as RefreshResult;
      expect(readCurrentRun(layout)?.runId).toBe(next.runId);
      expect(next.segments).toEqual(published.segments.map((s) => ({ ...s, added: 0, removed: 0, unchanged: s.members })));
    } finally {
      await again.stop('SIGTERM');
    }
  });
});
