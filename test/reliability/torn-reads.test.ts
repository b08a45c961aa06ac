/**
 * Torn reads (issue 8, item 3): 20 consecutive refreshes in this process, alternating between two
 * datasets with different counts, while a separate reader process polls the current run (current.json →
 * run database read-only → counts; export manifest → file → sha256). Every read must see one complete
 * published run: its counts are exactly those of the dataset that run was built from, effective_consent
 * has one row per customer × purpose, and the export file is the one its manifest describes.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type LoadedConfig } from '../../core/config/load.js';
import { refreshLocally } from '../../core/pipeline/local-refresh.js';
import { makeWorkspace } from '../support/workspace.js';
import { generateMidSizeDataset } from './support/dataset.js';
import type { ReaderRead } from './support/reader.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RUNS = 20;
const MIN_READS = 40;
const DATASETS = { a: 1_500, b: 2_500 } as const;
type Dataset = keyof typeof DATASETS;

interface Expected {
  customers: number;
  segmentMembers: number;
  exportRows: number;
}

let dir: string;

function configFor(dataset: Dataset): LoadedConfig {
  const data = `./data-${dataset}`;
  return parseConfig(
    {
      warehouse: './wh',
      retention: { runs: 3 },
      purposes: { Newsletter: { regime: 'opt-in' }, 'Product updates': { regime: 'opt-in' }, 'Sale of data': { regime: 'opt-out' } },
      sources: [
        { name: 'crm', type: 'profiles', format: 'csv', path: `${data}/crm.csv`, primaryKey: 'contact_id', keys: { email: 'email', phone: 'phone' }, attributes: { first_name: 'first_name', country: 'country' } },
        { name: 'shop', type: 'profiles', format: 'csv', path: `${data}/shop.csv`, primaryKey: 'id', keys: { email: 'email', phone: 'phone' } },
        { name: 'consent', type: 'consent', format: 'csv', path: `${data}/consent.csv`, primaryKey: 'consent_id', keys: { email: 'email' }, option: 'option', value: 'value', date: 'date' },
      ],
      segments: [{ name: 'news', rule: 'Consent option = Newsletter & Consent value = True' }],
      exports: [{ name: 'news-csv', segment: 'news', purpose: 'Newsletter', path: './out/news', fields: ['email', 'first_name', 'country'] }],
    },
    path.join(dir, 'consent.config.yaml'),
  );
}

beforeAll(async () => {
  dir = makeWorkspace('consent-torn-reads-');
  for (const [dataset, profiles] of Object.entries(DATASETS)) {
    mkdirSync(path.join(dir, `data-${dataset}`));
    await generateMidSizeDataset(path.join(dir, `data-${dataset}`), profiles);
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a reader polling during 20 consecutive refreshes', () => {
  it('only ever sees complete published runs', async () => {
    const configs = { a: configFor('a'), b: configFor('b') };
    const datasetOfRun = new Map<string, Dataset>();
    const expected = new Map<Dataset, Expected>();
    const refresh = async (run: number) => {
      const dataset: Dataset = run % 2 === 1 ? 'a' : 'b';
      const runId = `run-${String(run).padStart(2, '0')}`;
      const result = await refreshLocally(configs[dataset], { runId });
      datasetOfRun.set(runId, dataset);
      const counts = { customers: result.unify.customers, segmentMembers: result.segments[0]!.members, exportRows: result.exports[0]!.rowsWritten };
      // The same dataset always gives the same counts; the two datasets differ.
      expect(expected.get(dataset) ?? counts).toEqual(counts);
      expected.set(dataset, counts);
    };

    await refresh(1);
    const config = configs.a;
    const reader = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/reliability/support/reader.ts'), config.warehouse, config.exports[0]!.path, 'news-csv'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const reads: ReaderRead[] = [];
    const errors: string[] = [];
    let firstRead: () => void = () => undefined;
    const gotFirstRead = new Promise<void>((resolve) => (firstRead = resolve));
    createInterface({ input: reader.stdout! }).on('line', (line) => {
      reads.push(JSON.parse(line) as ReaderRead);
      firstRead();
    });
    reader.stderr!.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => reader.once('exit', (code) => resolve(code)));
    try {
      await Promise.race([gotFirstRead, exited.then(() => Promise.reject(new Error(`reader exited: ${errors.join('')}`)))]);
      for (let run = 2; run <= RUNS; run++) await refresh(run);
      // A few more reads of the final state.
      const target = reads.length + 3;
      while (reads.length < target && reader.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      reader.stdin!.end();
    }
    expect(await exited, errors.join('')).toBe(0);

    expect(expected.get('a')!.customers).not.toBe(expected.get('b')!.customers);
    expect(expected.get('a')!.exportRows).not.toBe(expected.get('b')!.exportRows);
    expect(reads.length).toBeGreaterThanOrEqual(MIN_READS);
    const runsSeen = new Set<string>();
    for (const read of reads) {
      const dataset = datasetOfRun.get(read.runId);
      expect(dataset, `read of unknown run ${read.runId}`).toBeDefined();
      const want = expected.get(dataset!)!;
      expect({ customers: read.customers, segmentMembers: read.segmentMembers, segmentMemberRows: read.segmentMemberRows }).toEqual({
        customers: want.customers,
        segmentMembers: want.segmentMembers,
        segmentMemberRows: want.segmentMembers,
      });
      expect(read.purposes).toBe(3);
      expect(read.effectiveConsent).toBe(read.customers * 3);
      expect(read.exportRowsWritten).toBe(want.exportRows);
      // The export folder may lag the run database by one publish, but it is always one whole run's export.
      const exportDataset = datasetOfRun.get(read.exportRunId);
      expect(exportDataset, `export of unknown run ${read.exportRunId}`).toBeDefined();
      expect(read.sha256Matches).toBe(true);
      expect(read.manifestRows).toBe(expected.get(exportDataset!)!.exportRows);
      expect(read.fileRows).toBe(read.manifestRows);
      runsSeen.add(read.runId);
    }
    // The reader really ran alongside the refreshes: it saw several different runs, of both datasets.
    expect(runsSeen.size).toBeGreaterThanOrEqual(5);
    expect(new Set([...runsSeen].map((runId) => datasetOfRun.get(runId))).size).toBe(2);
    const retries = reads.reduce((sum, read) => sum + read.retries, 0);
    const mismatches = reads.reduce((sum, read) => sum + read.shaMismatches, 0);
    console.info(`torn reads: ${reads.length} reads over ${runsSeen.size} runs; ${retries} retries, ${mismatches} sha256 mismatches retried`);
  }, 240_000);
});
