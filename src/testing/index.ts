// The public test kit for plugin authors: `import { ... } from 'julee-runtime/testing'`.
export { runRepositoryConformance } from './repository-conformance.js';
export { objectStoreHooks, type ObjectStoresOf } from './object-store-hooks.js';
export {
  HOSTILE_IDS,
  type RepositoryConformanceFactory,
  type RepositoryConformanceHooks,
  type RepositoryConformanceOptions,
  type RepositoryConformanceSubject,
} from './conformance-support.js';
export { sampleEntity } from './sample-entities.js';
export { runKnowledgeServiceConformance } from './knowledge-conformance.js';
export {
  conformanceDocument,
  memoryRegistrationStore,
  samplePdfBytes,
  type ConformanceErrorKind,
  type ConformanceReply,
  type KnowledgeConformanceAdapter,
  type KnowledgeConformanceOptions,
  type KnowledgeConformanceSetup,
  type KnowledgeConformanceSubject,
} from './knowledge-conformance-support.js';
