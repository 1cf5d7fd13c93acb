import { describe, expect, it } from 'vitest';
import { multihashOf } from '../domain/content-hash.js';
import type { Policy } from '../domain/entities.js';
import type { ByteSource, Clock } from '../domain/repositories.js';
import type { ObjectStore } from './object-store.js';
import { createObjectStoreRepository, withKeyPrefix } from './object-store-repository.js';

type Operation = 'get' | 'put' | 'delete' | 'stat' | 'list' | 'putStream' | 'openStream' | 'move';

/** A map-backed object store whose operations can be made to fail, as a broken backend would. */
class TestStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  readonly failing = new Set<Operation>();
  /** Called with every chunk putStream receives, as it receives it. */
  onChunk: (chunk: Uint8Array) => void = () => undefined;

  private check(operation: Operation): void {
    if (this.failing.has(operation)) throw new Error(`backend ${operation} broke`);
  }
  async get(key: string) {
    this.check('get');
    return Promise.resolve(this.objects.get(key) ?? null);
  }
  async put(key: string, body: Uint8Array) {
    this.check('put');
    this.objects.set(key, body.slice());
    return Promise.resolve();
  }
  async delete(key: string) {
    this.check('delete');
    return Promise.resolve(this.objects.delete(key));
  }
  async stat(key: string) {
    this.check('stat');
    const found = this.objects.get(key);
    return Promise.resolve(found === undefined ? null : { size: found.byteLength });
  }
  async *list(prefix: string) {
    this.check('list');
    await Promise.resolve();
    yield* [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }
  async putStream(key: string, body: ByteSource) {
    this.check('putStream');
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) {
      this.onChunk(chunk);
      chunks.push(chunk);
    }
    this.objects.set(key, Buffer.concat(chunks));
    return chunks.reduce((total, chunk) => total + chunk.byteLength, 0);
  }
  openStream(key: string) {
    this.check('openStream');
    const found = this.objects.get(key);
    if (found === undefined) return Promise.resolve(null);
    return Promise.resolve(
      (async function* () {
        await Promise.resolve();
        yield found.slice();
      })(),
    );
  }
  async move(fromKey: string, toKey: string) {
    this.check('move');
    const found = this.objects.get(fromKey);
    if (found === undefined) throw new Error('no such object');
    this.objects.set(toKey, found);
    this.objects.delete(fromKey);
    return Promise.resolve();
  }
}

/** A TestStore that says its moves copy data, as the S3 and MinIO stores do. */
class CopyingStore extends TestStore {
  readonly moveCopiesData = true;
  /** Awaited before every put, so that a test can hold writers at that point. */
  beforePut: (key: string) => Promise<void> = () => Promise.resolve();

  override async put(key: string, body: Uint8Array) {
    await this.beforePut(key);
    return super.put(key, body);
  }

  blobKeys(): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith('blobs/')).sort();
  }

  recordAt(key: string): { blob: string; size_bytes: number; content_multihash: string } {
    return JSON.parse(Buffer.from(this.objects.get(key)!).toString()) as never;
  }
}

class SteppingClock implements Clock {
  private current = Date.parse('2026-01-01T00:00:00.000Z');
  now(): Date {
    const now = new Date(this.current);
    this.current += 1000;
    return now;
  }
}

const policy: Policy = {
  policy_id: 'policy-1',
  title: 'Clarity',
  description: 'Documents must be clear',
  status: 'active',
  validation_scores: [['query-clarity', 80]],
  transformation_queries: null,
  version: '0.1.0',
  created_at: null,
  updated_at: null,
};

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

async function* source(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    await Promise.resolve();
    yield bytesOf(part);
  }
}

async function readAll(stream: ByteSource): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

function documentsOn(store = new TestStore(), content: TestStore = new TestStore()) {
  const clock = new SteppingClock();
  const repository = createObjectStoreRepository({
    entity: 'document',
    store,
    contentStore: content,
    clock,
  });
  return { repository, store, content };
}

