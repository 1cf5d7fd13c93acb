import { KnowledgeServiceError } from '../errors/knowledge-errors.js';

/**
 * A limit on calls in flight. Callers beyond the limit wait in arrival order; a caller whose
 * signal fires while waiting leaves the queue with JULEE_KNOWLEDGE_CANCELLED.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: { grant: () => void; reject: (error: Error) => void }[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError('limit must be an integer >= 1');
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelled());
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(cancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next caller, so `active` stays the same.
    if (next) next.grant();
    else this.active--;
  }
}

function cancelled(): KnowledgeServiceError {
  return new KnowledgeServiceError(
    'JULEE_KNOWLEDGE_CANCELLED',
    'the call was cancelled while waiting for a free slot',
  );
}
