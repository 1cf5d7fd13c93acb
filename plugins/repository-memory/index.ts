import {
  createObjectStoreRepository,
  definePlugin,
  InputError,
  PLUGIN_API_VERSION,
  type ObjectStore,
  type RepositoryPluginInstance,
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
export default definePlugin<'repository', Record<string, never>>({
  apiVersion: PLUGIN_API_VERSION,
  kind: 'repository',
  type: 'memory',
  stability: 'stable',
  description: 'Keeps entities and document content in process memory (lost on restart).',
  optionsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'memory repository options',
    description: 'The memory repository has no options: everything lives in process memory.',
    type: 'object',
    additionalProperties: false,
    properties: {},
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
      stores,
      health: () => Promise.resolve({ status: 'ok' }),
    };
  },
});
