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
// Knowledge services: the provider-neutral machinery that service plugins build on.
export {
  KNOWLEDGE_ERROR_CODES,
  KnowledgeServiceError,
  isKnowledgeServiceError,
  type KnowledgeErrorCode,
  type KnowledgeServiceErrorOptions,
} from '../errors/knowledge-errors.js';
export {
  knowledgeServiceInstance,
  ProviderKnowledgeService,
  type KnowledgeServiceSettings,
} from '../knowledge/provider-knowledge-service.js';
export type {
  AnswerOutcome,
  CallDocument,
  ConversationTurn,
  KnowledgeProvider,
  ProviderAnswer,
  ProviderCall,
  RegistrationMode,
} from '../knowledge/provider.js';
export type { SpooledDocument } from '../knowledge/document-bytes.js';
export type { ProviderRegistration } from '../knowledge/registration-cache.js';
export {
  commonKnowledgeOptionProperties,
  documentKind,
  knowledgeSettings,
  type CommonKnowledgeOptions,
  type DocumentKind,
} from '../knowledge/service-options.js';
export { toKnowledgeError, retryAfterFromHeaders } from '../knowledge/provider-errors.js';
export { projectSchema, type StructuredOutputDialect } from '../knowledge/schema-projection.js';
export { parseJsonAnswer } from '../knowledge/answer-parser.js';
export {
  createStreamingUploadFetch,
  type FetchFunction,
} from '../knowledge/streaming-upload-fetch.js';
// The bucket layout shared by the S3-compatible repository plugins.
export {
  BUCKET_LAYOUT_OPTION_PROPERTIES,
  BUCKET_NAME_PATTERN,
  bucketHealth,
  compareUtf8,
  oneStorePerBucket,
  type BucketStore,
  DEFAULT_BUCKETS,
  DEFAULT_CONTENT_BUCKET,
  normalisePrefix,
  PREFIX_PATTERN,
  resolveLayout,
  type LayoutOptions,
  type StorageLayout,
} from '../storage/bucket-layout.js';
// The streamed multipart-upload driver shared by the S3-compatible repository plugins.
export {
  putStreamInParts,
  type MultipartUploadCalls,
  type StartedMultipartUpload,
  type StreamedUploadOptions,
} from '../storage/multipart-upload.js';
// Durable records the runtime keeps beside a repository's data.
export {
  auxiliaryStoresIn,
  ObjectStoreRegistrationStore,
} from '../storage/object-store-registration-store.js';
