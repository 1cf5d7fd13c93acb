// The public API for plugin authors: `import { definePlugin } from 'julee-runtime/plugin-api'`.
export {
  PLUGIN_API_VERSION,
  PLUGIN_BRAND,
  PLUGIN_KINDS,
  definePlugin,
  type AuthPluginInstance,
  type AuthRequest,
  type HealthReport,
  type HealthStatus,
  type InstanceByKind,
  type JsonSchema,
  type Logger,
  type PluginContext,
  type PluginDefinition,
  type PluginInstance,
  type PluginKind,
  type Principal,
  type RepositoryPluginInstance,
  type ServicePluginInstance,
} from './contract.js';
export * from '../domain/entities.js';
export type * from '../domain/repositories.js';
export type * from '../domain/knowledge-service.js';
export {
  ConflictError,
  InputError,
  IntegrityError,
  JuleeError,
  NotFoundError,
  StorageError,
} from '../errors/julee-error.js';
// The object-store storage layer that the built-in repository plugins share.
export type { ObjectStore } from '../storage/object-store.js';
export {
  createObjectStoreRepository,
  systemClock,
  withKeyPrefix,
  type ObjectStoreRepositoryOptions,
} from '../storage/object-store-repository.js';
export {
  entityKey,
  idFromEntityKey,
  MAX_LIST_LIMIT,
} from '../storage/object-store-entity-repository.js';
export { CONTENT_UPLOAD_PREFIX, contentKey } from '../storage/object-store-document-repository.js';
export { ContentHasher, isMultihash, multihashOf } from '../domain/content-hash.js';
