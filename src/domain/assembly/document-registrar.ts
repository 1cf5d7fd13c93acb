import type { Document } from '../entities.js';
import type { FileRegistration, KnowledgeService } from '../knowledge-service.js';
import type { ByteSource, DocumentRepository } from '../repositories.js';

/**
 * Registers documents with knowledge services once per (service instance, document) within one
 * use-case run; the services themselves reuse registrations per content hash across runs. The
 * content is never read here: each service opens it from the repository when it needs it.
 */
export class DocumentRegistrar {
  private readonly registered = new Map<KnowledgeService, Map<string, Promise<FileRegistration>>>();
  /** The registrations made, in the order they completed. */
  readonly registrations: FileRegistration[] = [];

  constructor(
    private readonly documents: DocumentRepository,
    private readonly signal?: AbortSignal,
  ) {}

  register(service: KnowledgeService, document: Document): Promise<FileRegistration> {
    let byDocument = this.registered.get(service);
    if (byDocument === undefined) {
      byDocument = new Map();
      this.registered.set(service, byDocument);
    }
    let registration = byDocument.get(document.document_id);
    if (registration === undefined) {
      registration = service
        .registerFile(document, () => this.open(document.document_id), this.callOptions())
        .then((made) => {
          this.registrations.push(made);
          return made;
        });
      byDocument.set(document.document_id, registration);
    }
    return registration;
  }

  /** Reads a registered document again, for services that send documents inline. */
  readonly openContent = (file: FileRegistration): Promise<ByteSource> =>
    this.open(file.document_id);

  callOptions(): { signal?: AbortSignal } {
    return this.signal === undefined ? {} : { signal: this.signal };
  }

  private open(documentId: string): Promise<ByteSource> {
    return this.documents.openContent(documentId, this.callOptions());
  }
}
