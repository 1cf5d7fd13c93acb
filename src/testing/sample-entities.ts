import type { EntityName, EntityTypes } from '../domain/entities.js';
import type { StoredContent } from '../domain/repositories.js';

/** The field of each sample that carries its variant marker, `marker-<variant>`. */
export const MARKER_FIELD: { readonly [K in EntityName]: string } = {
  document: 'original_filename',
  assembly: 'execution_id',
  assembly_specification: 'name',
  knowledge_service_config: 'name',
  knowledge_service_query: 'name',
  policy: 'title',
  document_policy_validation: 'input_document_id',
};

/** Whether records of this kind carry `created_at` and `updated_at`. */
export function hasTimestamps(kind: EntityName): boolean {
  return kind !== 'document_policy_validation';
}

/**
 * A valid entity of each kind (spec section 1), with every field set and no timestamps, so that
 * the repository sets them. `variant` changes the marker field; a document needs stored content.
 */
export function sampleEntity<K extends EntityName>(
  kind: K,
  id: string,
  variant: number,
  content?: StoredContent,
): EntityTypes[K] {
  const marker = `marker-${variant}`;
  const samples: { readonly [E in EntityName]: () => EntityTypes[E] } = {
    document: () => {
      if (content === undefined) throw new Error('a sample document needs stored content');
      return {
        document_id: id,
        original_filename: marker,
        content_type: 'text/plain',
        size_bytes: content.size_bytes,
        content_multihash: content.content_multihash,
        status: 'captured',
        knowledge_service_id: null,
        assembly_types: ['meeting-minutes'],
        additional_metadata: { source: 'conformance', nested: { tags: ['a', 'b'], count: 2 } },
        created_at: null,
        updated_at: null,
      };
    },
    assembly: () => ({
      assembly_id: id,
      assembly_specification_id: 'spec-sample',
      input_document_id: 'doc-sample',
      execution_id: marker,
      status: 'completed',
      assembled_document_id: 'doc-output',
      error_message: null,
      provenance: { record_id: 'provenance-sample' },
      created_at: null,
      updated_at: null,
    }),
    assembly_specification: () => ({
      assembly_specification_id: id,
      name: marker,
      applicability: 'Transcripts of meetings',
      jsonschema: {
        type: 'object',
        properties: {
          title: { type: 'string' },
          attendees: { type: 'array', items: { type: 'string' } },
        },
        required: ['title'],
      },
      status: 'active',
      knowledge_service_queries: { '/properties/title': 'query-title' },
      version: '0.1.0',
      created_at: null,
      updated_at: null,
    }),
    knowledge_service_config: () => ({
      knowledge_service_id: id,
      name: marker,
      description: 'A knowledge service for the conformance suite',
      service_api: 'anthropic',
      service_instance: null,
      default_options: { model: 'sample-model', max_tokens: 1024, temperature: 0 },
      created_at: null,
      updated_at: null,
    }),
    knowledge_service_query: () => ({
      query_id: id,
      name: marker,
      knowledge_service_id: 'ks-sample',
      prompt: 'Extract the title of the meeting.',
      query_metadata: { max_tokens: 256 },
      assistant_prompt: '{',
      created_at: null,
      updated_at: null,
    }),
    policy: () => ({
      policy_id: id,
      title: marker,
      description: 'Documents must be clear',
      status: 'active',
      validation_scores: [['query-clarity', 80]],
      transformation_queries: ['query-clarify'],
      version: '0.1.0',
      created_at: null,
      updated_at: null,
    }),
    document_policy_validation: () => ({
      validation_id: id,
      input_document_id: marker,
      policy_id: 'policy-sample',
      status: 'passed',
      validation_scores: [['query-clarity', 90]],
      transformed_document_id: null,
      post_transform_validation_scores: null,
      started_at: '2026-01-01T00:00:00.000Z',
      completed_at: '2026-01-01T00:00:05.000Z',
      error_message: null,
      passed: true,
    }),
  };
  return samples[kind]();
}
