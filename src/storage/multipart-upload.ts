import type { ByteSource } from '../domain/repositories.js';

/** One multipart upload that has been started at the backend. */
export interface StartedMultipartUpload<P> {
  /** Sends one part (numbered from 1); resolves to what `complete` needs of it (its etag). */
  uploadPart(body: Buffer, partNumber: number): Promise<P>;
  /** Assembles the object from every part's result, given in part-number order. */
  complete(parts: P[]): Promise<void>;
  /** Gives up the upload and drops the parts sent so far. */
  abort(): Promise<void>;
}

/** The provider calls a streamed upload needs; each closes over its bucket, key and signal. */
export interface MultipartUploadCalls<P> {
  /** Stores a body that fits in one part with a single request. */
  putSingle(body: Buffer): Promise<void>;
  /** Starts a multipart upload. */
  start(): Promise<StartedMultipartUpload<P>>;
}

export interface StreamedUploadOptions {
  /** Bytes per part; every part but the last has exactly this size. */
  readonly partSize: number;
  /** Parts sent at the same time. */
  readonly partsInFlight: number;
  /**
   * Whether a part buffer whose request is over holds a later part: memory then stays at
   * partSize × (partsInFlight + 1) and no part becomes garbage. Default true.
   */
  readonly reuseBuffers?: boolean;
  /** The backend's limit on the number of parts, and the error to throw above it. */
  readonly maxParts?: { readonly limit: number; readonly error: () => Error };
  /** Stops the upload; its reason is thrown. */
  readonly signal?: AbortSignal;
  /**
   * Turns a backend failure into the error to throw. Not called for a failure of the source
   * (rethrown as it is) or an abort (the signal's reason is thrown).
   */
  readonly mapError: (error: unknown) => unknown;
}

/**
 * Streams a body of unknown length to an object store: the body is cut into part buffers as it
 * arrives; one that fits in one part goes up with `putSingle`, a longer one as a multipart upload
 * with up to `partsInFlight` parts in flight, completed with the parts' results in order. On any
 * failure the parts in flight are awaited and the upload aborted, and the upload's own error is
 * reported (a failed abort only leaves parts behind). Returns the number of bytes written.
 */
export async function putStreamInParts<P>(
  body: ByteSource,
  calls: MultipartUploadCalls<P>,
  options: StreamedUploadOptions,
): Promise<number> {
  const { signal } = options;
  signal?.throwIfAborted();
  let sourceFailure: { error: unknown } | undefined;
  async function* watched(): AsyncGenerator<Uint8Array> {
    try {
      yield* body;
    } catch (error) {
      sourceFailure = { error };
      throw error;
    }
  }
  const pool = new PartPool(options.partSize, options.reuseBuffers ?? true);
  const parts = pool.cut(watched());

  try {
    // A body that fits in one part goes up in a single PUT.
    const first = await parts.next();
    const second = first.done === true ? first : await parts.next();
    signal?.throwIfAborted();
    if (second.done === true) {
      const payload = first.done === true ? Buffer.alloc(0) : first.value;
      await calls.putSingle(payload);
      return payload.byteLength;
    }
    return await uploadParts(calls, [first.value as Buffer, second.value], parts, pool, options);
  } catch (error) {
    // A failing source (a broken client upload, a size limit) is not a storage failure.
    if (sourceFailure !== undefined) throw sourceFailure.error;
    if (signal?.aborted === true) throw signal.reason;
    throw options.mapError(error);
  } finally {
    // Stops reading the caller's source when the upload ends early: nobody will consume it.
    await parts.return(undefined);
  }
}

/** The multipart half of putStreamInParts; each part's buffer goes back to the pool when sent. */
async function uploadParts<P>(
  calls: MultipartUploadCalls<P>,
  firstParts: Buffer[],
  parts: AsyncGenerator<Buffer>,
  pool: PartPool,
  options: StreamedUploadOptions,
): Promise<number> {
  const { signal, maxParts } = options;
  const upload = await calls.start();
  const results: P[] = [];
  const inFlight = new Set<Promise<void>>();
  let uploadFailure: { error: unknown } | undefined;
  let written = 0;
  let partNumber = 0;
  const send = (payload: Buffer): void => {
    partNumber += 1;
    if (maxParts !== undefined && partNumber > maxParts.limit) throw maxParts.error();
    const part = partNumber;
    written += payload.byteLength;
    const request = upload
      .uploadPart(payload, part)
      .then(
        (result) => {
          results[part - 1] = result;
          // The request is over (retries included): its buffer may hold the next part.
          pool.release(payload);
        },
        (error: unknown) => {
          uploadFailure ??= { error };
        },
      )
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  try {
    for (const payload of firstParts) send(payload);
    for (;;) {
      if (inFlight.size >= options.partsInFlight) await Promise.race(inFlight);
      if (uploadFailure !== undefined) break;
      signal?.throwIfAborted();
      const next = await parts.next();
      if (next.done === true) break;
      send(next.value);
    }
    await Promise.all(inFlight);
    if (uploadFailure !== undefined) throw uploadFailure.error;
    signal?.throwIfAborted();
    await upload.complete(results);
    return written;
  } catch (error) {
    await Promise.allSettled(inFlight);
    await upload.abort().catch((cleanup: unknown) => {
      // The upload's own failure is the one to report; leftover parts only cost space.
      void cleanup;
    });
    throw error;
  }
}

/**
 * Part buffers of one streamed upload. `cut` copies the source's chunks into part-sized buffers
 * (the only copy of the bytes on their way out) and, when reuse is on, takes a released buffer
 * before allocating a new one, so an upload allocates partsInFlight + 1 part buffers at most.
 */
class PartPool {
  readonly #free: Buffer[] = [];

  constructor(
    readonly partSize: number,
    readonly reuse: boolean,
  ) {}

  release(part: Buffer): void {
    // A short last part is a view of a whole part buffer: keep the whole one.
    if (this.reuse && part.byteOffset === 0 && part.buffer.byteLength === this.partSize) {
      this.#free.push(Buffer.from(part.buffer));
    }
  }

  async *cut(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
    let part = this.#take();
    let filled = 0;
    for await (const chunk of source) {
      let offset = 0;
      while (offset < chunk.byteLength) {
        const count = Math.min(this.partSize - filled, chunk.byteLength - offset);
        part.set(chunk.subarray(offset, offset + count), filled);
        filled += count;
        offset += count;
        if (filled === this.partSize) {
          yield part;
          part = this.#take();
          filled = 0;
        }
      }
    }
    if (filled > 0) yield part.subarray(0, filled);
  }

  #take(): Buffer {
    // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool.
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(this.partSize);
  }
}
