/**
 * A retry reaching the worker while the earlier attempt of the same activity still runs there (DuckDB
 * statements cannot be cancelled) waits for that attempt instead of running the same statements beside it.
 * Uses the SDK's MockActivityEnvironment for the activity context (no server, no DuckDB: the wrapper only).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { withFailures } from '../../../activities/failures.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const attempt = (n: number, activityId = 'unify-1') => new MockActivityEnvironment({ attempt: n, activityId, activityType: 'unifyCustomers' });

describe('an activity retried while its earlier attempt still runs in this process', () => {
  it('joins the running attempt: the work runs once and both attempts return its result', async () => {
    const gate = deferred<string>();
    let runs = 0;
    const activity = withFailures(async (input: { runId: string }) => {
      runs += 1;
      return `${input.runId}: ${await gate.promise}`;
    });
    const first = attempt(1).run(activity, { runId: 'run-1' });
    const second = attempt(2).run(activity, { runId: 'run-1' });
    gate.resolve('unified');
    expect(await Promise.all([first, second])).toEqual(['run-1: unified', 'run-1: unified']);
    expect(runs).toBe(1);
  });

  it('runs again when the earlier attempt fails, and never joins another activity', async () => {
    const gate = deferred<void>();
    let runs = 0;
    const activity = withFailures(async () => {
      runs += 1;
      if (runs === 1) {
        await gate.promise;
        throw new Error('connection lost');
      }
      return 'done';
    });
    const first = attempt(1).run(activity, {});
    const second = attempt(2).run(activity, {});
    gate.resolve();
    await expect(first).rejects.toThrow('connection lost');
    expect(await second).toBe('done');
    expect(runs).toBe(2);
    // Another activity id (another source's import, say) is never joined.
    expect(await Promise.all([attempt(1, 'import-0').run(activity, {}), attempt(1, 'import-1').run(activity, {})])).toEqual(['done', 'done']);
    expect(runs).toBe(4);
  });
});
