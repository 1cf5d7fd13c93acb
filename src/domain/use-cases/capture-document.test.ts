import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, InputError } from '../../errors/julee-error.js';
import type { ByteSource } from '../repositories.js';
import {
  bytesOf,
  createFakeRepositories,
  FakeClock,
  SequentialIdGenerator,
  type FakeRepositories,
} from '../testing-fakes.js';
import { CaptureDocumentUseCase, sanitizeFilename } from './capture-document.js';

let repositories: FakeRepositories;
let capture: CaptureDocumentUseCase;

beforeEach(() => {
  const clock = new FakeClock('2026-03-01T00:00:00.000Z');
  repositories = createFakeRepositories(clock);
  capture = new CaptureDocumentUseCase({ repositories, clock, ids: new SequentialIdGenerator() });
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** A source that counts how many chunks were pulled from it. */
function counted(chunks: Uint8Array[]): { source: ByteSource; pulled: () => number } {
  let pulled = 0;
  return {
    source: (async function* () {
      for (const chunk of chunks) {
        pulled += 1;
        await Promise.resolve();
        yield chunk;
      }
    })(),
    pulled: () => pulled,
  };
}

describe('CaptureDocumentUseCase', () => {
  it('computes size and hash from the streamed content and stores the document', async () => {
    const { document, created } = await capture.execute({
      original_filename: 'minutes.txt',
      content_type: 'text/plain',
      additional_metadata: { source: 'upload' },
      content: bytesOf('hello ', 'world', new Uint8Array(0), '!'),
    });
    const expected = `1220${createHash('sha256').update('hello world!').digest('hex')}`;
    expect(created).toBe(true);
    expect(document).toMatchObject({
      document_id: 'doc-1',
      original_filename: 'minutes.txt',
      content_type: 'text/plain',
      size_bytes: 12,
      content_multihash: expected,
      status: 'captured',
      additional_metadata: { source: 'upload' },
      created_at: '2026-03-01T00:00:00.000Z',
    });
    expect(await repositories.document.get('doc-1')).toEqual(document);
    expect(new TextDecoder().decode(repositories.document.contents.get(expected))).toBe(
      'hello world!',
    );
  });

  it('stores equal content once for two documents', async () => {
    const first = await capture.execute({ original_filename: 'a.txt', content: bytesOf('same') });
    const second = await capture.execute({ original_filename: 'b.txt', content: bytesOf('same') });
    expect(first.document.document_id).not.toBe(second.document.document_id);
    expect(first.document.content_multihash).toBe(second.document.content_multihash);
    expect(repositories.document.contents.size).toBe(1);
  });

  it('uses application/octet-stream when no content type is given', async () => {
    const { document } = await capture.execute({
      original_filename: 'blob',
      content: bytesOf('x'),
    });
    expect(document.content_type).toBe('application/octet-stream');
  });

  it('rejects empty content before storing anything', async () => {
    const error = await rejection(
      capture.execute({
        original_filename: 'empty.txt',
        content: bytesOf(new Uint8Array(0), new Uint8Array(0)),
      }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      'Document doc-1 (empty.txt) has no content: a document must have at least one byte',
    );
    expect(repositories.document.contents.size).toBe(0);
    expect(repositories.document.saves).toBe(0);
  });

  it('checks the metadata before reading any content', async () => {
    const { source, pulled } = counted([new TextEncoder().encode('data')]);
    const error = await rejection(
      capture.execute({ original_filename: 'a.txt', content_type: 'not a type', content: source }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('/content_type must be a MIME type');
    expect(pulled()).toBe(0);
  });

  it('keeps only the base name of a client path', async () => {
    const { document } = await capture.execute({
      original_filename: 'C:\\Users\\maria\\..\\report.pdf',
      content: bytesOf('%PDF'),
    });
    expect(document.original_filename).toBe('report.pdf');
  });

  it('returns the stored document when the same capture is repeated under its id', async () => {
    const request = { document_id: 'doc-fixed', original_filename: 'a.txt' };
    const first = await capture.execute({ ...request, content: bytesOf('v1') });
    const again = await capture.execute({ ...request, content: bytesOf('v1') });
    expect(again).toEqual({ document: first.document, created: false });

    const error = await rejection(capture.execute({ ...request, content: bytesOf('v2') }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'Document already exists with other content or file name: doc-fixed',
    );
  });
});

describe('sanitizeFilename', () => {
  it('drops directories and surrounding space', () => {
    expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFilename('  notes.md ')).toBe('notes.md');
    expect(sanitizeFilename('.bashrc')).toBe('.bashrc');
  });

  it.each([
    ['', 'must name a file, not a directory'],
    ['dir/', 'must name a file, not a directory'],
    ['..', 'must name a file, not a directory'],
    ['a\u0000b', 'must not contain control characters'],
    ['evil\r\nname', 'must not contain control characters'],
    ['x'.repeat(256), 'must be at most 255 characters'],
  ])('rejects %j', (name, reason) => {
    expect(() => sanitizeFilename(name)).toThrow(`Invalid original_filename: ${reason}`);
  });

  it('rejects a name that is not a string', () => {
    expect(() => sanitizeFilename(undefined)).toThrow(InputError);
  });
});
