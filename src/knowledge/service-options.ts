import type { JsonSchema, Logger } from '../plugin-api/contract.js';
import type { KnowledgeServiceSettings } from './provider-knowledge-service.js';

const MIB = 1024 * 1024;

/** The options every knowledge-service plugin shares (snake_case, as in config.yaml). */
export interface CommonKnowledgeOptions {
  readonly model: string;
  readonly max_tokens: number;
  readonly max_tokens_limit?: number;
  readonly temperature?: number;
  readonly allowed_models?: readonly string[];
  readonly max_repairs: number;
  readonly max_concurrency: number;
  readonly request_timeout_ms: number;
  readonly max_document_bytes: number;
  readonly inline_cache_bytes: number;
}

export interface CommonOptionsSchemaInput {
  readonly defaultModel: string;
  /** Highest temperature the provider accepts. */
  readonly maxTemperature: number;
}

/** JSON Schema properties of CommonKnowledgeOptions, with defaults and descriptions. */
export function commonKnowledgeOptionProperties(input: CommonOptionsSchemaInput): {
  [key: string]: JsonSchema;
} {
  return {
    model: {
      description: 'Model used when a query does not choose one.',
      type: 'string',
      minLength: 1,
      default: input.defaultModel,
    },
    max_tokens: {
      description: 'Answer length limit in tokens when a query does not set one.',
      type: 'integer',
      minimum: 1,
      default: 4096,
    },
    max_tokens_limit: {
      description: 'Highest max_tokens a query may ask for (no limit when left out).',
      type: 'integer',
      minimum: 1,
    },
    temperature: {
      description:
        'Sampling temperature when a query does not set one (provider default if left out).',
      type: 'number',
      minimum: 0,
      maximum: input.maxTemperature,
    },
    allowed_models: {
      description:
        'Models a query may choose besides `model`. When left out, a query may name any model.',
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
    },
    max_repairs: {
      description:
        'How many times the model is asked again when its answer is not valid JSON or breaks the output schema.',
      type: 'integer',
      minimum: 0,
      maximum: 10,
      default: 2,
    },
    max_concurrency: {
      description: 'Provider calls (queries and uploads) in flight at once for this instance.',
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      default: 8,
    },
    request_timeout_ms: {
      description: 'Time limit of one provider request, in milliseconds.',
      type: 'integer',
      minimum: 1,
      default: 600_000,
    },
    max_document_bytes: {
      description:
        'Largest document accepted for registration, in bytes. Uploads are staged in a temporary ' +
        'file; documents sent inline are held in memory.',
      type: 'integer',
      minimum: 1,
      default: 32 * MIB,
    },
    inline_cache_bytes: {
      description:
        'Memory for the bytes of documents sent inline, in bytes; least recently used ones are ' +
        'dropped and read again through the query when needed.',
      type: 'integer',
      minimum: 0,
      default: 64 * MIB,
    },
  };
}

/** The service-neutral settings from a plugin's options. */
export function knowledgeSettings(
  options: CommonKnowledgeOptions,
  context: { readonly name: string; readonly logger?: Logger },
  maxTemperature: number,
): KnowledgeServiceSettings {
  return {
    serviceInstance: context.name,
    model: options.model,
    maxTokens: options.max_tokens,
    maxTokensLimit: options.max_tokens_limit,
    temperature: options.temperature,
    maxTemperature,
    allowedModels: options.allowed_models,
    maxRepairs: options.max_repairs,
    maxConcurrency: options.max_concurrency,
    maxDocumentBytes: options.max_document_bytes,
    inlineCacheBytes: options.inline_cache_bytes,
    logger: context.logger,
  };
}

const TEXT_TYPES = new Set([
  'application/json',
  'application/ld+json',
  'application/xml',
  'application/yaml',
  'application/x-yaml',
  'application/x-ndjson',
  'application/csv',
  'application/javascript',
  'application/sql',
]);

export type DocumentKind = 'pdf' | 'text' | 'image' | 'other';

/** What kind of content a media type names (parameters such as `; charset=` are ignored). */
export function documentKind(contentType: string): DocumentKind {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/pdf') return 'pdf';
  if (type.startsWith('text/') || TEXT_TYPES.has(type) || /\+(json|xml)$/.test(type)) return 'text';
  if (type.startsWith('image/')) return 'image';
  return 'other';
}
