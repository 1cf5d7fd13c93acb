import { multihashOf } from './content-hash.js';
import { JuleeError } from '../errors/julee-error.js';
import type { JsonObject } from './entities.js';
import type {
  FileRegistration,
  ModelOptions,
  QueryAttempt,
  QueryResult,
  TokenUsage,
} from './knowledge-service.js';

/**
 * The provenance of one assembly: which input (content hash), which specification (id, version,
 * schema hash, where a remote schema came from), which queries (prompt hashes, model options),
 * which service instance, provider and model answered, with usage, stop reasons, latency, every
 * attempt's raw answer text (re-asks included) and timings. It is stored whole in
 * `Assembly.provenance`, for completed and for failed assemblies alike (a failed run still used
 * paid tokens), so the API returns it with the assembly. Hashes are SHA-256 multihashes in hex:
 * of UTF-8 text for prompts and answers, of canonical JSON (sorted keys) for schemas.
 */
export type ProvenanceRecord = {
  readonly provenance_version: 1;
  readonly assembly_id: string;
  readonly execution_id: string;
  readonly outcome: 'running' | 'completed' | 'failed' | 'cancelled';
  readonly input: {
    readonly document_id: string;
    readonly content_multihash: string | null;
    readonly size_bytes: number | null;
    readonly content_type: string | null;
  };
  readonly specification: {
    readonly assembly_specification_id: string;
    readonly name: string;
    readonly version: string;
    readonly status: string;
    /** Hash of the specification's `jsonschema` as stored (the bare `$ref` for remote ones). */
    readonly schema_hash: string;
    /** Hash of the schema the run used, after resolving a remote `$ref`; null before that. */
    readonly resolved_schema_hash: string | null;
    readonly schema_source: JsonObject | null;
  };
  readonly output: {
    readonly document_id: string;
    readonly content_multihash: string;
    readonly size_bytes: number;
  } | null;
  readonly registrations: readonly RegistrationProvenance[];
  readonly queries: readonly QueryProvenance[];
  /** Usage summed over every attempt of every query. */
  readonly usage: UsageRecord;
  readonly timings: {
    readonly started_at: string;
    readonly finished_at: string | null;
    readonly duration_ms: number | null;
    /** Duration of each step that ran, in ms: schema, lookups, registration, queries, ... */
    readonly steps: { readonly [step: string]: number };
  };
  readonly error: ErrorRecord | null;
};

export type UsageRecord = { readonly [field: string]: number };

export type ErrorRecord = { readonly code: string | null; readonly message: string };

export type RegistrationProvenance = {
  readonly service_instance: string;
  readonly document_id: string;
  readonly content_multihash: string;
  readonly provider_file_id: string | null;
  readonly registered_at: string;
};

export type AttemptProvenance = {
  readonly model: string;
  readonly stop_reason: string | null;
  readonly usage: UsageRecord;
  readonly latency_ms: number;
  readonly request_id: string | null;
  /** The answer's text exactly as the model gave it (with the prefill). */
  readonly raw_text: string;
  /** Why the answer was not accepted; empty for the accepted one. */
  readonly errors: readonly string[];
};

export type QueryProvenance = {
  readonly schema_pointer: string;
  readonly data_pointer: string;
  readonly query_id: string;
  readonly query_name: string;
  readonly knowledge_service_id: string;
  readonly prompt_hash: string;
  readonly assistant_prompt_hash: string | null;
  readonly output_schema_hash: string;
  readonly options: {
    readonly model?: string;
    readonly max_tokens?: number;
    readonly temperature?: number;
  };
  readonly status: 'succeeded' | 'failed' | 'cancelled' | 'not_run';
  readonly service_instance: string | null;
  readonly provider: string | null;
  readonly model: string | null;
  readonly structured_output_mode: string | null;
  readonly projected_schema_hash: string | null;
  readonly stop_reason: string | null;
  readonly usage: UsageRecord;
  readonly latency_ms: number | null;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly attempts: readonly AttemptProvenance[];
  /** Attempts after the first: how often the model was asked again. */
  readonly re_asks: number;
  /** Hash of the accepted answer's canonical JSON; null when there is none. */
  readonly answer_hash: string | null;
  readonly error: ErrorRecord | null;
};

/** SHA-256 multihash of a text's UTF-8 bytes. */
export function textHash(text: string): string {
  return multihashOf(text);
}

export function usageRecord(usage: TokenUsage): UsageRecord {
  const record: Record<string, number> = {};
  for (const [field, value] of Object.entries(usage)) {
    if (typeof value === 'number') record[field] = value;
  }
  return record;
}

