import type { ByteSource } from '../domain/repositories.js';

/**
 * The few operations a key-value object store must offer for the generic object-store
 * repositories (storage/object-store-repository.ts) to build every entity repository on top.
 * The filesystem, S3 and MinIO plugins implement it; so can a third-party backend.
 * Keys are relative to the store's own bucket and prefix, use "/" as separator and contain only
 * characters the repositories chose (ids are checked before they become keys).
 * Every method throws StorageError on a backend failure; absence is reported as null or false.
 */
export interface ObjectStore {
  /** The whole object (small: entity JSON), or null when there is no object at this key. */
  get(key: string): Promise<Uint8Array | null>;
  /** Creates or atomically replaces a small object. */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Removes the object; true when it existed. */
  delete(key: string): Promise<boolean>;
  /** Byte size of the object, or null when absent. */
  stat(key: string): Promise<{ size: number } | null>;
  /** Every key under a prefix, in ascending byte order of the key. */
  list(prefix: string): AsyncIterable<string>;
  /** Streams a body of unknown length to a key; returns the number of bytes written. */
  putStream(
    key: string,
    body: ByteSource,
    contentType: string,
    options?: { signal?: AbortSignal },
  ): Promise<number>;
  /** A stream of the object's bytes, or null when absent. */
  openStream(key: string, options?: { signal?: AbortSignal }): Promise<ByteSource | null>;
  /** Moves an object to another key of the same store, replacing what is there. */
  move(fromKey: string, toKey: string): Promise<void>;
  /**
   * True when `move` copies the bytes rather than renaming (S3 and MinIO: a server-side copy,
   * then a delete). The document repository then never moves content: it leaves an upload where
   * it landed and writes a small record under the content hash that points to it. Absent or
   * false: `move` is a cheap rename (filesystem, memory) and content lives under its hash.
   */
  readonly moveCopiesData?: boolean;
  /** Checks the store is reachable and its bucket exists, creating it when allowed. */
  ensureReady?(signal?: AbortSignal): Promise<void>;
}
