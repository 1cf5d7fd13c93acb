import { KnowledgeServiceError } from '../../src/errors/knowledge-errors.js';
import { ContentHasher } from '../../src/domain/content-hash.js';
import type { Document, JsonValue } from '../../src/domain/entities.js';
import type {
  CallOptions,
  FileRegistration,
  KnowledgeService,
  QueryRequest,
  QueryResult,
} from '../../src/domain/knowledge-service.js';
import type { ByteSource } from '../../src/domain/repositories.js';

/** What a FakeKnowledgeService answers: a JSON value, text, or an error to throw. */
export type FakeAnswer = JsonValue | Error;

/** The reply to one query: the answer, after a delay (ms) when given. */
export interface FakeReplyPlan {
  readonly answer: FakeAnswer;
  readonly delayMs?: number;
}

/** One event of the fake's timeline: a query started or ended (by its prompt). */
export interface FakeEvent {
  readonly kind: 'start' | 'end';
  readonly prompt: string;
}

/**
 * A KnowledgeService port stand-in for use-case tests: it registers documents by reading their
 * content through the given callback (as real services do), answers each query with what the
 * test's `reply` function says (after an optional delay, honouring cancellation), and records
 * everything: calls, registrations, start/end events and the most queries ever in flight.
 */
export class FakeKnowledgeService implements KnowledgeService {
  readonly calls: QueryRequest[] = [];
  readonly events: FakeEvent[] = [];
  /** Registrations by content hash: registerFile reuses them, as real services do. */
  readonly registered = new Map<string, FileRegistration>();
  registerCalls = 0;
  /** Bytes read through openContent during registration, by document id. */
  readonly contentRead = new Map<string, string>();
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly reply: (request: QueryRequest) => FakeReplyPlan,
    readonly serviceInstance = 'fake',
    readonly provider = 'fake-provider',
  ) {}

  async registerFile(
    document: Document,
    openContent: () => Promise<ByteSource>,
  ): Promise<FileRegistration> {
    this.registerCalls++;
    const known = this.registered.get(document.content_multihash);
    if (known !== undefined) return known;
    const hasher = new ContentHasher();
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of await openContent()) {
      hasher.update(chunk);
      text += decoder.decode(chunk, { stream: true });
    }
    this.contentRead.set(document.document_id, text + decoder.decode());
    const registration: FileRegistration = {
      document_id: document.document_id,
      content_multihash: hasher.digest(),
      provider_file_id: `file-${this.registered.size + 1}`,
      service_instance: this.serviceInstance,
      registered_at: '2026-01-01T00:00:00.000Z',
      metadata: { filename: document.original_filename, content_type: document.content_type },
    };
    this.registered.set(document.content_multihash, registration);
    return registration;
  }

  async executeQuery(request: QueryRequest, options: CallOptions = {}): Promise<QueryResult> {
    this.calls.push(request);
    this.events.push({ kind: 'start', prompt: request.prompt });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const plan = this.reply(request);
      if (plan.delayMs !== undefined) await sleep(plan.delayMs, options.signal);
      if (plan.answer instanceof Error) throw plan.answer;
      const raw = typeof plan.answer === 'string' ? plan.answer : JSON.stringify(plan.answer);
      return {
        response: plan.answer,
        service_instance: this.serviceInstance,
        provider: this.provider,
        model: request.options?.model ?? 'fake-model',
        stop_reason: 'end_turn',
        usage: { input_tokens: 100, output_tokens: 20 },
        latency_ms: plan.delayMs ?? 0,
        structured_output_mode: request.outputSchema === undefined ? 'none' : 'native',
        attempts: [
          {
            model: request.options?.model ?? 'fake-model',
            stop_reason: 'end_turn',
            usage: { input_tokens: 100, output_tokens: 20 },
            latency_ms: plan.delayMs ?? 0,
            request_id: `req-${this.calls.length}`,
            raw_text: raw,
            errors: [],
          },
        ],
      };
    } finally {
      this.inFlight--;
      this.events.push({ kind: 'end', prompt: request.prompt });
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => {
      clearTimeout(timer);
      reject(
        new KnowledgeServiceError('JULEE_KNOWLEDGE_CANCELLED', 'the query was cancelled', {
          cause: signal?.reason,
        }),
      );
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', cancelled);
      resolve();
    }, ms);
    if (signal?.aborted === true) return cancelled();
    signal?.addEventListener('abort', cancelled, { once: true });
  });
}
