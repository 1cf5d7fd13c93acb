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

/** The object key of stored content in the content store: its multihash. */
export function contentKey(contentMultihash: string): string {
  return contentMultihash;
}

/**
 * The document repository over two object stores: metadata as JSON records in one, content in the
 * other under its SHA-256 multihash, so that equal content is stored once.
 */
export class ObjectStoreDocumentRepository
  extends ObjectStoreEntityRepository<'document'>
  implements DocumentRepository
{
  constructor(
    store: ObjectStore,
    private readonly contentStore: ObjectStore,
    clock: Clock,
  ) {
    super('document', store, clock);
  }

  async putContent(
    source: ByteSource,
    options: { signal?: AbortSignal } = {},
  ): Promise<StoredContent> {
    const { signal } = options;
    signal?.throwIfAborted();
    const uploadKey = CONTENT_UPLOAD_PREFIX + randomUUID();
    const hasher = new ContentHasher();
    const sourceFailure: { error?: unknown } = {};

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

      const hash = hasher.digest();
      const key = contentKey(hash);
      const existing = await storageCall('stat', key, () => this.contentStore.stat(key));
      if (existing?.size === hasher.size) {
        await this.discardUpload(uploadKey);
      } else {
        // Absent, or present with the wrong length (a damaged object): the upload hashes to this
        // key, so it is the right content either way.
        await storageCall('move', key, () => this.contentStore.move(uploadKey, key));
      }
      return { content_multihash: hash, size_bytes: hasher.size };
    } catch (error) {
      await this.discardUpload(uploadKey);
      if ('error' in sourceFailure) throw sourceFailure.error;
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
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

    const key = contentKey(document.content_multihash);
    const stream = await storageCall('openStream', key, () =>
      this.contentStore.openStream(key, options),
    );
    if (stream === null) throw missingContent(document);
    return checkLength(stream, document, key);
  }

  async hasContent(contentMultihash: string): Promise<boolean> {
    assertMultihash(contentMultihash);
    const key = contentKey(contentMultihash);
    return (await storageCall('stat', key, () => this.contentStore.stat(key))) !== null;
  }

  protected override async checkBeforeSave(document: Document): Promise<void> {
    assertMultihash(document.content_multihash);
    const key = contentKey(document.content_multihash);
    const stored = await storageCall('stat', key, () => this.contentStore.stat(key));
    if (stored === null) throw missingContent(document);
    if (stored.size !== document.size_bytes) {
      throw new IntegrityError(
        `document "${document.document_id}" has size_bytes ${document.size_bytes} but its ` +
          `content ${document.content_multihash} has ${stored.size} bytes`,
        { details: { document_id: document.document_id, key } },
      );
    }
  }

  private async discardUpload(key: string): Promise<void> {
    try {
      await this.contentStore.delete(key);
    } catch {
      // Nothing depends on the upload object any more; a leftover under tmp/ names no document's
      // content and may be removed at any time, so failing here would only hide the real outcome.
    }
  }
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
