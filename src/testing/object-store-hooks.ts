import { isMultihash } from '../domain/content-hash.js';
import type { EntityName } from '../domain/entities.js';
import type { ObjectStore } from '../storage/object-store.js';
import { contentKey } from '../storage/object-store-document-repository.js';
import { entityKey } from '../storage/object-store-entity-repository.js';
import type {
  RepositoryConformanceHooks,
  RepositoryConformanceSubject,
} from './conformance-support.js';

/** Where a subject built on createObjectStoreRepository keeps its objects. */
export interface ObjectStoresOf<S> {
  /** The store that holds the records of an entity kind. */
  entity(subject: S, entity: EntityName): ObjectStore;
  /** The content store of the document repository. */
  content(subject: S): ObjectStore;
}

/**
 * The conformance hooks for repositories made with createObjectStoreRepository, working on their
 * object stores through the same keys the repositories use.
 */
export function objectStoreHooks<S extends RepositoryConformanceSubject>(
  stores: ObjectStoresOf<S>,
): Required<Omit<RepositoryConformanceHooks<S>, 'breakStorage'>> {
  return {
    overwriteEntity: (subject, entity, id, bytes) =>
      stores.entity(subject, entity).put(entityKey(id), bytes, 'application/json'),
    removeContent: async (subject, contentMultihash) => {
      await stores.content(subject).delete(contentKey(contentMultihash));
    },
    countContents: async (subject) => {
      let count = 0;
      for await (const key of stores.content(subject).list('')) if (isMultihash(key)) count++;
      return count;
    },
  };
}
