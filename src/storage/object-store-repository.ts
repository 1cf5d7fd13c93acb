import type { EntityName, EntityTypes } from '../domain/entities.js';
import type { Clock, DocumentRepository, EntityRepository } from '../domain/repositories.js';
import { InputError } from '../errors/julee-error.js';
import type { ObjectStore } from './object-store.js';
import { ObjectStoreDocumentRepository } from './object-store-document-repository.js';
import { ObjectStoreEntityRepository } from './object-store-entity-repository.js';

/** The wall clock, for repositories that are not given one. */
export const systemClock: Clock = { now: () => new Date() };

export interface ObjectStoreRepositoryOptions<K extends EntityName = EntityName> {
  /** The entity kind the repository stores. */
  readonly entity: K;
  /** Holds the entity records: one JSON object per entity at `<id>.json`. */
  readonly store: ObjectStore;
  /**
   * Holds document content under its SHA-256 multihash, plus in-flight uploads under `tmp/`;
   * on stores whose moves copy data (`moveCopiesData`), a small record under the multihash that
   * points to the content kept under `blobs/`. Required for the `document` entity, ignored
   * otherwise. May be the same backend as `store` under another prefix (see withKeyPrefix), never
   * the same keys.
   */
  readonly contentStore?: ObjectStore;
  /** Sets `created_at` and `updated_at`; the system clock by default. */
  readonly clock?: Clock;
}

/**
 * Builds the repository of one entity kind on object stores, the way the built-in filesystem,
 * memory, S3 and MinIO plugins do. Ids are checked (letters, digits, ".", "-", "_") before they
 * become keys; backend failures surface as StorageError, unreadable stored data as IntegrityError.
 *
 * @example
 * const repository = createObjectStoreRepository({
 *   entity: 'document',
 *   store: withKeyPrefix(bucket, 'documents/'),
 *   contentStore: withKeyPrefix(bucket, 'document-content/'),
 * });
 */
export function createObjectStoreRepository(
  options: ObjectStoreRepositoryOptions<'document'> & { readonly contentStore: ObjectStore },
): DocumentRepository;
export function createObjectStoreRepository<K extends Exclude<EntityName, 'document'>>(
  options: ObjectStoreRepositoryOptions<K>,
): EntityRepository<EntityTypes[K]>;
export function createObjectStoreRepository(
  options: ObjectStoreRepositoryOptions,
): EntityRepository<unknown> | DocumentRepository;
export function createObjectStoreRepository(
  options: ObjectStoreRepositoryOptions,
): EntityRepository<unknown> | DocumentRepository {
  const clock = options.clock ?? systemClock;
  if (options.entity !== 'document') {
    return new ObjectStoreEntityRepository(options.entity, options.store, clock);
  }
  if (options.contentStore === undefined) {
    throw new InputError('the document repository needs a contentStore for document content');
  }
  if (options.contentStore === options.store) {
    throw new InputError('the document repository needs a contentStore apart from its store');
  }
  return new ObjectStoreDocumentRepository(options.store, options.contentStore, clock);
}

/**
 * A view of an object store in which every key is prefixed, so that several repositories can
 * share one bucket or directory. The prefix should end with "/".
 */
export function withKeyPrefix(store: ObjectStore, prefix: string): ObjectStore {
  const view: ObjectStore = {
    get: (key) => store.get(prefix + key),
    put: (key, body, contentType) => store.put(prefix + key, body, contentType),
    delete: (key) => store.delete(prefix + key),
    stat: (key) => store.stat(prefix + key),
    async *list(keyPrefix) {
      for await (const key of store.list(prefix + keyPrefix)) yield key.slice(prefix.length);
    },
    putStream: (key, body, contentType, options) =>
      store.putStream(prefix + key, body, contentType, options),
    openStream: (key, options) => store.openStream(prefix + key, options),
    move: (fromKey, toKey) => store.move(prefix + fromKey, prefix + toKey),
    ...(store.moveCopiesData === true ? { moveCopiesData: true } : {}),
  };
  if (store.ensureReady !== undefined) {
    const ensureReady = store.ensureReady.bind(store);
    return { ...view, ensureReady: (signal) => ensureReady(signal) };
  }
  return view;
}
