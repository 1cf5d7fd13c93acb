import { JuleeError, StorageError } from '../errors/julee-error.js';

/** Whether an error comes from an AbortSignal (the caller gave up; not a backend failure). */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/**
 * Runs one backend call and turns anything it throws that is neither a JuleeError nor an abort
 * into a StorageError that names the operation and key, with the original error as cause.
 */
export async function storageCall<T>(
  operation: string,
  key: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw asStorageError(error, operation, key);
  }
}

/** The error to throw for a failed backend call (see storageCall). */
export function asStorageError(error: unknown, operation: string, key: string): unknown {
  if (error instanceof JuleeError || isAbortError(error)) return error;
  return new StorageError(`storage ${operation} failed for key "${key}"`, {
    cause: error,
    details: { operation, key },
  });
}

/** Calls fn on every item with at most `limit` calls in flight; results keep the input order. */
export async function mapConcurrently<I, O>(
  items: readonly I[],
  limit: number,
  fn: (item: I) => Promise<O>,
): Promise<O[]> {
  const results = new Array<O>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as I);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