describe('createObjectStoreRepository', () => {
  it('takes created_at and updated_at from the injected clock', async () => {
    const repository = createObjectStoreRepository({
      entity: 'policy',
      store: new TestStore(),
      clock: new SteppingClock(),
    });

    const first = await repository.save(policy);
    const second = await repository.save({ ...policy, title: 'Changed' });

    expect(first).toMatchObject({
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    });
    expect(second).toMatchObject({
      title: 'Changed',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:01.000Z',
    });
  });

  it("keeps an entity's own created_at when nothing is stored yet", async () => {
    const repository = createObjectStoreRepository({
      entity: 'policy',
      store: new TestStore(),
      clock: new SteppingClock(),
    });
    const saved = await repository.save({ ...policy, created_at: '2025-06-01T12:00:00.000Z' });
    expect(saved.created_at).toBe('2025-06-01T12:00:00.000Z');
  });

  it('stores one JSON object per entity under <id>.json', async () => {
    const store = new TestStore();
    const repository = createObjectStoreRepository({ entity: 'policy', store });
    await repository.save(policy);
    expect([...store.objects.keys()]).toEqual(['policy-1.json']);
    expect(JSON.parse(Buffer.from(store.objects.get('policy-1.json')!).toString())).toMatchObject({
      policy_id: 'policy-1',
    });
  });

  it.each<[Operation, string]>([
    ['get', 'get'],
    ['list', 'list'],
    ['put', 'save'],
    ['delete', 'delete'],
  ])('turns a failing backend %s into a StorageError from %s', async (operation, method) => {
    const store = new TestStore();
    const repository = createObjectStoreRepository({ entity: 'policy', store });
    await repository.save(policy);
    store.failing.add(operation);

    const calls: Record<string, () => Promise<unknown>> = {
      get: () => repository.get('policy-1'),
      list: () => repository.list(),
      save: () => repository.save(policy),
      delete: () => repository.delete('policy-1'),
    };
    await expect(calls[method]!()).rejects.toMatchObject({
      code: 'JULEE_STORAGE_FAILED',
      retryable: true,
      cause: { message: `backend ${operation} broke` },
    });
  });

  it('reports unreadable stored JSON as an integrity error naming the key', async () => {
    const store = new TestStore();
    const repository = createObjectStoreRepository({ entity: 'policy', store });
    store.objects.set('policy-1.json', bytesOf('{"policy_id": "policy-1", '));

    await expect(repository.get('policy-1')).rejects.toMatchObject({
      code: 'JULEE_STORAGE_INTEGRITY',
      message: expect.stringContaining('"policy-1.json"'),
    });
  });

  it('ignores keys that hold no entity record when listing', async () => {
    const store = new TestStore();
    const repository = createObjectStoreRepository({ entity: 'policy', store });
    await repository.save(policy);
    store.objects.set('README.txt', bytesOf('not an entity'));
    store.objects.set('nested/policy-2.json', bytesOf('{}'));

    expect((await repository.list()).items.map((item) => item.policy_id)).toEqual(['policy-1']);
  });

  it('refuses invalid pagination', async () => {
    const repository = createObjectStoreRepository({ entity: 'policy', store: new TestStore() });
    await expect(repository.list({ offset: -1 })).rejects.toMatchObject({
      code: 'JULEE_INPUT_INVALID',
    });
    await expect(repository.list({ limit: 0 })).rejects.toMatchObject({
      code: 'JULEE_INPUT_INVALID',
    });
    await expect(repository.list({ limit: 1.5 })).rejects.toMatchObject({
      code: 'JULEE_INPUT_INVALID',
    });
  });

  it('needs a separate content store for documents', () => {
    const store = new TestStore();
    expect(() => createObjectStoreRepository({ entity: 'document' } as never)).toThrow(
      expect.objectContaining({ code: 'JULEE_INPUT_INVALID' }),
    );
    expect(() =>
      createObjectStoreRepository({ entity: 'document', store, contentStore: store }),
    ).toThrow(expect.objectContaining({ code: 'JULEE_INPUT_INVALID' }));
  });
});

