import {
  createObjectStoreRepository,
  definePlugin,
  InputError,
  PLUGIN_API_VERSION,
  type ObjectStore,
  type RepositoryPluginInstance,
  auxiliaryStoresIn,
} from '../../src/plugin-api/index.js';
import { MemoryObjectStore } from './memory-object-store.js';

/** What a memory repository instance keeps its data in; exposed for tests. */
export interface MemoryRepositoryStores {
  /** The entity records, one `<id>.json` object per entity. */
  readonly entity: ObjectStore;
  /** Document content, one object per multihash (document instances only). */
  readonly content?: ObjectStore;
}

export interface MemoryRepositoryInstance extends RepositoryPluginInstance {
  readonly stores: MemoryRepositoryStores;
}

/**
 * Keeps an entity kind in process memory: fast, empty at every start, gone at every stop. For
 * tests and trying things out; documents and their content live in the same process.
 */
export default definePlugin<'repository', { bucket?: string; content_bucket?: string }>({
  apiVersion: PLUGIN_API_VERSION,
  kind: 'repository',
  type: 'memory',
  stability: 'stable',
  description: 'Keeps entities and document content in process memory (lost on restart).',
  optionsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'memory repository options',
    description:
      'Everything lives in process memory. `bucket` and `content_bucket` are accepted so that a ' +
      'configuration written for s3, minio or filesystem switches to memory unchanged; they only ' +
      'name the data in logs, which stays private to this instance.',
    type: 'object',
    additionalProperties: false,
    properties: {
      bucket: { type: 'string', minLength: 1, description: 'A name for this data; no effect.' },
      content_bucket: { type: 'string', minLength: 1, description: 'A name; no effect.' },
    },
  },
  create(_options, context): MemoryRepositoryInstance {
    const entity = context.entity;
    if (entity === undefined) {
      throw new InputError(`${context.instanceId}: the memory repository needs an entity kind`);
    }
    const stores: MemoryRepositoryStores =
      entity === 'document'
        ? { entity: new MemoryObjectStore(), content: new MemoryObjectStore() }
        : { entity: new MemoryObjectStore() };
    const repository = createObjectStoreRepository({
      entity,
      store: stores.entity,
      contentStore: stores.content,
    });
    return {
      repository,
      ...auxiliaryStoresIn(stores.content),
      stores,
      health: () => Promise.resolve({ status: 'ok' }),
    };
  },
});