/** Usage summed field by field. */
export function sumUsage(usages: readonly UsageRecord[]): UsageRecord {
  const total: Record<string, number> = { input_tokens: 0, output_tokens: 0 };
  for (const usage of usages) {
    for (const [field, value] of Object.entries(usage)) total[field] = (total[field] ?? 0) + value;
  }
  return total;
}

export function attemptProvenance(attempt: QueryAttempt): AttemptProvenance {
  return {
    model: attempt.model,
    stop_reason: attempt.stop_reason,
    usage: usageRecord(attempt.usage),
    latency_ms: attempt.latency_ms,
    request_id: attempt.request_id,
    raw_text: attempt.raw_text,
    errors: [...attempt.errors],
  };
}

/** The attempts a failed call reports (KnowledgeServiceError carries them), else none. */
export function attemptsOfError(error: unknown): AttemptProvenance[] {
  const attempts = (error as { attempts?: unknown } | null)?.attempts;
  return Array.isArray(attempts) ? (attempts as QueryAttempt[]).map(attemptProvenance) : [];
}

/** At most this many characters of an error message are kept. */
const MAX_MESSAGE_LENGTH = 2000;

export function errorRecord(error: unknown): ErrorRecord {
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: error instanceof JuleeError ? error.code : null,
    message:
      message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message,
  };
}

export function registrationProvenance(registration: FileRegistration): RegistrationProvenance {
  return {
    service_instance: registration.service_instance,
    document_id: registration.document_id,
    content_multihash: registration.content_multihash,
    provider_file_id: registration.provider_file_id,
    registered_at: registration.registered_at,
  };
}

/** What a query's provenance holds before it runs. */
export interface PlannedQuery {
  readonly schema_pointer: string;
  readonly data_pointer: string;
  readonly query_id: string;
  readonly query_name: string;
  readonly knowledge_service_id: string;
  readonly prompt: string;
  readonly assistant_prompt: string | null;
  readonly output_schema_hash: string;
  readonly options: ModelOptions;
}

/** The provenance of a query that did not run (yet). */
export function plannedQueryProvenance(planned: PlannedQuery): QueryProvenance {
  return {
    schema_pointer: planned.schema_pointer,
    data_pointer: planned.data_pointer,
    query_id: planned.query_id,
    query_name: planned.query_name,
    knowledge_service_id: planned.knowledge_service_id,
    prompt_hash: textHash(planned.prompt),
    assistant_prompt_hash:
      planned.assistant_prompt === null ? null : textHash(planned.assistant_prompt),
    output_schema_hash: planned.output_schema_hash,
    options: { ...planned.options },
    status: 'not_run',
    service_instance: null,
    provider: null,
    model: null,
    structured_output_mode: null,
    projected_schema_hash: null,
    stop_reason: null,
    usage: { input_tokens: 0, output_tokens: 0 },
    latency_ms: null,
    started_at: null,
    finished_at: null,
    attempts: [],
    re_asks: 0,
    answer_hash: null,
    error: null,
  };
}

/** A query's provenance after it answered. */
export function succeededQueryProvenance(
  planned: QueryProvenance,
  result: QueryResult,
  times: { readonly started_at: string; readonly finished_at: string },
  answerHash: string,
): QueryProvenance {
  return {
    ...planned,
    status: 'succeeded',
    service_instance: result.service_instance,
    provider: result.provider,
    model: result.model,
    structured_output_mode: result.structured_output_mode,
    projected_schema_hash: result.projected_schema_hash ?? null,
    stop_reason: result.stop_reason,
    usage: usageRecord(result.usage),
    latency_ms: result.latency_ms,
    ...times,
    attempts: result.attempts.map(attemptProvenance),
    re_asks: Math.max(0, result.attempts.length - 1),
    answer_hash: answerHash,
  };
}

/** A query's provenance after it failed (or was cancelled). */
export function failedQueryProvenance(
  planned: QueryProvenance,
  error: unknown,
  times: { readonly started_at: string; readonly finished_at: string },
  cancelled: boolean,
): QueryProvenance {
  const attempts = attemptsOfError(error);
  const last = attempts.at(-1);
  return {
    ...planned,
    status: cancelled ? 'cancelled' : 'failed',
    model: last?.model ?? null,
    stop_reason: last?.stop_reason ?? null,
    usage: sumUsage(attempts.map((attempt) => attempt.usage)),
    ...times,
    attempts,
    re_asks: Math.max(0, attempts.length - 1),
    error: errorRecord(error),
  };
}

/** The record as the JSON object stored in `Assembly.provenance`. */
export function provenanceJson(record: ProvenanceRecord): JsonObject {
  return record;
}
