/** The outcome of one task run by runBounded. */
export type BoundedOutcome<R> =
  | { readonly status: 'fulfilled'; readonly value: R }
  | { readonly status: 'rejected'; readonly reason: unknown }
  /** Not started, because the signal fired first. */
  | { readonly status: 'skipped' };

/**
 * Runs `task` for every item, at most `limit` at a time, starting them in item order. Once
 * `signal` fires no further task starts (those are `skipped`); tasks in flight are left to
 * finish or to react to the signal themselves. Resolves when every started task has settled,
 * with the outcomes in item order; never rejects.
 */
export async function runBounded<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  task: (item: T, index: number) => Promise<R>,
): Promise<BoundedOutcome<R>[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`The parallelism limit must be a positive integer, not ${limit}`);
  }
  const outcomes: BoundedOutcome<R>[] = items.map(() => ({ status: 'skipped' }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal.aborted) {
      const index = next++;
      try {
        outcomes[index] = { status: 'fulfilled', value: await task(items[index]!, index) };
      } catch (reason) {
        outcomes[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return outcomes;
}
