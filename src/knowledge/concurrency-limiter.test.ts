import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency-limiter.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ConcurrencyLimiter', () => {
  it('runs at most `limit` calls at once, the others in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          order.push(i);
          await sleep(10);
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.inFlight).toBe(0);
  });

  it('lets a waiting caller leave when its signal fires', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const controller = new AbortController();
    const busy = limiter.run(() => sleep(30));
    const waiting = limiter.run(() => Promise.resolve('ran'), controller.signal);
    expect(limiter.queued).toBe(1);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'JULEE_KNOWLEDGE_CANCELLED' });
    expect(limiter.queued).toBe(0);
    await busy;
    expect(await limiter.run(() => Promise.resolve('next'))).toBe('next');
  });

  it('frees the slot when a call fails', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limiter.inFlight).toBe(0);
  });
});
