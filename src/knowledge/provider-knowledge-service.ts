import type { Document } from '../domain/entities.js';
import type {
  CallOptions,
  FileRegistration,
  FileRegistrationStore,
  KnowledgeService,
  QueryRequest,
  QueryResult,
} from '../domain/knowledge-service.js';
import type { ByteSource } from '../domain/repositories.js';
import { KnowledgeServiceError } from '../errors/knowledge-errors.js';
import type { HealthReport, Logger } from '../plugin-api/contract.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { readDocumentBytes, spoolDocument } from './document-bytes.js';
import type { CallDocument, KnowledgeProvider, ProviderCall } from './provider.js';
import { toKnowledgeError } from './provider-errors.js';
import { InlineContentCache, RegistrationCache } from './registration-cache.js';
import { OutputSchemaValidator } from './schema-validator.js';
import { runStructuredQuery, type ResolvedModelOptions } from './structured-query.js';

/** The provider-neutral settings every knowledge-service instance has (from its options). */
export interface KnowledgeServiceSettings {
  /** The instance's name (its key under `services:`). */
  readonly serviceInstance: string;
  readonly model: string;
  readonly maxTokens: number;
  /** The largest max_tokens a query may ask for; defaults to no limit beyond the provider's. */
  readonly maxTokensLimit?: number | undefined;
  readonly temperature?: number | undefined;
  /** Highest temperature the provider accepts (1 for Anthropic, 2 for OpenAI). */
  readonly maxTemperature: number;
  /** Models a query may choose; when absent, any model. */
  readonly allowedModels?: readonly string[] | undefined;
  readonly maxRepairs: number;
  readonly maxConcurrency: number;
  /** Largest document accepted for registration, in bytes. */
  readonly maxDocumentBytes: number;
  /** Memory kept for the bytes of documents sent inline, in bytes. */
  readonly inlineCacheBytes: number;
  readonly logger?: Logger | undefined;
}

const RECENT_FAILURE_MS = 60_000;

/**
 * A KnowledgeService built from a KnowledgeProvider: what is the same for every provider lives
 * here (registration once per content hash, the concurrency limit, structured output with
 * validation and re-asking, typed errors, cancellation, health).
 */
export class ProviderKnowledgeService implements KnowledgeService {
  private readonly registrations: RegistrationCache;
  private readonly inline: InlineContentCache;
  private readonly limiter: ConcurrencyLimiter;
  private readonly validator = new OutputSchemaValidator();
  private readonly stopping = new AbortController();
  private lastFailure: { code: string; at: number } | null = null;

  constructor(
    private readonly provider: KnowledgeProvider,
    private readonly settings: KnowledgeServiceSettings,
  ) {
    this.registrations = new RegistrationCache(settings.serviceInstance, (error, operation) =>
      settings.logger?.warn(
        { err: error, operation, service: settings.serviceInstance },
        'registration store failed; continuing without it',
      ),
    );
    this.inline = new InlineContentCache(settings.inlineCacheBytes);
    this.limiter = new ConcurrencyLimiter(settings.maxConcurrency);
  }

  useRegistrationStore(store: FileRegistrationStore): void {
    this.registrations.useStore(store);
  }

  async registerFile(
    document: Document,
    openContent: () => Promise<ByteSource>,
    options: CallOptions = {},
  ): Promise<FileRegistration> {
    const mode = this.provider.registrationMode(document);
    if (typeof mode === 'object') {
      throw new KnowledgeServiceError(
        'JULEE_KNOWLEDGE_UNSUPPORTED_DOCUMENT',
        `document "${document.document_id}" (${document.content_type}) cannot be given to ` +
          `service "${this.settings.serviceInstance}": ${mode.unsupported}`,
        { details: this.details({ document_id: document.document_id }) },
      );
    }
    const signal = this.signalFor(options.signal);
    const isUsable = (r: FileRegistration) =>
      r.metadata.registered_via === (mode === 'upload' ? 'files_api' : 'inline') &&
      (mode === 'inline' || r.provider_file_id !== null);
    const register = () =>
      this.guard('file registration', signal, () =>
        mode === 'upload'
          ? this.upload(document, openContent, signal)
          : this.readInline(document, openContent, signal),
      );
    return this.registrations.registerOnce(document, register, { isUsable, signal });
  }

