import type { Document, JsonObject } from '../domain/entities.js';
import type { FileRegistration, TokenUsage } from '../domain/knowledge-service.js';
import type { SpooledDocument } from './document-bytes.js';
import type { ProviderRegistration } from './registration-cache.js';
import type { StructuredOutputDialect } from './schema-projection.js';

/** One message of the conversation sent to the provider. */
export interface ConversationTurn {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

/** A registered document as a provider call receives it. */
export interface CallDocument {
  readonly registration: FileRegistration;
  /** The document's content type, as registered. */
  readonly contentType: string;
  readonly filename: string;
  /** The bytes, for documents sent inline; null for documents referenced by a provider file id. */
  readonly bytes: Buffer | null;
}

/** Everything one provider call needs; the documents belong before the first user turn's text. */
export interface ProviderCall {
  readonly model: string;
  readonly maxTokens: number;
  readonly temperature: number | undefined;
  readonly documents: readonly CallDocument[];
  /** User and assistant turns in order, starting and ending with a user turn. */
  readonly turns: readonly ConversationTurn[];
  /** Text the answer must start with (sent as a final assistant turn), or null. */
  readonly prefill: string | null;
  /** The schema in the provider's native form (already projected), or null. */
  readonly nativeSchema: JsonObject | null;
  readonly signal: AbortSignal;
}

/** How an answer ended, in provider-neutral terms. */
export type AnswerOutcome = 'complete' | 'truncated' | 'refused';

export interface ProviderAnswer {
  /** The answer's text, without the prefill. */
  readonly text: string;
  /** The model that answered, as the provider reports it. */
  readonly model: string;
  /** The provider's own stop reason (end_turn, max_tokens, stop, length, ...). */
  readonly stopReason: string | null;
  readonly outcome: AnswerOutcome;
  readonly usage: TokenUsage;
  readonly requestId: string | null;
}

/** How a document reaches this provider: uploaded once, sent inline with each query, or not. */
export type RegistrationMode = 'upload' | 'inline' | { readonly unsupported: string };

/**
 * What a provider plugin implements; ProviderKnowledgeService does the rest (registration cache,
 * concurrency limit, structured output, validation and re-asking, error mapping, cancellation).
 * Methods may throw the provider SDK's own errors: they are mapped with toKnowledgeError.
 */
export interface KnowledgeProvider {
  /** Provider family, e.g. "anthropic". */
  readonly provider: string;
  /** The native structured-output dialect for a model, or null to send schemas as instructions. */
  dialect(model: string): StructuredOutputDialect | null;
  /** Whether an assistant prefill can be sent (given whether a native schema is sent too). */
  supportsPrefill(nativeSchema: boolean): boolean;
  registrationMode(document: Document): RegistrationMode;
  /** Uploads a spooled document; called once per content hash (mode "upload" only). */
  upload?(
    document: Document,
    content: SpooledDocument,
    signal: AbortSignal,
  ): Promise<ProviderRegistration>;
  call(call: ProviderCall): Promise<ProviderAnswer>;
  /** Whether an error says a registered file is gone at the provider (so it is registered again). */
  isMissingFile?(error: unknown): boolean;
}
