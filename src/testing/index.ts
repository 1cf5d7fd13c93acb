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
