import { randomUUID } from 'node:crypto';
import { ContentHasher, isMultihash } from '../domain/content-hash.js';
import type { Document } from '../domain/entities.js';
import type {
  ByteSource,
  Clock,
  DocumentRepository,
  StoredContent,
} from '../domain/repositories.js';
import { InputError, IntegrityError, NotFoundError, StorageError } from '../errors/julee-error.js';
import type { ObjectStore } from './object-store.js';
import { ObjectStoreEntityRepository } from './object-store-entity-repository.js';
import { asStorageError, storageCall } from './storage-call.js';

const CONTENT_TYPE = 'application/octet-stream';
/** Key prefix of uploads whose hash is not known yet, in the content store. */
export const CONTENT_UPLOAD_PREFIX = 'tmp/';
/**
 * Key prefix of content kept where it was uploaded, on stores whose moves copy data
 * (ObjectStore.moveCopiesData); a content record under the multihash points to it.
 */
export const CONTENT_BLOB_PREFIX = 'blobs/';
/** Format tag of a content record. */
const RECORD_FORMAT = 'julee-content-record/1';
/** Objects under a multihash key up to this size are read whole to see whether they are records. */
const RECORD_MAX_BYTES = 1024;
const BLOB_KEY_PATTERN = /^blobs\/[0-9a-f-]{36}$/;

/** The object key of stored content (or of its content record) in the content store. */
export function contentKey(contentMultihash: string): string {
  return contentMultihash;
}

/** What the content store holds under a multihash key on stores whose moves copy data. */
interface ContentRecord {
  readonly format: typeof RECORD_FORMAT;
  readonly content_multihash: string;
  readonly size_bytes: number;
  /** The key of the bytes, under CONTENT_BLOB_PREFIX. */
  readonly blob: string;
}

/** Where the bytes of a content hash are, as found in the content store. */
type ContentLocation =
  /** The bytes are the object under the multihash key itself (filesystem, memory). */
  | {
      readonly kind: 'direct';
      readonly key: string;
      readonly size: number;
      readonly bytes?: Uint8Array;
    }
  /** A content record names the blob that holds the bytes; `size` is null when the blob is gone. */
  | {
      readonly kind: 'record';
      readonly key: string;
      readonly record: ContentRecord;
      readonly size: number | null;
    };

/**
 * The document repository over two object stores: metadata as JSON records in one, content in the
 * other, addressed by its SHA-256 multihash so that equal content is stored once.
 *
 * Content layout in the content store:
 * - stores whose `move` is a rename: the bytes under `<multihash>`; an upload goes to
 *   `tmp/<uuid>` while it is hashed and is then moved there;
 * - stores whose `move` copies data (S3, MinIO): the bytes stay where they were uploaded,
 *   `blobs/<uuid>`, and `<multihash>` holds a small JSON content record naming that blob and its
 *   size. Reading follows the record. Content stored directly under `<multihash>` (the earlier
 *   layout) is still read: a record names its own multihash, which stored bytes cannot do.
 */
