/**
 * The CEAP entities as plain, immutable JSON records. Field names are snake_case because they are
 * the wire format of the REST API and of Julee; each entity has a JSON Schema in `schemas/` that is
 * the single source of validation rules (see entity-validation.ts).
 */

/** ISO-8601 UTC timestamp string, e.g. "2026-01-01T00:00:00.000Z". */
export type Timestamp = string;

export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

export const DOCUMENT_STATUSES = [
  'captured',
  'registered',
  'assembly_specification_identified',
  'extracted',
  'assembled',
  'published',
  'failed',
] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

/** Document metadata. Content is never part of the record: it lives in the content store. */
export interface Document {
  readonly document_id: string;
  readonly original_filename: string;
  readonly content_type: string;
  readonly size_bytes: number;
  /** SHA-256 multihash in hex: "1220" + 64 hex digits. Always computed by the server. */
  readonly content_multihash: string;
  readonly status: DocumentStatus;
  readonly knowledge_service_id: string | null;
  readonly assembly_types: readonly string[];
  readonly additional_metadata: JsonObject;
  readonly created_at: Timestamp | null;
  readonly updated_at: Timestamp | null;
}

export const SPECIFICATION_STATUSES = ['active', 'inactive', 'draft', 'deprecated'] as const;
export type AssemblySpecificationStatus = (typeof SPECIFICATION_STATUSES)[number];

export interface AssemblySpecification {
  readonly assembly_specification_id: string;
  readonly name: string;
  readonly applicability: string;
  /** An inline JSON Schema with a root `type`, or a bare `{ "$ref": "<url>#<fragment>" }`. */
  readonly jsonschema: JsonObject;
  readonly status: AssemblySpecificationStatus;
  /** JSON Pointer into the schema ("" is the root) → knowledge service query id. */
  readonly knowledge_service_queries: Readonly<Record<string, string>>;
  readonly version: string;
  readonly created_at: Timestamp | null;
  readonly updated_at: Timestamp | null;
}

export interface KnowledgeServiceQuery {
  readonly query_id: string;
  readonly name: string;
  readonly knowledge_service_id: string;
  readonly prompt: string;
  readonly query_metadata: JsonObject;
  readonly assistant_prompt: string | null;
  readonly created_at: Timestamp | null;
  readonly updated_at: Timestamp | null;
}

export interface KnowledgeServiceConfig {
  readonly knowledge_service_id: string;
  readonly name: string;
  readonly description: string;
  /** Provider family, e.g. "anthropic", "openai", "scripted". */
  readonly service_api: string;
  /**
   * Name of the configured service instance (a key under `services:` in config.yaml) that answers
   * for this knowledge service. Null means the instance whose name equals `service_api`, or the only
   * instance of that type.
   */
  readonly service_instance: string | null;
  /** Default model options (model, max_tokens, temperature) within what the instance allows. */
  readonly default_options: JsonObject;
  readonly created_at: Timestamp | null;
  readonly updated_at: Timestamp | null;
}

export const ASSEMBLY_STATUSES = [
  'pending',
  'in_progress',
  'completed',
  'failed',
  'cancelled',
] as const;
export type AssemblyStatus = (typeof ASSEMBLY_STATUSES)[number];

export interface Assembly {
  readonly assembly_id: string;
  readonly assembly_specification_id: string;
  readonly input_document_id: string;
  readonly execution_id: string;
  readonly status: AssemblyStatus;
  readonly assembled_document_id: string | null;
  /** Why the assembly failed, when it did. */
  readonly error_message: string | null;
  /** Id of the provenance record of a completed assembly (see provenance in issue 4). */
  readonly provenance: JsonObject | null;
  readonly created_at: Timestamp | null;
  readonly updated_at: Timestamp | null;
}

export const POLICY_STATUSES = ['active', 'inactive', 'draft', 'deprecated'] as const;
export type PolicyStatus = (typeof POLICY_STATUSES)[number];

/** A (query id, score) pair, on the wire a two-element array. */
export type ScorePair = readonly [string, number];

export interface Policy {
  readonly policy_id: string;
  readonly title: string;
  readonly description: string;
  readonly status: PolicyStatus;
  readonly validation_scores: readonly ScorePair[];
  readonly transformation_queries: readonly string[] | null;
  readonly version: string;
  readonly created_at: Timestamp | null;
  readonly updated_at: Timestamp | null;
}

export const VALIDATION_STATUSES = [
  'pending',
  'in_progress',
  'validation_complete',
  'transformation_required',
  'transformation_in_progress',
  'transformation_complete',
  'passed',
  'failed',
  'error',
] as const;
export type DocumentPolicyValidationStatus = (typeof VALIDATION_STATUSES)[number];

export interface DocumentPolicyValidation {
  readonly validation_id: string;
  readonly input_document_id: string;
  readonly policy_id: string;
  readonly status: DocumentPolicyValidationStatus;
  readonly validation_scores: readonly ScorePair[];
  readonly transformed_document_id: string | null;
  readonly post_transform_validation_scores: readonly ScorePair[] | null;
  readonly started_at: Timestamp | null;
  readonly completed_at: Timestamp | null;
  readonly error_message: string | null;
  readonly passed: boolean | null;
}

/** The entity kinds, as named in config.yaml under `repositories:`. */
export const ENTITY_NAMES = [
  'document',
  'assembly',
  'assembly_specification',
  'knowledge_service_config',
  'knowledge_service_query',
  'policy',
  'document_policy_validation',
] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

export interface EntityTypes {
  document: Document;
  assembly: Assembly;
  assembly_specification: AssemblySpecification;
  knowledge_service_config: KnowledgeServiceConfig;
  knowledge_service_query: KnowledgeServiceQuery;
  policy: Policy;
  document_policy_validation: DocumentPolicyValidation;
}

/** The id field and id prefix of each entity kind. */
export const ENTITY_KEYS: { readonly [K in EntityName]: { idField: string; prefix: string } } = {
  document: { idField: 'document_id', prefix: 'doc-' },
  assembly: { idField: 'assembly_id', prefix: 'assembly-' },
  assembly_specification: { idField: 'assembly_specification_id', prefix: 'spec-' },
  knowledge_service_config: { idField: 'knowledge_service_id', prefix: 'ks-' },
  knowledge_service_query: { idField: 'query_id', prefix: 'query-' },
  policy: { idField: 'policy_id', prefix: 'policy-' },
  document_policy_validation: { idField: 'validation_id', prefix: 'validation-' },
};
