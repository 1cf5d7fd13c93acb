import type { Document, JsonObject } from '../domain/entities.js';
import type { FileRegistration, FileRegistrationStore } from '../domain/knowledge-service.js';
import { KnowledgeServiceError } from '../errors/knowledge-errors.js';

/** What a provider registration produced: its file id (null when sent inline) and facts. */
export interface ProviderRegistration {
  readonly provider_file_id: string | null;
  readonly metadata: JsonObject;
}

export interface RegisterOnceOptions {
  /** Whether a registration found in the cache or store can serve this instance as configured. */
  readonly isUsable?: (registration: FileRegistration) => boolean;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Registrations of one service instance, keyed by content hash: an in-memory map in front of an
 * optional durable store. Concurrent registrations of the same content share one provider call.
 */
export class RegistrationCache {
  private readonly entries = new Map<string, FileRegistration>();
  private readonly inflight = new Map<string, Promise<FileRegistration>>();
  private store: FileRegistrationStore | null = null;

  constructor(
    private readonly serviceInstance: string,
    private readonly onStoreError: (error: unknown, operation: string) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  useStore(store: FileRegistrationStore): void {
    this.store = store;
  }

  /** The registration for this document's content, registering it with `register` at most once. */
  async registerOnce(
    document: Document,
    register: () => Promise<ProviderRegistration>,
    options: RegisterOnceOptions = {},
  ): Promise<FileRegistration> {
    const hash = document.content_multihash;
    for (;;) {
      const known = this.entries.get(hash);
      if (known && (options.isUsable?.(known) ?? true)) return this.forDocument(known, document);

      const pending = this.inflight.get(hash);
      if (!pending) break;
      try {
        return this.forDocument(await pending, document);
      } catch (error) {
        // Someone else's cancelled upload is not our failure: try again ourselves.
        const cancelled =
          error instanceof KnowledgeServiceError && error.code === 'JULEE_KNOWLEDGE_CANCELLED';
        if (!cancelled || options.signal?.aborted) throw error;
      }
    }

    const flight = this.lookUpOrRegister(document, register, options);
    this.inflight.set(hash, flight);
    try {
      return this.forDocument(await flight, document);
    } finally {
      this.inflight.delete(hash);
    }
  }

  /** The cached registration of some content, if any (not consulting the store). */
  peek(contentMultihash: string): FileRegistration | undefined {
    return this.entries.get(contentMultihash);
  }

  /** Forgets a registration (e.g. the provider says the file no longer exists). */
  async forget(contentMultihash: string): Promise<void> {
    this.entries.delete(contentMultihash);
    try {
      await this.store?.delete(this.serviceInstance, contentMultihash);
    } catch (error) {
      this.onStoreError(error, 'delete');
    }
  }

  private async lookUpOrRegister(
    document: Document,
    register: () => Promise<ProviderRegistration>,
    options: RegisterOnceOptions,
  ): Promise<FileRegistration> {
    const hash = document.content_multihash;
    const stored = await this.fromStore(hash);
    if (stored && (options.isUsable?.(stored) ?? true)) {
      this.entries.set(hash, stored);
      return stored;
    }
    const made = await register();
    const registration: FileRegistration = {
      document_id: document.document_id,
      content_multihash: hash,
      provider_file_id: made.provider_file_id,
      service_instance: this.serviceInstance,
      registered_at: this.now().toISOString(),
      metadata: made.metadata,
    };
    this.entries.set(hash, registration);
    try {
      await this.store?.put(registration);
    } catch (error) {
      // The registration works; losing it from the store only costs an upload after a restart.
      this.onStoreError(error, 'put');
    }
    return registration;
  }

  private async fromStore(hash: string): Promise<FileRegistration | null> {
    if (!this.store) return null;
    try {
      return await this.store.get(this.serviceInstance, hash);
    } catch (error) {
      // A store failure is a miss: registering again is correct, only slower.
      this.onStoreError(error, 'get');
      return null;
    }
  }

  private forDocument(registration: FileRegistration, document: Document): FileRegistration {
    return registration.document_id === document.document_id
      ? registration
      : { ...registration, document_id: document.document_id };
  }
}

/**
 * Bytes of documents sent inline, most recently used first, within a total size. A miss means
 * the bytes must be read again (QueryRequest.openContent).
 */
export class InlineContentCache {
  private readonly entries = new Map<string, Buffer>();
  private total = 0;

  constructor(private readonly capacityBytes: number) {}

  get(contentMultihash: string): Buffer | undefined {
    const bytes = this.entries.get(contentMultihash);
    if (bytes) {
      this.entries.delete(contentMultihash);
      this.entries.set(contentMultihash, bytes);
    }
    return bytes;
  }

  set(contentMultihash: string, bytes: Buffer): void {
    if (bytes.byteLength > this.capacityBytes) return;
    const old = this.entries.get(contentMultihash);
    if (old) {
      this.total -= old.byteLength;
      this.entries.delete(contentMultihash);
    }
    this.entries.set(contentMultihash, bytes);
    this.total += bytes.byteLength;
    for (const [key, value] of this.entries) {
      if (this.total <= this.capacityBytes) break;
      this.entries.delete(key);
      this.total -= value.byteLength;
    }
  }

  get sizeBytes(): number {
    return this.total;
  }
}
