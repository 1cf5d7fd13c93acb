import type { Document, EntityName, EntityTypes } from './entities.js';

/** One page of a listing in a stable order (ascending id), with the total across all pages. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
}

export interface ListOptions {
  /** Number of items to skip, >= 0. */
  readonly offset?: number;
  /** Maximum number of items to return, >= 1. Implementations may cap it (at least 1000). */
  readonly limit?: number;
}

/**
 * Storage of one entity kind. Every method may be called from a workflow activity: all are safe to
 * retry, and `save` is an idempotent upsert. Storage failures are thrown as StorageError (never
 * reported as empty results or "not found"); stored data that fails validation is an
 * IntegrityError.
 */
export interface EntityRepository<T> {
  /** The entity, or null when no entity has this id. Idempotent. */
  get(id: string): Promise<T | null>;
  /** A map with exactly the requested ids as keys, null for the missing ones. Idempotent. */
  getMany(ids: readonly string[]): Promise<ReadonlyMap<string, T | null>>;
  /**
   * Creates or replaces the entity and returns what was stored. The repository sets `created_at`
   * when the entity has none and the stored copy has none, and sets `updated_at` to the save time.
   */
  save(entity: T): Promise<T>;
  /** A page of entities ordered by id. */
  list(options?: ListOptions): Promise<Page<T>>;
  /** Removes the entity; true when it existed. Idempotent. */
  delete(id: string): Promise<boolean>;
}

/** What the content store knows about stored bytes. */
export interface StoredContent {
  /** SHA-256 multihash in hex: "1220" + 64 hex digits. */
  readonly content_multihash: string;
  readonly size_bytes: number;
}

/** A readable byte stream (a Node Readable or any async iterable of byte chunks). */
export type ByteSource = AsyncIterable<Uint8Array>;

/**
 * Document metadata plus content-addressed content. Content is streamed in and out and never held
 * whole in memory; equal content is stored once and shared by every document that has it.
 */
export interface DocumentRepository extends EntityRepository<Document> {
  // `save` stores metadata only: the document's content must already be in the content store
  // (putContent), else it throws IntegrityError. `delete` removes the metadata; the content stays
  // while other documents may share it.
  /**
   * Streams bytes into the content store, computing their hash on the way, and returns the hash
   * and size. Storing content that is already there stores nothing new. Safe to retry.
   */
  putContent(source: ByteSource, options?: { signal?: AbortSignal }): Promise<StoredContent>;
  /**
   * Opens the content of a document for reading. Throws NotFoundError when there is no document
   * with this id and IntegrityError when its metadata exists but its content does not.
   */
  openContent(documentId: string, options?: { signal?: AbortSignal }): Promise<ByteSource>;
  /** Whether content with this hash is stored. */
  hasContent(contentMultihash: string): Promise<boolean>;
}

/** The repositories the use cases work with, one per entity kind. */
export type Repositories = {
  readonly [K in Exclude<EntityName, 'document'>]: EntityRepository<EntityTypes[K]>;
} & { readonly document: DocumentRepository };

/** Time, injected so that use cases run the same in workflows (workflow time) and in tests. */
export interface Clock {
  now(): Date;
}

/** Id generation, injected for the same reasons as the clock. */
export interface IdGenerator {
  /** A new unique id for an entity kind, with its prefix (doc-, spec-, query-, ...). */
  newId(entity: EntityName): string;
}
