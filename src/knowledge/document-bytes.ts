import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Document } from '../domain/entities.js';
import type { ByteSource } from '../domain/repositories.js';
import { ContentHasher } from '../domain/content-hash.js';
import { KnowledgeServiceError } from '../errors/knowledge-errors.js';

export interface ReadLimits {
  /** Largest document accepted, in bytes. */
  readonly maxBytes: number;
  readonly signal?: AbortSignal | undefined;
  /** Names the instance in error messages. */
  readonly serviceInstance: string;
}

/**
 * Reads a document's content fully into memory (for inline sending), checking its size against
 * the limit and its hash against the document's content_multihash as the bytes go by.
 */
export async function readDocumentBytes(
  document: Document,
  source: ByteSource,
  limits: ReadLimits,
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const check = checker(document, limits);
  for await (const chunk of source) {
    check.add(chunk);
    chunks.push(chunk);
  }
  check.finish();
  return Buffer.concat(chunks);
}

/** A document spooled to a temporary file, readable as a file-backed Blob (not held in memory). */
export interface SpooledDocument {
  readonly size: number;
  /** A File whose bytes are read from disk as the upload streams. */
  file(name: string, type: string): Promise<File>;
  /** Deletes the temporary file. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * Streams a document's content into a temporary file, with the same size and hash checks as
 * readDocumentBytes, so that multipart uploads need no copy of the document in memory.
 */
export async function spoolDocument(
  document: Document,
  source: ByteSource,
  limits: ReadLimits,
): Promise<SpooledDocument> {
  const dir = await mkdtemp(join(tmpdir(), 'julee-upload-'));
  const path = join(dir, 'content');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const check = checker(document, limits);
    await pipeline(async function* () {
      for await (const chunk of source) {
        check.add(chunk);
        yield chunk;
      }
    }, createWriteStream(path));
    check.finish();
    return {
      size: check.size,
      file: async (name, type) => {
        const blob = await openAsBlob(path, { type });
        return new File([blob], name, { type });
      },
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

function checker(document: Document, limits: ReadLimits) {
  const hasher = new ContentHasher();
  const id = document.document_id;
  return {
    get size() {
      return hasher.size;
    },
    add(chunk: Uint8Array) {
      if (limits.signal?.aborted) {
        throw new KnowledgeServiceError(
          'JULEE_KNOWLEDGE_CANCELLED',
          `registration of document "${id}" with service "${limits.serviceInstance}" was cancelled`,
        );
      }
      hasher.update(chunk);
      if (hasher.size > limits.maxBytes) {
        throw new KnowledgeServiceError(
          'JULEE_KNOWLEDGE_TOO_LARGE',
          `document "${id}" is larger than max_document_bytes (${limits.maxBytes}) of service ` +
            `"${limits.serviceInstance}"`,
          { details: { document_id: id, max_document_bytes: limits.maxBytes } },
        );
      }
    },
    finish() {
      const actual = hasher.digest();
      if (actual !== document.content_multihash) {
        throw new KnowledgeServiceError(
          'JULEE_KNOWLEDGE_CONTENT_MISMATCH',
          `the content of document "${id}" does not hash to its content_multihash`,
          { details: { document_id: id, expected: document.content_multihash, actual } },
        );
      }
    },
  };
}