  async executeQuery(request: QueryRequest, options: CallOptions = {}): Promise<QueryResult> {
    const signal = this.signalFor(options.signal);
    const resolved = this.resolveOptions(request);
    const documents = await Promise.all(
      request.files.map((file) => this.callDocument(file, request, signal)),
    );
    return runStructuredQuery({
      provider: this.provider,
      serviceInstance: this.settings.serviceInstance,
      request,
      options: resolved,
      documents,
      maxRepairs: this.settings.maxRepairs,
      validator: this.validator,
      signal,
      invoke: (call) => this.invoke(call),
    });
  }

  /** Stops the instance: calls in flight and later are cancelled. */
  stop(): Promise<void> {
    this.stopping.abort();
    return Promise.resolve();
  }

  /** Down after the provider refused the credentials or the spend limit; degraded after outages. */
  health(): Promise<HealthReport> {
    const failure = this.lastFailure;
    if (this.stopping.signal.aborted) return Promise.resolve({ status: 'down', detail: 'stopped' });
    if (failure?.code === 'JULEE_KNOWLEDGE_AUTH') {
      return Promise.resolve({ status: 'down', detail: 'the provider rejected the credentials' });
    }
    if (failure?.code === 'JULEE_KNOWLEDGE_SPEND_LIMIT') {
      return Promise.resolve({ status: 'down', detail: 'the provider spend limit is reached' });
    }
    if (failure && Date.now() - failure.at < RECENT_FAILURE_MS) {
      return Promise.resolve({
        status: 'degraded',
        detail: `recent provider failure (${failure.code})`,
      });
    }
    return Promise.resolve({ status: 'ok' });
  }

  private async invoke(call: ProviderCall) {
    return this.guard('query', call.signal, async () => {
      try {
        return await this.provider.call(call);
      } catch (error) {
        if (this.provider.isMissingFile?.(error)) {
          // The provider lost an uploaded file (expired, deleted): register it again next time.
          for (const doc of call.documents) {
            if (doc.registration.provider_file_id !== null) {
              await this.registrations.forget(doc.registration.content_multihash);
            }
          }
        }
        throw error;
      }
    });
  }

