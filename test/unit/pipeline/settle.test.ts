/**
 * A local refresh's cleanup (closing and deleting the run database) must wait for every parallel task:
 * closing a DuckDB instance under a running query crashed a test worker in CI.
 */
import { expect, it } from 'vitest';
import { allSettledOrThrow } from '../../../core/pipeline/settle.js';

it('fails with the first failure only after every task has settled', async () => {
  let slowFinished = false;
  const slow = new Promise<number>((resolve) => setTimeout(() => ((slowFinished = true), resolve(2)), 50));
  const failing = Promise.reject(new Error('export 0 failed'));
  await expect(allSettledOrThrow([failing, slow])).rejects.toThrow('export 0 failed');
  expect(slowFinished).toBe(true);
  // Promise.all would have failed before the slow task finished.
  let finishedUnderAll = false;
  const slowAgain = new Promise<number>((resolve) => setTimeout(() => ((finishedUnderAll = true), resolve(2)), 50));
  await expect(Promise.all([Promise.reject(new Error('x')), slowAgain])).rejects.toThrow('x');
  expect(finishedUnderAll).toBe(false);
});

it('returns every value in order when all succeed', async () => {
  expect(await allSettledOrThrow([Promise.resolve(1), new Promise<number>((resolve) => setTimeout(() => resolve(2), 5))])).toEqual([1, 2]);
});
