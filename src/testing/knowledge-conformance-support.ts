import { multihashOf } from '../domain/content-hash.js';
import type { Document } from '../domain/entities.js';
import type {
  FileRegistration,
  FileRegistrationStore,
  KnowledgeService,
} from '../domain/knowledge-service.js';
import type { ByteSource } from '../domain/repositories.js';

/** Provider errors the conformance suite scripts, in provider-neutral terms. */
export type ConformanceErrorKind =
  | 'rate_limited'
  | 'overloaded'
  | 'server_error'
  | 'spend_limit'
  | 'bad_request'
  | 'auth'
  | 'too_large';

/**
 * One scripted provider reply. The adapter renders it as its provider's fake would answer: an
 * answer as a normal model message, `truncated` as an answer stopped at max_tokens, errors with
 * the provider's status and error body (rate_limited → 429 with retry-after, overloaded → 529 or
 * the provider's overload answer, server_error → 500, spend_limit → the non-retryable 429,
 * bad_request → 400, auth → 401, too_large → 413), `hang` as a request that never answers.
 */
export type ConformanceReply =
  | { readonly answer: string; readonly delayMs?: number }
  | { readonly truncated: string }
  | { readonly refusal: true }
  | { readonly error: ConformanceErrorKind; readonly retryAfterSeconds?: number }
  | { readonly hang: true };

export interface KnowledgeConformanceSetup {
  /** The provider's replies to the next model calls, in order. */
  readonly replies: readonly ConformanceReply[];
  /** The instance's request_timeout_ms; 30 000 when not given. */
  readonly requestTimeoutMs?: number;
  /** The instance's max_repairs; 2 when not given. */
  readonly maxRepairs?: number;
  /** The instance's max_document_bytes; the plugin default when not given. */
  readonly maxDocumentBytes?: number;
  /** A durable registration store to attach (useRegistrationStore) before use. */
  readonly registrationStore?: FileRegistrationStore;
}

/** A fresh service instance under test, and what its provider saw. */
export interface KnowledgeConformanceSubject {
  readonly service: KnowledgeService;
  /** The model calls the provider received since the subject was made, as conversation turns. */
  calls(): readonly (readonly { readonly role: 'user' | 'assistant'; readonly text: string }[])[];
  /** Documents uploaded to the provider since the subject was made. */
  uploads(): number;
  /** Stops the instance (and anything else the adapter made for this subject). */
  close(): Promise<void>;
}

/**
 * How the suite drives one provider plugin: usually the plugin's `create` pointed at a local fake
 * of the provider's HTTP API (see the adapters in julee-runtime's own tests).
 */
export interface KnowledgeConformanceAdapter {
  /** Runs once before the suite (start the fake server). */
  setup?(): Promise<void>;
  /** Runs once after the suite. */
  teardown?(): Promise<void>;
  /** A new instance whose provider answers with `setup.replies`, in order. */
  create(setup: KnowledgeConformanceSetup): Promise<KnowledgeConformanceSubject>;
}

export interface KnowledgeConformanceOptions {
  /** Size of the large document; 6 MiB by default. */
  readonly largeDocumentBytes?: number;
  /** Content type of the documents the suite registers; application/pdf by default. */
  readonly documentContentType?: string;
}

/** A durable registration store kept in memory, for tests of registration reuse. */
export function memoryRegistrationStore(): FileRegistrationStore & {
  readonly entries: Map<string, FileRegistration>;
} {
  const entries = new Map<string, FileRegistration>();
  const key = (instance: string, hash: string) => `${instance}\u0000${hash}`;
  return {
    entries,
    get: (instance, hash) => Promise.resolve(entries.get(key(instance, hash)) ?? null),
    put: (registration) => {
      entries.set(key(registration.service_instance, registration.content_multihash), registration);
      return Promise.resolve();
    },
    delete: (instance, hash) => {
      entries.delete(key(instance, hash));
      return Promise.resolve();
    },
  };
}

/** A document record and a way to stream its bytes, as a repository would give them. */
export function conformanceDocument(
  bytes: Uint8Array,
  options: { id?: string; contentType?: string; filename?: string } = {},
): { document: Document; openContent: () => Promise<ByteSource> } {
  const document: Document = {
    document_id: options.id ?? `doc-conformance-${Math.random().toString(36).slice(2, 10)}`,
    original_filename: options.filename ?? 'minutes.pdf',
    content_type: options.contentType ?? 'application/pdf',
    size_bytes: bytes.byteLength,
    content_multihash: multihashOf(bytes),
    status: 'captured',
    knowledge_service_id: null,
    assembly_types: [],
    additional_metadata: {},
    created_at: null,
    updated_at: null,
  };
  const openContent = () => Promise.resolve(byteChunks(bytes));
  return { document, openContent };
}

/** The bytes as a stream of 64 KiB chunks, as a repository's openContent yields them. */
function byteChunks(bytes: Uint8Array, size = 64 * 1024): ByteSource {
  return {
    [Symbol.asyncIterator]() {
      let offset = 0;
      return {
        next(): Promise<IteratorResult<Uint8Array>> {
          if (offset >= bytes.byteLength) return Promise.resolve({ done: true, value: undefined });
          const chunk = bytes.subarray(offset, offset + size);
          offset += size;
          return Promise.resolve({ done: false, value: chunk });
        },
      };
    },
  };
}

/** A PDF-looking byte sequence of the given size (a header, then deterministic filler). */
export function samplePdfBytes(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  const header = Buffer.from('%PDF-1.4\n% julee conformance\n');
  bytes.set(header.subarray(0, Math.min(size, header.length)));
  let state = seed >>> 0 || 1;
  for (let i = header.length; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = 32 + ((state >>> 16) % 90);
  }
  return bytes;
}
