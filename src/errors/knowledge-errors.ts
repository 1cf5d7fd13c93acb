import { JuleeError } from './julee-error.js';
import type { QueryAttempt } from '../domain/knowledge-service.js';

/**
 * The stable codes of knowledge-service failures. Whether a code is retryable is fixed here, so
 * that every provider plugin reports the same code with the same retry semantics.
 */
export const KNOWLEDGE_ERROR_CODES = {
  /** 429 from the provider: too many requests or tokens for now. */
  JULEE_KNOWLEDGE_RATE_LIMITED: { retryable: true },
  /** The provider is overloaded as a whole (Anthropic 529 `overloaded_error`, OpenAI 503). */
  JULEE_KNOWLEDGE_OVERLOADED: { retryable: true },
  /** A 5xx answer, a 408/409, or no answer at all (connection refused or reset). */
  JULEE_KNOWLEDGE_PROVIDER_UNAVAILABLE: { retryable: true },
  /** The call took longer than the instance's request timeout. */
  JULEE_KNOWLEDGE_TIMEOUT: { retryable: true },
  /** 401/403: the credentials are missing, wrong or lack permission. */
  JULEE_KNOWLEDGE_AUTH: { retryable: false },
  /** 400/422 and other 4xx: the provider refused the request as written. */
  JULEE_KNOWLEDGE_BAD_REQUEST: { retryable: false },
  /** 404: the model or a referenced file does not exist at the provider. */
  JULEE_KNOWLEDGE_NOT_FOUND: { retryable: false },
  /** 413 from the provider, or a document above the instance's size limit. */
  JULEE_KNOWLEDGE_TOO_LARGE: { retryable: false },
  /** A 429 that says the account's spend limit or quota is exhausted. */
  JULEE_KNOWLEDGE_SPEND_LIMIT: { retryable: false },
  /** The caller's AbortSignal fired, or the instance was stopped. */
  JULEE_KNOWLEDGE_CANCELLED: { retryable: false },
  /** The answer still broke the output schema (or was not JSON) after every allowed re-ask. */
  JULEE_KNOWLEDGE_SCHEMA_VIOLATION: { retryable: false },
  /** The answer was cut off at the token limit. */
  JULEE_KNOWLEDGE_TRUNCATED: { retryable: false },
  /** The model declined to answer. */
  JULEE_KNOWLEDGE_REFUSED: { retryable: false },
  /** The output schema itself cannot be compiled (bad keyword, unresolvable `$ref`). */
  JULEE_KNOWLEDGE_INVALID_SCHEMA: { retryable: false },
  /** The query asks for a model or option outside what the instance allows. */
  JULEE_KNOWLEDGE_OPTION_NOT_ALLOWED: { retryable: false },
  /** The document's content type cannot be given to this provider. */
  JULEE_KNOWLEDGE_UNSUPPORTED_DOCUMENT: { retryable: false },
  /** The document's bytes do not hash to its content_multihash. */
  JULEE_KNOWLEDGE_CONTENT_MISMATCH: { retryable: false },
  /** A query names a document the instance has not registered or can no longer read. */
  JULEE_KNOWLEDGE_DOCUMENT_UNAVAILABLE: { retryable: false },
  /** No scripted rule matched the query (the `scripted` plugin). */
  JULEE_KNOWLEDGE_NO_SCRIPTED_ANSWER: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

export type KnowledgeErrorCode = keyof typeof KNOWLEDGE_ERROR_CODES;

export interface KnowledgeServiceErrorOptions {
  readonly cause?: unknown;
  /** Structured facts: provider, service_instance, status, request_id, violations. No content. */
  readonly details?: Record<string, unknown>;
  /** How long the provider asked us to wait before trying again, when it said. */
  readonly retryAfterMs?: number | null;
  /** The provider calls made before the failure (usage still costs money; raw answers for audit). */
  readonly attempts?: readonly QueryAttempt[];
}

/**
 * A knowledge-service call failed. `retryable` says whether calling again later may succeed (the
 * workflow engine owns retrying); `retryAfterMs` carries the provider's retry-after when it gave
 * one. Messages never contain credentials, prompts or document content.
 */
export class KnowledgeServiceError extends JuleeError {
  declare readonly code: KnowledgeErrorCode;
  readonly retryAfterMs: number | null;
  readonly attempts: readonly QueryAttempt[];

  constructor(
    code: KnowledgeErrorCode,
    message: string,
    options: KnowledgeServiceErrorOptions = {},
  ) {
    super(code, message, {
      cause: options.cause,
      details: options.details,
      retryable: KNOWLEDGE_ERROR_CODES[code].retryable,
    });
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.attempts = options.attempts ?? [];
  }
}

export function isKnowledgeServiceError(error: unknown): error is KnowledgeServiceError {
  return error instanceof KnowledgeServiceError;
}