describe('ObjectStoreDocumentRepository', () => {
  it('streams content to the store while the source is still producing', async () => {
    const { repository, content } = documentsOn();
    let firstChunkArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (firstChunkArrived = resolve));
    content.onChunk = () => firstChunkArrived();
    async function* waitingSource(): AsyncGenerator<Uint8Array> {
      yield bytesOf('first ');
      // Blocks until the store has the first chunk: a layer that buffered would never get here.
      await arrived;
      yield bytesOf('second');
    }

    const stored = await repository.putContent(waitingSource());
    expect(stored).toEqual({ content_multihash: multihashOf('first second'), size_bytes: 12 });
  });

  it('keeps only the content under its hash, without upload leftovers', async () => {
    const { repository, content } = documentsOn();
    const first = await repository.putContent(source('same ', 'bytes'));
    const second = await repository.putContent(source('same bytes'));

    expect(second).toEqual(first);
    expect([...content.objects.keys()]).toEqual([first.content_multihash]);
  });

  it('replaces stored content of the wrong length with the uploaded bytes', async () => {
    const { repository, content } = documentsOn();
    const hash = multihashOf('whole content');
    content.objects.set(hash, bytesOf('whole'));

    await repository.putContent(source('whole content'));

    expect(Buffer.from(content.objects.get(hash)!).toString()).toBe('whole content');
  });

  it('removes the upload and passes the error on when the backend fails', async () => {
    const { repository, content } = documentsOn();
    content.failing.add('move');

    await expect(repository.putContent(source('lost'))).rejects.toMatchObject({
      code: 'JULEE_STORAGE_FAILED',
    });
    expect(content.objects.size).toBe(0);
  });

  it('refuses chunks that are not bytes', async () => {
    const { repository } = documentsOn();
    async function* numbers() {
      await Promise.resolve();
      yield 42;
    }
    await expect(repository.putContent(numbers() as never)).rejects.toMatchObject({
      code: 'JULEE_INPUT_INVALID',
    });
  });

  it('fails a read whose content is shorter than size_bytes with an integrity error', async () => {
    const { repository, content } = documentsOn();
    const stored = await repository.putContent(source('twelve bytes'));
    await repository.save({
      document_id: 'doc-1',
      original_filename: 'a.txt',
      content_type: 'text/plain',
      size_bytes: stored.size_bytes,
      content_multihash: stored.content_multihash,
      status: 'captured',
      knowledge_service_id: null,
      assembly_types: [],
      additional_metadata: {},
      created_at: null,
      updated_at: null,
    });
    content.objects.set(stored.content_multihash, bytesOf('twelve'));

    await expect(readAll(await repository.openContent('doc-1'))).rejects.toMatchObject({
      code: 'JULEE_STORAGE_INTEGRITY',
    });
  });

  it('refuses a malformed content hash', async () => {
    const { repository } = documentsOn();
    await expect(repository.hasContent('../etc/passwd')).rejects.toMatchObject({
      code: 'JULEE_INPUT_INVALID',
    });
  });
});

function documentNamed(id: string, stored: { content_multihash: string; size_bytes: number }) {
  return {
    document_id: id,
    original_filename: 'a.txt',
    content_type: 'text/plain',
    size_bytes: stored.size_bytes,
    content_multihash: stored.content_multihash,
    status: 'captured' as const,
    knowledge_service_id: null,
    assembly_types: [],
    additional_metadata: {},
    created_at: null,
    updated_at: null,
  };
}

