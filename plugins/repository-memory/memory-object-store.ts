import { StorageError, type ByteSource, type ObjectStore } from '../../src/plugin-api/index.js';

/** Size of the chunks handed out when stored bytes are read back as a stream. */
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * An ObjectStore in process memory. Every read hands out a new stream over copies of the stored
 * bytes, so a stream can be read once per open and callers cannot change what is stored.
 */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, Uint8Array>();

  get(key: string): Promise<Uint8Array | null> {
    const stored = this.objects.get(key);
    return Promise.resolve(stored === undefined ? null : stored.slice());
  }

  put(key: string, body: Uint8Array, _contentType: string): Promise<void> {
    this.objects.set(key, body.slice());
    return Promise.resolve();
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.objects.delete(key));
  }

  stat(key: string): Promise<{ size: number } | null> {
    const stored = this.objects.get(key);
    return Promise.resolve(stored === undefined ? null : { size: stored.byteLength });
  }

  async *list(prefix: string): AsyncIterable<string> {
    const keys = [...this.objects.keys()].filter((key) => key.startsWith(prefix));
    keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const key of keys) {
      await yieldTurn();
      yield key;
    }
  }

  async putStream(
    key: string,
    body: ByteSource,
    _contentType: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) {
      options.signal?.throwIfAborted();
      chunks.push(Buffer.from(chunk));
    }
    options.signal?.throwIfAborted();
    const joined = Buffer.concat(chunks);
    this.objects.set(key, new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength));
    return joined.byteLength;
  }

  openStream(key: string, options: { signal?: AbortSignal } = {}): Promise<ByteSource | null> {
    const stored = this.objects.get(key);
    if (stored === undefined) return Promise.resolve(null);
    return Promise.resolve(chunksOf(stored, options.signal));
  }

  move(fromKey: string, toKey: string): Promise<void> {
    const stored = this.objects.get(fromKey);
    if (stored === undefined) {
      return Promise.reject(
        new StorageError(`cannot move missing object "${fromKey}"`, {
          details: { key: fromKey },
          retryable: false,
        }),
      );
    }
    this.objects.set(toKey, stored);
    if (fromKey !== toKey) this.objects.delete(fromKey);
    return Promise.resolve();
  }
}

async function* chunksOf(bytes: Uint8Array, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += READ_CHUNK_BYTES) {
    await yieldTurn();
    signal?.throwIfAborted();
    yield bytes.slice(offset, offset + READ_CHUNK_BYTES);
  }
}

/** Lets other work run between items, as a backend doing I/O would. */
function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
