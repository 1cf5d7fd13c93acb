import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilesystemObjectStore } from './filesystem-object-store.js';

const encoder = new TextEncoder();

async function readAll(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    await Promise.resolve();
    yield encoder.encode(part);
  }
}

async function listAll(store: FilesystemObjectStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
}

describe('FilesystemObjectStore', () => {
  let sandbox: string;
  let root: string;
  let store: FilesystemObjectStore;

  beforeEach(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'julee-fs-store-'));
    root = join(sandbox, 'root');
    store = new FilesystemObjectStore(root);
    await store.ensureReady();
  });

  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  it('writes, reads, stats and deletes small objects', async () => {
    await store.put('a/b.json', encoder.encode('{"x":1}'), 'application/json');

    expect(Buffer.from((await store.get('a/b.json'))!).toString()).toBe('{"x":1}');
    expect(await store.stat('a/b.json')).toEqual({ size: 7 });
    expect(await store.delete('a/b.json')).toBe(true);
    expect(await store.delete('a/b.json')).toBe(false);
    expect(await store.get('a/b.json')).toBeNull();
    expect(await store.stat('a/b.json')).toBeNull();
    expect(await store.openStream('a/b.json')).toBeNull();
  });

  it('streams an object in and out and reports the bytes written', async () => {
    expect(await store.putStream('big', chunks('one ', 'two ', 'three'), 'text/plain')).toBe(13);
    expect((await readAll((await store.openStream('big'))!)).toString()).toBe('one two three');
    expect(await readFile(join(root, 'big'), 'utf8')).toBe('one two three');
  });

  it('replaces an object atomically: readers see the old or the new body, never a mix', async () => {
    const bodies = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(512 * 1024));
    await store.put('doc.json', encoder.encode(bodies[0]), 'application/json');

    const seen = new Set<string>();
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const bytes = await store.get('doc.json');
        seen.add(Buffer.from(bytes!).toString());
      }
    })();
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        bodies.map((body, index) =>
          index % 2 === 0
            ? store.put('doc.json', encoder.encode(body), 'application/json')
            : store.putStream('doc.json', chunks(body.slice(0, 1000), body.slice(1000)), 'x'),
        ),
      );
    }
    writing = false;
    await reader;

    for (const body of seen) expect(bodies).toContain(body);
    expect(await readdir(root)).toEqual(['doc.json']);
  });

  it('keeps the old object and leaves no temporary file when a streamed write fails', async () => {
    await store.put('kept', encoder.encode('old body'), 'text/plain');
    const failure = new Error('source failed');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield encoder.encode('partial new body');
      await Promise.resolve();
      throw failure;
    }

    await expect(store.putStream('kept', failing(), 'text/plain')).rejects.toMatchObject({
      code: 'JULEE_STORAGE_FAILED',
      cause: failure,
    });
    expect(Buffer.from((await store.get('kept'))!).toString()).toBe('old body');
    expect(await readdir(root)).toEqual(['kept']);
  });

  it('stops a streamed write when its signal aborts', async () => {
    const controller = new AbortController();
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (let index = 0; ; index++) {
        if (index === 3) controller.abort();
        await new Promise((resolve) => setTimeout(resolve, 1));
        yield encoder.encode('more ');
      }
    }
    await expect(
      store.putStream('never', endless(), 'text/plain', { signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses keys that could leave the root, and writes nothing for them', async () => {
    await writeFile(join(sandbox, 'outside'), 'untouched');
    const hostile = [
      '../outside',
      '../../etc/passwd',
      'a/../../outside',
      '/absolute',
      '..',
      '.',
      '',
      'a//b',
      'a/',
      '.hidden',
      'a\\..\\b',
      '%2e%2e/outside',
      'nul\u0000byte',
      'x'.repeat(300),
    ];
    for (const key of hostile) {
      await expect(store.put(key, encoder.encode('x'), 'text/plain')).rejects.toMatchObject({
        code: 'JULEE_INPUT_INVALID',
      });
      await expect(store.putStream(key, chunks('x'), 'text/plain')).rejects.toMatchObject({
        code: 'JULEE_INPUT_INVALID',
      });
      await expect(store.get(key)).rejects.toMatchObject({ code: 'JULEE_INPUT_INVALID' });
      await expect(store.delete(key)).rejects.toMatchObject({ code: 'JULEE_INPUT_INVALID' });
      await expect(store.move('fine', key)).rejects.toMatchObject({
        code: 'JULEE_INPUT_INVALID',
      });
    }
    expect(await readFile(join(sandbox, 'outside'), 'utf8')).toBe('untouched');
    expect((await readdir(sandbox)).sort()).toEqual(['outside', 'root']);
    expect(await readdir(root)).toEqual([]);
  });

  it('lists keys under a prefix in ascending byte order, without temporary files', async () => {
    for (const key of ['b', 'a-b', 'a/c', 'a/b/d', 'a.json', 'A', 'tmp/x']) {
      await store.put(key, encoder.encode(key), 'text/plain');
    }
    await writeFile(join(root, '.b.0123456789ab.tmp'), 'in flight');

    expect(await listAll(store)).toEqual(['A', 'a-b', 'a.json', 'a/b/d', 'a/c', 'b', 'tmp/x']);
    expect(await listAll(store, 'a/')).toEqual(['a/b/d', 'a/c']);
    expect(await listAll(store, 'a')).toEqual(['a-b', 'a.json', 'a/b/d', 'a/c']);
    expect(await listAll(store, 'missing/')).toEqual([]);
  });

  it('fails to list, rather than listing nothing, when its root is gone', async () => {
    await rm(root, { recursive: true });
    await expect(listAll(store)).rejects.toMatchObject({ code: 'JULEE_STORAGE_FAILED' });
  });

  it('moves an object over an existing one', async () => {
    await store.put('tmp/upload', encoder.encode('new'), 'text/plain');
    await store.put('target', encoder.encode('old'), 'text/plain');

    await store.move('tmp/upload', 'target');

    expect(Buffer.from((await store.get('target'))!).toString()).toBe('new');
    expect(await store.stat('tmp/upload')).toBeNull();
    await expect(store.move('tmp/upload', 'target')).rejects.toMatchObject({
      code: 'JULEE_STORAGE_FAILED',
    });
  });

  it('reports a directory at a key as a storage failure, not as absent', async () => {
    await mkdir(join(root, 'folder'));
    await expect(store.stat('folder')).rejects.toMatchObject({ code: 'JULEE_STORAGE_FAILED' });
    await expect(store.get('folder')).rejects.toMatchObject({ code: 'JULEE_STORAGE_FAILED' });
  });

  it('creates its root on ensureReady and works without fsync', async () => {
    const unsynced = new FilesystemObjectStore(join(sandbox, 'new', 'nested'), { fsync: false });
    await unsynced.ensureReady();
    await unsynced.putStream('k', chunks('fast'), 'text/plain');
    expect(await readFile(join(sandbox, 'new', 'nested', 'k'), 'utf8')).toBe('fast');
    expect(await unsynced.health()).toEqual({ status: 'ok' });
  });
});