describe('ObjectStoreDocumentRepository on a store whose moves copy data', () => {
  it('keeps the upload where it landed and records it under the hash, without moving', async () => {
    const content = new CopyingStore();
    content.failing.add('move');
    const { repository } = documentsOn(new TestStore(), content);

    const stored = await repository.putContent(source('kept ', 'in place'));

    const [blob, ...others] = content.blobKeys();
    expect(others).toEqual([]);
    expect(blob).toMatch(/^blobs\/[0-9a-f-]{36}$/);
    expect(Buffer.from(content.objects.get(blob!)!).toString()).toBe('kept in place');
    expect(content.recordAt(stored.content_multihash)).toMatchObject({
      blob,
      size_bytes: 13,
      content_multihash: multihashOf('kept in place'),
    });
    expect(content.objects.size).toBe(2);
    await repository.save(documentNamed('doc-1', stored));
    expect(await readAll(await repository.openContent('doc-1'))).toBe('kept in place');
    expect(await repository.hasContent(stored.content_multihash)).toBe(true);
  });

  it('removes the fresh upload when the content is already recorded', async () => {
    const content = new CopyingStore();
    const { repository } = documentsOn(new TestStore(), content);
    const first = await repository.putContent(source('same bytes'));
    const blob = content.recordAt(first.content_multihash).blob;

    expect(await repository.putContent(source('same ', 'bytes'))).toEqual(first);
    expect(content.blobKeys()).toEqual([blob]);
    expect(content.recordAt(first.content_multihash).blob).toBe(blob);
  });

  it('ends two concurrent uploads of the same content with one record and its blob', async () => {
    const content = new CopyingStore();
    const { repository } = documentsOn(new TestStore(), content);
    // Both writers find no record, then both write one: the last writer's record stands.
    let release!: () => void;
    const bothWaiting = new Promise<void>((resolve) => (release = resolve));
    let waiting = 0;
    content.beforePut = async () => {
      waiting += 1;
      if (waiting === 2) release();
      await bothWaiting;
    };

    const [a, b] = await Promise.all([
      repository.putContent(source('raced ', 'content')),
      repository.putContent(source('raced content')),
    ]);

    expect(a).toEqual(b);
    expect(waiting).toBe(2);
    const record = content.recordAt(a.content_multihash);
    expect(content.blobKeys()).toEqual([record.blob]);
    await repository.save(documentNamed('doc-1', a));
    expect(await readAll(await repository.openContent('doc-1'))).toBe('raced content');
  });

  it('reports a record whose blob is gone as an integrity error', async () => {
    const content = new CopyingStore();
    const { repository } = documentsOn(new TestStore(), content);
    const stored = await repository.putContent(source('vanishing'));
    await repository.save(documentNamed('doc-1', stored));
    content.objects.delete(content.recordAt(stored.content_multihash).blob);

    await expect(repository.openContent('doc-1')).rejects.toMatchObject({
      code: 'JULEE_STORAGE_INTEGRITY',
    });
    expect(await repository.hasContent(stored.content_multihash)).toBe(false);
    await expect(repository.save(documentNamed('doc-2', stored))).rejects.toMatchObject({
      code: 'JULEE_STORAGE_INTEGRITY',
    });
  });

  it('reports a record of another size than the document as an integrity error', async () => {
    const content = new CopyingStore();
    const { repository } = documentsOn(new TestStore(), content);
    const stored = await repository.putContent(source('sized content'));
    await repository.save(documentNamed('doc-1', stored));
    const record = content.recordAt(stored.content_multihash);
    content.objects.set(
      stored.content_multihash,
      bytesOf(JSON.stringify({ ...record, size_bytes: 5 })),
    );

    await expect(repository.openContent('doc-1')).rejects.toMatchObject({
      code: 'JULEE_STORAGE_INTEGRITY',
    });
    await expect(repository.save(documentNamed('doc-2', stored))).rejects.toMatchObject({
      code: 'JULEE_STORAGE_INTEGRITY',
    });
  });

  it('replaces a record whose blob is gone when the content is uploaded again', async () => {
    const content = new CopyingStore();
    const { repository } = documentsOn(new TestStore(), content);
    const stored = await repository.putContent(source('repaired'));
    content.objects.delete(content.recordAt(stored.content_multihash).blob);

    await repository.putContent(source('repaired'));

    expect(content.blobKeys()).toEqual([content.recordAt(stored.content_multihash).blob]);
    expect(await repository.hasContent(stored.content_multihash)).toBe(true);
  });

  it('still reads content stored directly under its hash by the earlier layout', async () => {
    const content = new CopyingStore();
    const { repository } = documentsOn(new TestStore(), content);
    const large = 'x'.repeat(5000);
    for (const text of ['small old content', large]) {
      const hash = multihashOf(text);
      content.objects.set(hash, bytesOf(text));
      const id = `doc-${text.length}`;
      await repository.save(
        documentNamed(id, { content_multihash: hash, size_bytes: text.length }),
      );
      expect(await readAll(await repository.openContent(id))).toBe(text);
      // Stored already: a new upload of the same bytes leaves nothing behind.
      await repository.putContent(source(text));
    }
    expect(content.blobKeys()).toEqual([]);
  });
});

describe('ObjectStoreDocumentRepository content records', () => {
  it('stores and reads back bytes that look like a record of other content as content', async () => {
    const { repository, content } = documentsOn();
    const other = multihashOf('other');
    const lookalike = JSON.stringify({
      format: 'julee-content-record/1',
      content_multihash: other,
      size_bytes: 5,
      blob: 'blobs/00000000-0000-0000-0000-000000000000',
    });
    content.objects.set('blobs/00000000-0000-0000-0000-000000000000', bytesOf('other'));
    const stored = await repository.putContent(source(lookalike));
    await repository.save(documentNamed('doc-1', stored));

    expect(await readAll(await repository.openContent('doc-1'))).toBe(lookalike);
  });
});

describe('withKeyPrefix', () => {
  it('keeps every key of a view under its prefix', async () => {
    const backend = new TestStore();
    const policies = withKeyPrefix(backend, 'policies/');
    const repository = createObjectStoreRepository({ entity: 'policy', store: policies });
    await repository.save(policy);
    backend.objects.set('other/x.json', bytesOf('{}'));

    expect([...backend.objects.keys()].sort()).toEqual(['other/x.json', 'policies/policy-1.json']);
    expect((await repository.list()).total).toBe(1);
    expect(await repository.delete('policy-1')).toBe(true);
    expect([...backend.objects.keys()]).toEqual(['other/x.json']);
  });

  it('says whether moves copy data as its store does', () => {
    expect(withKeyPrefix(new CopyingStore(), 'content/').moveCopiesData).toBe(true);
    expect(withKeyPrefix(new TestStore(), 'content/').moveCopiesData).toBeUndefined();
  });
});
