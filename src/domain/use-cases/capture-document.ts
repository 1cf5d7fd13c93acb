import { ConflictError, InputError } from '../../errors/julee-error.js';
import type { Document, DocumentStatus, JsonObject } from '../entities.js';
import { validateEntity } from '../entity-validation.js';
import type { ByteSource } from '../repositories.js';
import type { UseCaseDeps } from './use-case-deps.js';

/** Longest file name kept, in UTF-16 code units (what most file systems allow in bytes). */
export const MAX_FILENAME_LENGTH = 255;

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Valid in form, to check the metadata before any content is read. */
const PLACEHOLDER_CONTENT = { size_bytes: 1, content_multihash: `1220${'0'.repeat(64)}` };

function filenameError(message: string, length: number | null): InputError {
  return new InputError(`Invalid original_filename: ${message}`, {
    details: { violations: [{ path: '/original_filename', message }], length },
  });
}

/**
 * The base name of a file name a client sent: directory parts (`/` or `\`) are dropped, the rest
 * is trimmed and NFC-normalised. Names with control characters, names longer than 255 characters
 * and names that are empty, "." or ".." are rejected with InputError; the message never repeats
 * the name itself.
 */
export function sanitizeFilename(name: unknown): string {
  if (typeof name !== 'string') throw filenameError('must be a string', null);
  // eslint-disable-next-line no-control-regex -- detecting control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) {
    throw filenameError('must not contain control characters', name.length);
  }
  const base = (name.split(/[/\\]/).pop() ?? '').trim().normalize('NFC');
  if (base === '' || base === '.' || base === '..') {
    throw filenameError('must name a file, not a directory', name.length);
  }
  if (base.length > MAX_FILENAME_LENGTH) {
    throw filenameError(`must be at most ${MAX_FILENAME_LENGTH} characters`, base.length);
  }
  return base;
}

/**
 * The same bytes as `source`, or null when it yields no byte at all. Reads at most up to the
 * first non-empty chunk, so an empty upload is refused before anything is stored.
 */
async function nonEmpty(source: ByteSource): Promise<ByteSource | null> {
  const iterator = source[Symbol.asyncIterator]();
  let first = await iterator.next();
  while (first.done !== true && first.value.byteLength === 0) first = await iterator.next();
  if (first.done === true) return null;

  const head = first.value;
  return {
    async *[Symbol.asyncIterator]() {
      try {
        yield head;
        for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
          yield next.value;
        }
      } finally {
        await iterator.return?.();
      }
    },
  };
}

export interface CaptureDocumentRequest {
  /** The document's bytes, streamed: never held whole in memory. */
  readonly content: ByteSource;
  /** The client's file name; reduced to its base name (see sanitizeFilename). */
  readonly original_filename: string;
  /** MIME type; `application/octet-stream` when left out. */
  readonly content_type?: string;
  readonly additional_metadata?: JsonObject;
  readonly knowledge_service_id?: string | null;
  readonly assembly_types?: readonly string[];
  /** `captured` when left out. */
  readonly status?: DocumentStatus;
  /**
   * The id to store the document under (fixtures, retried activities); generated when left out.
   * Capturing the same file name and content under the same id again returns the stored document.
   */
  readonly document_id?: string;
  readonly signal?: AbortSignal;
}

export interface CaptureDocumentResponse {
  readonly document: Document;
  /** False when the same document was already stored under the requested id. */
  readonly created: boolean;
}

/**
 * Stores a document from a byte stream and its metadata. The content goes to the content store
 * first (deduplicated by hash); its size and SHA-256 multihash are always computed here, never
 * taken from the caller. Empty content is refused: a document has at least one byte.
 */
export class CaptureDocumentUseCase {
  constructor(private readonly deps: UseCaseDeps) {}

  async execute(request: CaptureDocumentRequest): Promise<CaptureDocumentResponse> {
    const now = this.deps.clock.now().toISOString();
    const metadata = {
      document_id: request.document_id ?? this.deps.ids.newId('document'),
      original_filename: sanitizeFilename(request.original_filename),
      content_type: request.content_type ?? DEFAULT_CONTENT_TYPE,
      status: request.status ?? 'captured',
      knowledge_service_id: request.knowledge_service_id ?? null,
      assembly_types: request.assembly_types ?? [],
      additional_metadata: request.additional_metadata ?? {},
      created_at: now,
      updated_at: now,
    };
    validateEntity('document', { ...metadata, ...PLACEHOLDER_CONTENT });

    const source = await nonEmpty(request.content);
    if (source === null) {
      throw new InputError(
        `Document ${metadata.document_id} (${metadata.original_filename}) has no content: ` +
          'a document must have at least one byte',
        { details: { violations: [{ path: '/size_bytes', message: 'must be > 0' }] } },
      );
    }
    const signal = request.signal;
    const stored = await this.deps.repositories.document.putContent(
      source,
      signal === undefined ? {} : { signal },
    );
    const document = validateEntity('document', { ...metadata, ...stored });

    if (request.document_id !== undefined) {
      const existing = await this.deps.repositories.document.get(document.document_id);
      if (existing !== null)
        return { document: this.sameOrConflict(existing, document), created: false };
    }
    return { document: await this.deps.repositories.document.save(document), created: true };
  }

  private sameOrConflict(existing: Document, captured: Document): Document {
    if (
      existing.content_multihash === captured.content_multihash &&
      existing.original_filename === captured.original_filename
    ) {
      return existing;
    }
    throw new ConflictError(
      `Document already exists with other content or file name: ${existing.document_id}`,
      { details: { entity: 'document', id: existing.document_id } },
    );
  }
}