  /** Runs one provider request inside the concurrency limit, mapping what it throws. */
  private async guard<T>(
    operation: string,
    signal: AbortSignal,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      const value = await this.limiter.run(run, signal);
      this.lastFailure = null;
      return value;
    } catch (error) {
      const mapped = toKnowledgeError(error, {
        provider: this.provider.provider,
        serviceInstance: this.settings.serviceInstance,
        operation,
        signal,
      });
      if (mapped instanceof KnowledgeServiceError && mapped.code !== 'JULEE_KNOWLEDGE_CANCELLED') {
        this.lastFailure = { code: mapped.code, at: Date.now() };
      }
      throw mapped;
    }
  }

  private async upload(
    document: Document,
    openContent: () => Promise<ByteSource>,
    signal: AbortSignal,
  ) {
    const provider = this.provider;
    if (!provider.upload) throw new Error(`provider ${provider.provider} has no upload`);
    const spooled = await spoolDocument(document, await openContent(), this.limits(signal));
    try {
      const made = await provider.upload(document, spooled, signal);
      return {
        provider_file_id: made.provider_file_id,
        metadata: {
          ...this.documentFacts(document),
          ...made.metadata,
          registered_via: 'files_api',
        },
      };
    } finally {
      await spooled.dispose();
    }
  }

  private async readInline(
    document: Document,
    openContent: () => Promise<ByteSource>,
    signal: AbortSignal,
  ) {
    const bytes = await readDocumentBytes(document, await openContent(), this.limits(signal));
    this.inline.set(document.content_multihash, bytes);
    return {
      provider_file_id: null,
      metadata: { ...this.documentFacts(document), registered_via: 'inline' },
    };
  }

  private async callDocument(
    file: FileRegistration,
    request: QueryRequest,
    signal: AbortSignal,
  ): Promise<CallDocument> {
    const { content_type: type, filename: name } = file.metadata;
    const contentType = typeof type === 'string' ? type : 'application/octet-stream';
    const filename = typeof name === 'string' ? name : file.document_id;
    if (file.provider_file_id !== null) {
      return { registration: file, contentType, filename, bytes: null };
    }
    let bytes = this.inline.get(file.content_multihash);
    if (!bytes && request.openContent) {
      const document = { document_id: file.document_id, content_multihash: file.content_multihash };
      bytes = await readDocumentBytes(
        document as Document,
        await request.openContent(file),
        this.limits(signal),
      );
      this.inline.set(file.content_multihash, bytes);
    }
    if (!bytes) {
      throw new KnowledgeServiceError(
        'JULEE_KNOWLEDGE_DOCUMENT_UNAVAILABLE',
        `document "${file.document_id}" is sent inline by service ` +
          `"${this.settings.serviceInstance}", which no longer holds its bytes; pass openContent`,
        { details: this.details({ document_id: file.document_id }) },
      );
    }
    return { registration: file, contentType, filename, bytes };
  }

  private resolveOptions(request: QueryRequest): ResolvedModelOptions {
    const s = this.settings;
    const asked = request.options ?? {};
    const model = asked.model ?? s.model;
    if (s.allowedModels && model !== s.model && !s.allowedModels.includes(model)) {
      throw this.notAllowed(`model "${model}" is not in allowed_models`, { model });
    }
    const maxTokens = asked.max_tokens ?? s.maxTokens;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      throw this.notAllowed(`max_tokens must be a positive integer`, { max_tokens: maxTokens });
    }
    if (s.maxTokensLimit !== undefined && maxTokens > s.maxTokensLimit) {
      throw this.notAllowed(`max_tokens ${maxTokens} is above max_tokens_limit`, {
        max_tokens: maxTokens,
        max_tokens_limit: s.maxTokensLimit,
      });
    }
    const temperature = asked.temperature ?? s.temperature;
    if (temperature !== undefined && !(temperature >= 0 && temperature <= s.maxTemperature)) {
      throw this.notAllowed(`temperature must be between 0 and ${s.maxTemperature}`, {
        temperature,
      });
    }
    return { model, maxTokens, temperature };
  }

  private notAllowed(what: string, facts: Record<string, unknown>): KnowledgeServiceError {
    return new KnowledgeServiceError(
      'JULEE_KNOWLEDGE_OPTION_NOT_ALLOWED',
      `query options refused by service "${this.settings.serviceInstance}": ${what}`,
      { details: this.details(facts) },
    );
  }

  private signalFor(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.stopping.signal]) : this.stopping.signal;
  }

  private limits(signal: AbortSignal) {
    return {
      maxBytes: this.settings.maxDocumentBytes,
      signal,
      serviceInstance: this.settings.serviceInstance,
    };
  }

  private documentFacts(document: Document) {
    return {
      service: this.provider.provider,
      filename: document.original_filename,
      content_type: document.content_type,
      size_bytes: document.size_bytes,
      content_multihash: document.content_multihash,
    };
  }

  private details(facts: Record<string, unknown>): Record<string, unknown> {
    return {
      provider: this.provider.provider,
      service_instance: this.settings.serviceInstance,
      ...facts,
    };
  }
}

/**
 * The plugin instance of a provider-backed knowledge service: the service, and its stop and
 * health hooks. Service plugins return it (spread, when they add hooks of their own).
 */
export function knowledgeServiceInstance(
  provider: KnowledgeProvider,
  settings: KnowledgeServiceSettings,
): {
  knowledge: ProviderKnowledgeService;
  stop(): Promise<void>;
  health(): Promise<HealthReport>;
} {
  const knowledge = new ProviderKnowledgeService(provider, settings);
  return { knowledge, stop: () => knowledge.stop(), health: () => knowledge.health() };
}