export class ObjectStoreDocumentRepository
  extends ObjectStoreEntityRepository<'document'>
  implements DocumentRepository
{
  private readonly keepUploadsInPlace: boolean;

  constructor(
    store: ObjectStore,
    private readonly contentStore: ObjectStore,
    clock: Clock,
  ) {
    super('document', store, clock);
    this.keepUploadsInPlace = contentStore.moveCopiesData === true;
  }

  async putContent(
    source: ByteSource,
    options: { signal?: AbortSignal } = {},
  ): Promise<StoredContent> {
    const { signal } = options;
    signal?.throwIfAborted();
    const uploadKey =
      (this.keepUploadsInPlace ? CONTENT_BLOB_PREFIX : CONTENT_UPLOAD_PREFIX) + randomUUID();
    const hasher = new ContentHasher();
    const sourceFailure: { error?: unknown } = {};
    let hash: string;

    try {
      const written = await storageCall('putStream', uploadKey, () =>
        this.contentStore.putStream(
          uploadKey,
          hashChunks(source, hasher, sourceFailure),
          CONTENT_TYPE,
          { signal },
        ),
      );
      if (written !== hasher.size) {
        throw new StorageError(
          `content store wrote ${written} of ${hasher.size} bytes at key "${uploadKey}"`,
          { details: { key: uploadKey } },
        );
      }

      hash = hasher.digest();
      const key = contentKey(hash);
      const existing = await this.locate(hash);
      if (existing !== null && existing.size === hasher.size) {
        // Already stored (and its bytes are there): keep the stored copy.
        await this.discardUpload(uploadKey);
        return { content_multihash: hash, size_bytes: hasher.size };
      }
      // Absent, or damaged (bytes gone or of the wrong length): the upload hashes to this key, so
      // it is the right content either way.
      if (!this.keepUploadsInPlace) {
        await storageCall('move', key, () => this.contentStore.move(uploadKey, key));
        return { content_multihash: hash, size_bytes: hasher.size };
      }
      const record: ContentRecord = {
        format: RECORD_FORMAT,
        content_multihash: hash,
        size_bytes: hasher.size,
        blob: uploadKey,
      };
      await storageCall('put', key, () =>
        this.contentStore.put(key, encodeRecord(record), 'application/json'),
      );
    } catch (error) {
      await this.discardUpload(uploadKey);
      if ('error' in sourceFailure) throw sourceFailure.error;
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
    // From here on a record names the upload: it must not be removed while that may still hold.
    await this.dropIfSuperseded(hash, uploadKey);
    return { content_multihash: hash, size_bytes: hasher.size };
  }

  async openContent(
    documentId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ByteSource> {
    const document = await this.get(documentId);
    if (document === null) {
      throw new NotFoundError(`document "${documentId}" not found`, {
        details: { document_id: documentId },
      });
    }

    const hash = document.content_multihash;
    // A concurrent upload of the same content may replace the record and remove the blob it
    // named between our lookup and our read: look once more before calling the content missing.
    for (let attempt = 0; ; attempt++) {
      const location = await this.locate(hash);
      if (location === null) throw missingContent(document);
      if (location.kind === 'direct' && location.bytes !== undefined) {
        return checkLength(oneChunk(location.bytes), document, location.key);
      }
      const key = location.kind === 'record' ? location.record.blob : location.key;
      if (location.kind === 'record') assertRecordSize(location.record, document);
      const stream = await storageCall('openStream', key, () =>
        this.contentStore.openStream(key, options),
      );
      if (stream !== null) return checkLength(stream, document, key);
      if (location.kind === 'direct' || attempt > 0) throw missingContent(document);
    }
  }

  async hasContent(contentMultihash: string): Promise<boolean> {
    assertMultihash(contentMultihash);
    const location = await this.locate(contentMultihash);
    return location !== null && location.size !== null;
  }

  protected override async checkBeforeSave(document: Document): Promise<void> {
    assertMultihash(document.content_multihash);
    const location = await this.locate(document.content_multihash);
    if (location === null || location.size === null) throw missingContent(document);
    if (location.kind === 'record') assertRecordSize(location.record, document);
    if (location.size !== document.size_bytes) {
      throw new IntegrityError(
        `document "${document.document_id}" has size_bytes ${document.size_bytes} but its ` +
          `content ${document.content_multihash} has ${location.size} bytes`,
        { details: { document_id: document.document_id, key: location.key } },
      );
    }
  }

  /**
   * Finds the bytes of a content hash: directly under its key, or through a content record.
   * Null when nothing is stored under the key.
   */
  private async locate(contentMultihash: string): Promise<ContentLocation | null> {
    const key = contentKey(contentMultihash);
    const stored = await storageCall('stat', key, () => this.contentStore.stat(key));
    if (stored === null) return null;
    if (stored.size > RECORD_MAX_BYTES) return { kind: 'direct', key, size: stored.size };

    const bytes = await storageCall('get', key, () => this.contentStore.get(key));
    if (bytes === null) return null;
    const record = decodeRecord(bytes, contentMultihash);
    if (record === null) return { kind: 'direct', key, size: bytes.byteLength, bytes };
    const blob = await storageCall('stat', record.blob, () => this.contentStore.stat(record.blob));
    return { kind: 'record', key, record, size: blob?.size ?? null };
  }

  /**
   * After writing the record for `uploadKey`: when a concurrent upload of the same content has
   * since replaced the record with its own, nothing names our upload any more (records are only
   * ever written naming their writer's fresh upload), so it is removed. Best effort: a leftover
   * blob that no record names costs space, never content.
   */
  private async dropIfSuperseded(contentMultihash: string, uploadKey: string): Promise<void> {
    const key = contentKey(contentMultihash);
    try {
      const bytes = await this.contentStore.get(key);
      const record = bytes === null ? null : decodeRecord(bytes, contentMultihash);
      if (record !== null && record.blob !== uploadKey) {
        await this.discardUpload(uploadKey);
      }
    } catch {
      // The record was written; whether the upload is still needed is only a question of space.
    }
  }

  private async discardUpload(key: string): Promise<void> {
    try {
      await this.contentStore.delete(key);
    } catch {
      // Nothing depends on the upload object any more; a leftover names no document's content and
      // may be removed at any time, so failing here would only hide the real outcome.
    }
  }
}

function encodeRecord(record: ContentRecord): Uint8Array {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

/**
 * The content record in these bytes, or null when they are not one (then they are content stored
 * directly under its key). A record must name the multihash it is stored under: content bytes
 * cannot contain their own SHA-256, so they are never taken for a record.
 */
function decodeRecord(bytes: Uint8Array, contentMultihash: string): ContentRecord | null {
  if (bytes.byteLength === 0 || bytes[0] !== 0x7b /* "{" */) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString());
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const candidate = value as Partial<Record<keyof ContentRecord, unknown>>;
  if (
    candidate.format !== RECORD_FORMAT ||
    candidate.content_multihash !== contentMultihash ||
    typeof candidate.size_bytes !== 'number' ||
    !Number.isSafeInteger(candidate.size_bytes) ||
    candidate.size_bytes < 0 ||
    typeof candidate.blob !== 'string' ||
    !BLOB_KEY_PATTERN.test(candidate.blob)
  ) {
    return null;
  }
  return candidate as ContentRecord;
}

/** The record's size must be the document's (the blob's own length is checked as it is read). */
function assertRecordSize(record: ContentRecord, document: Document): void {
  if (record.size_bytes !== document.size_bytes) {
    throw new IntegrityError(
      `document "${document.document_id}" has size_bytes ${document.size_bytes} but its ` +
        `content ${document.content_multihash} is recorded with ${record.size_bytes} bytes`,
      { details: { document_id: document.document_id, key: contentKey(record.content_multihash) } },
    );
  }
}

/** Small content already read whole, handed out as a stream. */
async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  yield bytes;
}

/** Passes the source's chunks on while hashing them; remembers an error the source throws. */
async function* hashChunks(
  source: ByteSource,
  hasher: ContentHasher,
  failure: { error?: unknown },
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of source as AsyncIterable<unknown>) {
      const bytes = asBytes(chunk);
      hasher.update(bytes);
      yield bytes;
    }
  } catch (error) {
    failure.error = error;
    throw error;
  }
}

function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new InputError(`content chunks must be bytes, got ${typeof chunk}`);
}

/** Yields the stored bytes and fails with IntegrityError when their length is not size_bytes. */
async function* checkLength(
  stream: ByteSource,
  document: Document,
  key: string,
): AsyncGenerator<Uint8Array> {
  let length = 0;
  try {
    for await (const chunk of stream) {
      length += chunk.byteLength;
      yield chunk;
    }
  } catch (error) {
    throw asStorageError(error, 'read', key);
  }
  if (length !== document.size_bytes) {
    throw new IntegrityError(
      `content ${document.content_multihash} of document "${document.document_id}" has ` +
        `${length} bytes, expected ${document.size_bytes}`,
      { details: { document_id: document.document_id, key } },
    );
  }
}

function missingContent(document: Document): IntegrityError {
  return new IntegrityError(
    `document "${document.document_id}" names content ${document.content_multihash} ` +
      'which is not stored',
    {
      details: { document_id: document.document_id, content_multihash: document.content_multihash },
    },
  );
}

function assertMultihash(value: string): void {
  if (typeof value !== 'string' || !isMultihash(value)) {
    throw new InputError('invalid content multihash: expected "1220" and 64 lowercase hex digits');
  }
}
