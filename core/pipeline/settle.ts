/**
 * Like Promise.all, but waits for every task to settle before failing: the refresh's cleanup (closing and
 * deleting the run database) must never race a task still running on it — closing a DuckDB instance under
 * a running query crashes the process. The workflow has its own copy (workflows import core as types only).
 */
export async function allSettledOrThrow<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}
