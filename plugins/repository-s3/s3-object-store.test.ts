import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError, type ByteSource } from '../../src/plugin-api/index.js';
import { testServers, uniqueName, type S3Coordinates } from '../../test/support/test-servers.js';
import { compareUtf8 } from '../../src/plugin-api/index.js';
import { S3ObjectStore } from './s3-object-store.js';

const MIB = 1024 ** 2;

function clientFor(s3: S3Coordinates, secretKey = s3.secret_key): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: s3.access_key, secretAccessKey: secretKey },
  });
}

/** Pseudo-random bytes made on the fly, in chunks of varying size. */
function* generatedChunks(total: number, seed: number): Generator<Uint8Array> {
  let produced = 0;
  let counter = seed;
  while (produced < total) {
    const size = Math.min(total - produced, 64 * 1024 + (counter % 7) * 1000);
    const chunk = Buffer.alloc(size);
    for (let offset = 0; offset < size; offset += 32) {
      createHash('sha256').update(`${seed}:${counter++}`).digest().copy(chunk, offset);
    }
    produced += size;
    yield chunk;
  }
}

/** The same bytes as a stream, as request bodies arrive. */
function generated(total: number, seed: number): ByteSource {
  return Readable.from(generatedChunks(total, seed));
}

async function digestOf(source: ByteSource): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), size };
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const found: string[] = [];
  for await (const key of keys) found.push(key);
  return found;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('S3ObjectStore', () => {
  let client: S3Client;
  let bucket: string;
  let store: S3ObjectStore;

  beforeAll(async () => {
    client = clientFor(testServers().s3);
    bucket = uniqueName('s3-object-store');
    store = new S3ObjectStore({ client, bucket, prefix: 'unit/', partSize: 5 * MIB });
    await store.ensureReady();
  });
  afterAll(() => client.destroy());

  it('stores, reads, sizes and deletes a small object', async () => {
    await store.put('a/one.json', bytes('{"a":1}'), 'application/json');

    expect(new TextDecoder().decode(await store.get('a/one.json'))).toBe('{"a":1}');
    expect(await store.stat('a/one.json')).toEqual({ size: 7 });
    expect(await store.delete('a/one.json')).toBe(true);
    expect(await store.delete('a/one.json')).toBe(false);
    expect(await store.get('a/one.json')).toBeNull();
  });

  it('reports an absent key as null, not as an error', async () => {
    expect(await store.get('missing')).toBeNull();
    expect(await store.stat('missing')).toBeNull();
    expect(await store.openStream('missing')).toBeNull();
  });

  it('keeps every key under its prefix and strips it when listing', async () => {
    const other = new S3ObjectStore({ client, bucket, prefix: 'unit-other' });
    await other.put('x.json', bytes('{}'), 'application/json');
    await store.put('list/x.json', bytes('{}'), 'application/json');

    expect(await collect(other.list(''))).toEqual(['x.json']);
    expect(await collect(store.list('list/'))).toEqual(['list/x.json']);
    const root = new S3ObjectStore({ client, bucket });
    expect(await collect(root.list('unit-other/'))).toEqual(['unit-other/x.json']);
  });

  it('lists keys in ascending byte order across nested folders', async () => {
    const keys = ['o/a/b', 'o/a-c', 'o/a', 'o/a0', 'o/A', 'o/b/c/d', 'o/a.json', 'o/é', 'o/~'];
    await Promise.all(keys.map((key) => store.put(key, bytes(key), 'text/plain')));

    const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(await collect(store.list('o/'))).toEqual(expected);
  });

  it('lists more keys than fit in one page', async () => {
    const keys = Array.from(
      { length: 1005 },
      (_, index) => `page/${String(index).padStart(4, '0')}`,
    );
    for (let start = 0; start < keys.length; start += 50) {
      await Promise.all(
        keys.slice(start, start + 50).map((key) => store.put(key, bytes('x'), 'text/plain')),
      );
    }

    expect(await collect(store.list('page/'))).toEqual(keys);
  });

  it('streams a body of unknown length in parts and reads it back', async () => {
    const size = 12 * MIB + 12_345;
    const expected = await digestOf(generated(size, 1));

    const written = await store.putStream('big/one', generated(size, 1), 'application/pdf');

    expect(written).toBe(size);
    expect(await store.stat('big/one')).toEqual({ size });
    expect(await digestOf((await store.openStream('big/one'))!)).toEqual(expected);
  });

  it('reuses its part buffers without mixing up the parts', async () => {
    // One part in flight: every part after the second is cut into a buffer an earlier part used.
    const serial = new S3ObjectStore({ client, bucket, prefix: 'unit/', queueSize: 1 });
    const size = 5 * 5 * MIB + 999;
    const expected = await digestOf(generated(size, 4));

    expect(await serial.putStream('big/serial', generated(size, 4), 'text/plain')).toBe(size);
    expect(await digestOf((await serial.openStream('big/serial'))!)).toEqual(expected);
  });

  it('says that its moves copy data', () => {
    expect(store.moveCopiesData).toBe(true);
  });

  it('streams an empty body', async () => {
    expect(await store.putStream('empty', generated(0, 0), 'text/plain')).toBe(0);
    expect(await store.stat('empty')).toEqual({ size: 0 });
    expect(await digestOf((await store.openStream('empty'))!)).toEqual({
      sha256: createHash('sha256').digest('hex'),
      size: 0,
    });
  });

  it('rethrows the error of a failing source as it is and leaves no object', async () => {
    const failure = new Error('client went away');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* generated(6 * MIB, 5);
      throw failure;
    }

    await expect(store.putStream('broken', failing(), 'text/plain')).rejects.toBe(failure);
    expect(await store.stat('broken')).toBeNull();
  });

  it('stops an upload when its signal aborts', async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield* generated(6 * MIB, 6);
      controller.abort(new Error('caller gave up'));
      yield* generated(12 * MIB, 7);
    }

    await expect(
      store.putStream('aborted', slow(), 'text/plain', { signal: controller.signal }),
    ).rejects.toThrow('caller gave up');
    expect(await store.stat('aborted')).toBeNull();
  });

  it('closes the object stream when the reader stops early', async () => {
    await store.putStream('early', generated(8 * MIB, 2), 'application/octet-stream');
    const stream = (await store.openStream('early'))!;
    for await (const chunk of stream) {
      expect(chunk.byteLength).toBeGreaterThan(0);
      break;
    }
    // The connection went back to the pool: more requests still succeed.
    expect(await store.stat('early')).toEqual({ size: 8 * MIB });
  });

  it('moves an object, replacing what is at the target', async () => {
    await store.put('move/from', bytes('new'), 'text/plain');
    await store.put('move/to', bytes('old'), 'text/plain');

    await store.move('move/from', 'move/to');

    expect(await store.stat('move/from')).toBeNull();
    expect(new TextDecoder().decode(await store.get('move/to'))).toBe('new');
  });

  it('moves an object above the single-copy limit part by part', async () => {
    const size = 11 * MIB + 7;
    const small = new S3ObjectStore({
      client,
      bucket,
      prefix: 'unit/',
      singleCopyLimit: 5 * MIB,
      copyPartSize: 5 * MIB,
    });
    const expected = await digestOf(generated(size, 3));
    await small.putStream('copy/from', generated(size, 3), 'application/octet-stream');

    await small.move('copy/from', 'copy/to');

    expect(await small.stat('copy/from')).toBeNull();
    expect(await digestOf((await small.openStream('copy/to'))!)).toEqual(expected);
  });

  it('reports moving an absent object as a StorageError', async () => {
    await expect(store.move('move/none', 'move/elsewhere')).rejects.toBeInstanceOf(StorageError);
  });

  it('creates a missing bucket once and then finds it', async () => {
    const fresh = new S3ObjectStore({ client, bucket: uniqueName('s3-create') });

    expect(await fresh.prepareBucket()).toBe('created');
    expect(await fresh.prepareBucket()).toBe('exists');
    await fresh.checkBucket();
  });

  it('refuses to start on a missing bucket it may not create, naming the bucket', async () => {
    const name = uniqueName('s3-missing');
    const fresh = new S3ObjectStore({ client, bucket: name, createBucket: false });

    const error = await fresh.ensureReady().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toContain(`"${name}" does not exist`);
    expect((error as StorageError).retryable).toBe(false);
  });

  it('reports a missing bucket as a StorageError, never as an absent object', async () => {
    const fresh = new S3ObjectStore({ client, bucket: uniqueName('s3-absent') });

    await expect(fresh.get('x.json')).rejects.toBeInstanceOf(StorageError);
    await expect(fresh.openStream('x.json')).rejects.toBeInstanceOf(StorageError);
    await expect(collect(fresh.list(''))).rejects.toBeInstanceOf(StorageError);
  });

  describe('with wrong credentials', () => {
    let denied: S3ObjectStore;
    let deniedClient: S3Client;

    beforeAll(async () => {
      await store.put('secret.json', bytes('{}'), 'application/json');
      deniedClient = clientFor(testServers().s3, 'not-the-secret');
      denied = new S3ObjectStore({ client: deniedClient, bucket, prefix: 'unit/' });
    });
    afterAll(() => deniedClient.destroy());

    it('fails every operation with a non-retryable StorageError and no secret', async () => {
      const attempts: (() => Promise<unknown>)[] = [
        () => denied.get('secret.json'),
        () => denied.get('missing.json'),
        () => denied.put('x.json', bytes('{}'), 'application/json'),
        () => denied.openStream('secret.json'),
        () => denied.putStream('x', generated(10, 1), 'text/plain'),
        () => collect(denied.list('')),
        () => denied.ensureReady(),
      ];
      for (const attempt of attempts) {
        const error = await attempt().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).code).toBe('JULEE_STORAGE_FAILED');
        expect((error as StorageError).retryable).toBe(false);
        expect((error as StorageError).message).not.toContain('not-the-secret');
        expect((error as StorageError).message).not.toContain(testServers().s3.secret_key);
        const cause = (error as StorageError).cause as Record<string, unknown>;
        expect(cause).not.toHaveProperty('$response');
        expect(JSON.stringify({ ...cause })).not.toContain(testServers().s3.access_key);
      }
    });
  });
});

describe('compareUtf8', () => {
  it('orders strings as their UTF-8 bytes', () => {
    const words = ['b', 'a/b', 'a-c', '\u{1F600}', '\uFFFD', 'é', 'a', ''];
    const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

    expect([...words].sort(compareUtf8)).toEqual(byBytes);
  });
});
