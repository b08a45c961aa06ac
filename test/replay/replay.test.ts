/**
 * Determinism guard: saved histories of published and of failed refreshes (test/fixtures/histories,
 * recorded with RECORD_HISTORIES=1 npx vitest run test/integration/orchestration.test.ts) are replayed
 * against the current workflow code on every test run. A non-deterministic change fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../worker/create-worker.js';
import { installRuntime } from '../../worker/runtime.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/histories');

describe('workflow replay', () => {
  const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.json')).sort();

  it('has the published and the failed history, with and without a warehouse id in the input', () => {
    // The *-without-warehouse-id histories were recorded before runs carried their warehouse id: such runs
    // may still be in flight when a worker is upgraded, so the workflow keeps replaying them.
    expect(files).toEqual([
      'refresh-failed-without-warehouse-id.json',
      'refresh-failed.json',
      'refresh-published-without-warehouse-id.json',
      'refresh-published.json',
    ]);
  });

  it.each(files)('replays %s without non-determinism', async (file) => {
    installRuntime();
    const history = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));
    const histories = [{ workflowId: file.replace(/\.json$/, ''), history }];
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) results.push(result);
    expect(results).toHaveLength(1);
    expect(results[0]!.error).toBeUndefined();
  });
});
