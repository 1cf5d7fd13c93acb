import { describe, expect, it } from 'vitest';
import { putStreamInParts, type MultipartUploadCalls } from './multipart-upload.js';

async function* chunks(...sizes: number[]): AsyncGenerator<Uint8Array> {
  let value = 0;
  for (const size of sizes) {
    const chunk = new Uint8Array(size);
    for (let i = 0; i < size; i += 1) chunk[i] = value++ % 251;
    yield await Promise.resolve(chunk);
  }
}

/** An in-memory backend that records what the driver asks of it. */
function recordingBackend(options: { failPart?: number; delayMs?: number } = {}) {
  const log: string[] = [];
  const stored: { single?: Buffer; parts?: Buffer[] } = {};
  const received = new Map<number, Buffer>();
  const buffers = new Set<ArrayBufferLike>();
  const calls: MultipartUploadCalls<number> = {
    putSingle: (body) => {
      log.push('single');
      stored.single = Buffer.from(body);
      return Promise.resolve();
    },
    start: () => {
      log.push('start');
      return Promise.resolve({
        uploadPart: async (body, partNumber) => {
          buffers.add(body.buffer);
          received.set(partNumber, Buffer.from(body));
          await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
          if (partNumber === options.failPart) throw new Error(`part ${partNumber} refused`);
          return partNumber;
        },
        complete: (parts) => {
          log.push(`complete ${parts.join(',')}`);
          stored.parts = parts.map((part) => received.get(part) as Buffer);
          return Promise.resolve();
        },
        abort: () => {
          log.push('abort');
          return Promise.reject(new Error('abort failed too'));
        },
      });
    },
  };
  return { calls, log, stored, buffers };
}

const expected = (size: number): Buffer =>
  Buffer.from(Array.from({ length: size }, (_, i) => i % 251));

describe('putStreamInParts', () => {
  it('sends a body that fits in one part with a single request', async () => {
    const backend = recordingBackend();
    const written = await putStreamInParts(chunks(3, 5), backend.calls, {
      partSize: 8,
      partsInFlight: 2,
      mapError: (error) => error,
    });
    expect(written).toBe(8);
    expect(backend.log).toEqual(['single']);
    expect(backend.stored.single).toEqual(expected(8));
  });

  it('completes a longer body with every part in order', async () => {
    const backend = recordingBackend({ delayMs: 1 });
    const written = await putStreamInParts(chunks(7, 13, 1, 20), backend.calls, {
      partSize: 8,
      partsInFlight: 2,
      mapError: (error) => error,
    });
    expect(written).toBe(41);
    expect(backend.log).toEqual(['start', 'complete 1,2,3,4,5,6']);
    expect(Buffer.concat(backend.stored.parts ?? [])).toEqual(expected(41));
    // Two in flight plus the one being filled: released buffers hold later parts.
    expect(backend.buffers.size).toBeLessThanOrEqual(3);
  });

  it('allocates a buffer per part when reuse is off', async () => {
    const backend = recordingBackend();
    await putStreamInParts(chunks(40), backend.calls, {
      partSize: 8,
      partsInFlight: 1,
      reuseBuffers: false,
      mapError: (error) => error,
    });
    expect(backend.buffers.size).toBe(5);
  });

  it('aborts the upload and reports the failed part, not the failed abort', async () => {
    const backend = recordingBackend({ failPart: 2 });
    const failure = putStreamInParts(chunks(40), backend.calls, {
      partSize: 8,
      partsInFlight: 2,
      mapError: (error) => new Error(`mapped: ${(error as Error).message}`),
    });
    await expect(failure).rejects.toThrow('mapped: part 2 refused');
    expect(backend.log).toEqual(['start', 'abort']);
  });

  it('throws the error of maxParts when the body needs more parts', async () => {
    const backend = recordingBackend();
    const tooMany = new Error('too many parts');
    const failure = putStreamInParts(chunks(40), backend.calls, {
      partSize: 8,
      partsInFlight: 2,
      maxParts: { limit: 3, error: () => tooMany },
      mapError: (error) => error,
    });
    await expect(failure).rejects.toBe(tooMany);
    expect(backend.log).toEqual(['start', 'abort']);
  });

  it('rethrows a failing source unmapped', async () => {
    const backend = recordingBackend();
    const broken = new Error('client went away');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield await Promise.resolve(new Uint8Array(20));
      throw broken;
    }
    const failure = putStreamInParts(failing(), backend.calls, {
      partSize: 8,
      partsInFlight: 2,
      mapError: () => new Error('should not be mapped'),
    });
    await expect(failure).rejects.toBe(broken);
    expect(backend.log).toEqual(['start', 'abort']);
  });
});
