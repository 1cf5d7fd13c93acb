import type { Document, JsonObject, JsonValue } from './entities.js';
import type { ByteSource } from './repositories.js';

/** Where a document lives at a provider after registration (a Files API id, or inline text). */
export interface FileRegistration {
  readonly document_id: string;
  readonly content_multihash: string;
  /** The provider's own file id, or null when the document is sent inline with each query. */
  readonly provider_file_id: string | null;
  readonly service_instance: string;
  readonly registered_at: string;
  readonly metadata: JsonObject;
}

/** Model options a query may choose, within what its service instance allows. */
export interface ModelOptions {
  readonly model?: string;
  readonly max_tokens?: number;
  readonly temperature?: number;
}

export interface QueryRequest {
  readonly prompt: string;
  /** When present, the answer must be JSON that is valid against this schema. */
  readonly outputSchema?: JsonObject;
  /** Registered documents the query is about, attached before the prompt. */
  readonly files: readonly FileRegistration[];
  readonly options?: ModelOptions;
  /** Text placed as the start of the model's answer (prefill), e.g. "{". */
  readonly assistantPrompt?: string | null;
  /**
   * Reads a registered document's bytes again. Used when the instance sends documents inline
   * (no provider file id) and no longer holds their bytes, e.g. on another worker or after a
   * restart. Without it such a query fails with JULEE_KNOWLEDGE_DOCUMENT_UNAVAILABLE.
   */
  readonly openContent?: (file: FileRegistration) => Promise<ByteSource>;
}

export interface TokenUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_input_tokens?: number;
  readonly cache_read_input_tokens?: number;
  readonly reasoning_tokens?: number;
}

/** One call to the provider (the first ask or a re-ask after a schema violation). */
export interface QueryAttempt {
  readonly model: string;
  readonly stop_reason: string | null;
  readonly usage: TokenUsage;
  readonly latency_ms: number;
  readonly request_id: string | null;
  readonly raw_text: string;
  /** Schema violations or parse errors found in this attempt's answer, empty when it was valid. */
  readonly errors: readonly string[];
}

export interface QueryResult {
  /** Parsed JSON when an output schema was given, else the answer's text. */
  readonly response: JsonValue;
  readonly service_instance: string;
  readonly provider: string;
  readonly model: string;
  readonly stop_reason: string | null;
  /** Usage summed over all attempts. */
  readonly usage: TokenUsage;
  readonly latency_ms: number;
  /** How the schema reached the provider: natively, or as instructions in the prompt. */
  readonly structured_output_mode: 'native' | 'instructions' | 'none';
  readonly attempts: readonly QueryAttempt[];
  /**
   * SHA-256 multihash of the schema exactly as the provider received it (after projection to its
   * structured-output subset); null when no schema went natively.
   */
  readonly projected_schema_hash?: string | null;
  /** Why the schema went as instructions, or which constraints were relaxed for the provider. */
  readonly structured_output_notes?: readonly string[];
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

/**
 * Durable storage of registrations, so that a restarted worker reuses what earlier runs uploaded.
 * Keyed by (service instance, content hash); `put` replaces. Implementations must be safe to call
 * concurrently; a failing store only costs a new upload, so services treat its errors as misses.
 */
export interface FileRegistrationStore {
  get(serviceInstance: string, contentMultihash: string): Promise<FileRegistration | null>;
  put(registration: FileRegistration): Promise<void>;
  /** Forgets a registration the provider no longer knows (an expired or deleted file). */
  delete(serviceInstance: string, contentMultihash: string): Promise<void>;
}

/**
 * An LLM-backed knowledge service. Implementations are plugins of kind `service`.
 * `registerFile` is idempotent per (service instance, content hash): registering the same content
 * twice reuses the first registration. Both methods throw KnowledgeServiceError, whose `retryable`
 * says whether calling again may help; neither retries internally beyond the provider SDK's minimum.
 * Errors thrown by `openContent` itself (a JuleeError from the repository) pass through unchanged.
 */
export interface KnowledgeService {
  registerFile(
    document: Document,
    openContent: () => Promise<ByteSource>,
    options?: CallOptions,
  ): Promise<FileRegistration>;
  executeQuery(request: QueryRequest, options?: CallOptions): Promise<QueryResult>;
  /**
   * Adds a durable registration store behind the instance's in-memory cache. Called by the runtime
   * before first use; services that keep nothing at the provider may leave it out.
   */
  useRegistrationStore?(store: FileRegistrationStore): void;
}
