import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { ContentHasher, multihashOf } from '../domain/content-hash.js';
import type { DocumentRepository } from '../domain/repositories.js';
import {
  chunksOf,
  expectCode,
  HOSTILE_IDS,
  newId,
  readAll,
  documentRepositoryOf,
  type RepositoryConformanceOptions,
  type RepositoryConformanceSubject,
} from './conformance-support.js';
import { sampleEntity } from './sample-entities.js';

const MIB = 1024 * 1024;
const encoder = new TextEncoder();

/** The content tests of the document repository (see runRepositoryConformance). */
export function describeDocumentContent<S extends RepositoryConformanceSubject>(
  subject: () => S,
  options: RepositoryConformanceOptions<S>,
): void {
  const documents = (): DocumentRepository => documentRepositoryOf(subject());
  const largeBytes = options.largeDocumentBytes ?? 64 * MIB;

  it(
    `streams a ${Math.round(largeBytes / MIB)} MiB document in and out unchanged`,
    async () => {
      const written = new ContentHasher();
      const stored = await documents().putContent(pseudoRandomChunks(largeBytes, MIB, written));
      expect(stored).toEqual({ content_multihash: written.digest(), size_bytes: largeBytes });

      const id = newId('document', 'large');
      await documents().save(sampleEntity('document', id, 0, stored));
      const read = new ContentHasher();
      for await (const chunk of await documents().openContent(id)) read.update(chunk);
      expect(read.size).toBe(largeBytes);
      expect(read.digest()).toBe(stored.content_multihash);
    },
    options.largeDocumentTimeoutMs ?? 180_000,
  );

  it('hands out a new stream on every open, also for concurrent readers', async () => {
    const bytes = encoder.encode('read me as often as you like\n'.repeat(5000));
    const stored = await documents().putContent(chunksOf(bytes, 4096));
    const id = newId('document', 'reread');
    await documents().save(sampleEntity('document', id, 0, stored));

    const expected = multihashOf(bytes);
    expect(multihashOf(await readAll(await documents().openContent(id)))).toBe(expected);
    expect(multihashOf(await readAll(await documents().openContent(id)))).toBe(expected);
    const both = await Promise.all([
      documents().openContent(id).then(readAll),
      documents().openContent(id).then(readAll),
    ]);
    expect(both.map((read) => multihashOf(read))).toEqual([expected, expected]);
  });

  it('computes the hash and size itself and accepts a Node Readable', async () => {
    const bytes = encoder.encode('hash me on the server\n');
    const stored = await documents().putContent(Readable.from([Buffer.from(bytes)]));
    expect(stored).toEqual({ content_multihash: multihashOf(bytes), size_bytes: bytes.length });
    expect(await documents().hasContent(stored.content_multihash)).toBe(true);
  });

  it('stores equal content once and keeps it while a document uses it', async () => {
    const bytes = encoder.encode('shared content\n'.repeat(1000));
    const before = await options.countContents?.(subject());
    const first = await documents().putContent(chunksOf(bytes, 1000));
    const second = await documents().putContent(chunksOf(bytes, 333));
    expect(second).toEqual(first);
    if (options.countContents !== undefined) {
      expect(await options.countContents(subject())).toBe((before ?? 0) + 1);
    }

    await documents().save(sampleEntity('document', newId('document', 'a'), 1, first));
    await documents().save(sampleEntity('document', newId('document', 'b'), 2, second));
    expect(await documents().delete(newId('document', 'a'))).toBe(true);

    expect(await documents().hasContent(first.content_multihash)).toBe(true);
    const kept = await readAll(await documents().openContent(newId('document', 'b')));
    expect(multihashOf(kept)).toBe(multihashOf(bytes));
  });

  it('answers hasContent with false for content never stored', async () => {
    expect(await documents().hasContent(multihashOf('never stored'))).toBe(false);
  });

  it('refuses to save a document whose content is not stored', async () => {
    const absent = { content_multihash: multihashOf('absent content'), size_bytes: 14 };
    const document = sampleEntity('document', newId('document', 'orphan'), 0, absent);
    await expectCode(documents().save(document), 'JULEE_STORAGE_INTEGRITY');
    expect(await documents().get(newId('document', 'orphan'))).toBeNull();
  });

  it('refuses to save a document whose size_bytes disagrees with its content', async () => {
    const stored = await documents().putContent(chunksOf(encoder.encode('twelve bytes'), 5));
    const wrong = { ...stored, size_bytes: stored.size_bytes + 1 };
    const document = sampleEntity('document', newId('document', 'wrong-size'), 0, wrong);
    await expectCode(documents().save(document), 'JULEE_STORAGE_INTEGRITY');
  });

  it('reports an unknown document as not found when its content is opened', async () => {
    await expectCode(documents().openContent(newId('document', 'unknown')), 'JULEE_NOT_FOUND');
    for (const id of HOSTILE_IDS) {
      await expect(documents().openContent(id)).rejects.toSatisfy((error: { code?: string }) =>
        ['JULEE_INPUT_INVALID', 'JULEE_NOT_FOUND'].includes(error.code ?? ''),
      );
    }
  });

  it('passes on the error of a failing source and stores nothing from it', async () => {
    const before = await options.countContents?.(subject());
    const failure = new Error('the source broke');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield encoder.encode('some bytes before ');
      await Promise.resolve();
      throw failure;
    }
    await expect(documents().putContent(failing())).rejects.toBe(failure);
    if (options.countContents !== undefined) {
      expect(await options.countContents(subject())).toBe(before ?? 0);
    }
  });

  it('gives up on an aborted upload', async () => {
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    const source = chunksOf(encoder.encode('never stored'), 4);
    await expect(
      documents().putContent(source, { signal: controller.signal }),
    ).rejects.toBeDefined();
    expect(await documents().hasContent(multihashOf('never stored'))).toBe(false);
  });

  const { removeContent } = options;
  if (removeContent !== undefined) {
    it('reports metadata whose content is gone as an integrity error, not as not found', async () => {
      const stored = await documents().putContent(chunksOf(encoder.encode('soon gone'), 4));
      const id = newId('document', 'hollow');
      const saved = await documents().save(sampleEntity('document', id, 0, stored));
      await removeContent(subject(), stored.content_multihash);

      expect(await documents().get(id)).toEqual(saved);
      await expectCode(documents().openContent(id), 'JULEE_STORAGE_INTEGRITY');
    });
  }
}

/**
 * `total` deterministic pseudo-random bytes (xorshift32) in chunks of `chunk` bytes, made on the
 * fly so that they are never held whole; each chunk is also fed to `hasher`.
 */
async function* pseudoRandomChunks(
  total: number,
  chunk: number,
  hasher: ContentHasher,
): AsyncGenerator<Uint8Array> {
  let state = 0x9e3779b9;
  for (let produced = 0; produced < total; produced += chunk) {
    const size = Math.min(chunk, total - produced);
    const words = new Uint32Array(Math.ceil(size / 4));
    for (let index = 0; index < words.length; index++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      words[index] = state >>> 0;
    }
    const bytes = new Uint8Array(words.buffer, 0, size);
    hasher.update(bytes);
    await Promise.resolve();
    yield bytes;
  }
}
