import type { Readable } from 'node:stream';
import { CopyDestinationOptions, CopySourceOptions, type Client } from 'minio';
import { StorageError, type ByteSource, type ObjectStore } from '../../src/plugin-api/index.js';
import { compareUtf8, normalisePrefix, putStreamInParts } from '../../src/plugin-api/index.js';
import { errorCode, isAbort, isMissingObject, PERMANENT_CODES } from './minio-errors.js';

/** Bytes per part of a streamed upload; a body that fits in one part is sent with a single PUT. */
export const DEFAULT_PART_SIZE = 5 * 1024 ** 2;
/** Parts uploaded at the same time; memory use is about DEFAULT_PART_SIZE × (this + 2). */
const UPLOAD_CONCURRENCY = 4;

export interface MinioObjectStoreOptions {
  readonly client: Client;
  readonly bucket: string;
  /** Key prefix of every object of this store ("" or a folder such as "document"). */
  readonly prefix?: string;
  /** Whether ensureReady may create a missing bucket. */
  readonly createBucket?: boolean;
  /** The region a bucket this store creates is made in. */
  readonly region?: string;
  /** Bytes per part of a streamed upload (at least 5 MiB). */
  readonly partSize?: number;
}

/**
 * An ObjectStore over one bucket (and key prefix) of MinIO or another S3-compatible server,
 * through the `minio` client. A streamed body of unknown length is sent part by part, so memory
 * stays bounded by the part size.
 */
export class MinioObjectStore implements ObjectStore {
  /** S3 has no rename: a move is a server-side copy and a delete. */
  readonly moveCopiesData = true;
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: Client;
  readonly #createBucket: boolean;
  readonly #region: string | undefined;
  readonly #partSize: number;

  constructor(options: MinioObjectStoreOptions) {
    this.#client = options.client;
    this.bucket = options.bucket;
    this.prefix = normalisePrefix(options.prefix);
    this.#createBucket = options.createBucket ?? true;
    this.#region = options.region;
    this.#partSize = options.partSize ?? DEFAULT_PART_SIZE;
  }

  async get(key: string): Promise<Uint8Array | null> {
    const objectKey = this.#key(key);
    try {
      const body = await this.#client.getObject(this.bucket, objectKey);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw this.#failure('get', objectKey, error);
    }
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    const objectKey = this.#key(key);
    const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    try {
      await this.#client.putObject(this.bucket, objectKey, buffer, buffer.byteLength, {
        'Content-Type': contentType,
      });
    } catch (error) {
      throw this.#failure('put', objectKey, error);
    }
  }

  async delete(key: string): Promise<boolean> {
    // RemoveObject succeeds whether or not the object existed, so ask first.
    const existed = (await this.stat(key)) !== null;
    if (!existed) return false;
    const objectKey = this.#key(key);
    try {
      await this.#client.removeObject(this.bucket, objectKey);
    } catch (error) {
      throw this.#failure('delete', objectKey, error);
    }
    return true;
  }

  async stat(key: string): Promise<{ size: number } | null> {
    const objectKey = this.#key(key);
    try {
      const stat = await this.#client.statObject(this.bucket, objectKey);
      return { size: stat.size };
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw this.#failure('stat', objectKey, error);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const listPrefix = this.#key(prefix);
    const keys: string[] = [];
    let token = '';
    for (;;) {
      let page;
      try {
        page = await this.#client.listObjectsV2Query(this.bucket, listPrefix, token, '', 1000, '');
      } catch (error) {
        throw this.#failure('list', listPrefix, error);
      }
      for (const item of page.objects) {
        if (item.name !== undefined) keys.push(item.name.slice(this.prefix.length));
      }
      if (!page.isTruncated || page.nextContinuationToken === '') break;
      token = page.nextContinuationToken;
    }
    // S3 lists in byte order, but some compatible servers (SeaweedFS) list "folders" depth-first.
    yield* keys.sort(compareUtf8);
  }

  async putStream(
    key: string,
    body: ByteSource,
    contentType: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const objectKey = this.#key(key);
    const client = this.#client;
    const bucket = this.bucket;
    return await putStreamInParts<{ part: number; etag: string }>(
      body,
      {
        putSingle: async (buffer) => {
          await client.putObject(bucket, objectKey, buffer, buffer.byteLength, {
            'Content-Type': contentType,
          });
        },
        start: async () => {
          const uploadId = await client.initiateNewMultipartUpload(bucket, objectKey, {
            'Content-Type': contentType,
          });
          return {
            uploadPart: async (payload, part) => {
              const result = await client.uploadPart(
                {
                  bucketName: bucket,
                  objectName: objectKey,
                  uploadID: uploadId,
                  partNumber: part,
                  headers: {},
                },
                payload,
              );
              return { part, etag: result.etag };
            },
            complete: async (etags) => {
              await client.completeMultipartUpload(bucket, objectKey, uploadId, etags);
            },
            abort: async () => {
              await client.abortMultipartUpload(bucket, objectKey, uploadId);
            },
          };
        },
      },
      {
        partSize: this.#partSize,
        partsInFlight: UPLOAD_CONCURRENCY,
        // Each part gets a buffer of its own; a sent part's buffer is not reused.
        reuseBuffers: false,
        signal: options.signal,
        mapError: (error) => this.#failure('putStream', objectKey, error),
      },
    );
  }

  async openStream(
    key: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ByteSource | null> {
    const objectKey = this.#key(key);
    options.signal?.throwIfAborted();
    let body: Readable;
    try {
      body = await this.#client.getObject(this.bucket, objectKey);
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw this.#failure('openStream', objectKey, error);
    }
    return this.#guarded(body, objectKey, options.signal);
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    const source = this.#key(fromKey);
    const target = this.#key(toKey);
    try {
      // composeObject copies in one request up to 5 GiB and part by part above.
      await this.#client.composeObject(
        new CopyDestinationOptions({ Bucket: this.bucket, Object: target }),
        [new CopySourceOptions({ Bucket: this.bucket, Object: source })],
      );
      await this.#client.removeObject(this.bucket, source);
    } catch (error) {
      throw this.#failure('move', source, error);
    }
  }

  /** Checks the bucket exists and creates it when allowed. */
  async ensureReady(signal?: AbortSignal): Promise<void> {
    await this.prepareBucket(signal);
  }

  /** Checks the bucket exists and creates it when allowed; says which of the two happened. */
  async prepareBucket(signal?: AbortSignal): Promise<'exists' | 'created'> {
    let exists: boolean;
    try {
      exists = await this.#client.bucketExists(this.bucket);
    } catch (error) {
      throw this.#failure('checkBucket', undefined, error);
    }
    signal?.throwIfAborted();
    if (exists) return 'exists';
    if (!this.#createBucket) {
      throw new StorageError(
        `minio bucket "${this.bucket}" does not exist and create_bucket is false: ` +
          'create the bucket or allow its creation',
        { details: { bucket: this.bucket, operation: 'checkBucket' }, retryable: false },
      );
    }
    try {
      await this.#client.makeBucket(this.bucket, this.#region ?? 'us-east-1');
    } catch (error) {
      // Another process created it between our check and our request: that is what we wanted.
      if (errorCode(error) === 'BucketAlreadyOwnedByYou') return 'exists';
      throw this.#failure('createBucket', undefined, error);
    }
    return 'created';
  }

  /** A cheap reachability check: the bucket answers and exists. */
  async checkBucket(): Promise<void> {
    let exists: boolean;
    try {
      exists = await this.#client.bucketExists(this.bucket);
    } catch (error) {
      throw this.#failure('checkBucket', undefined, error);
    }
    if (!exists) {
      throw new StorageError(`minio bucket "${this.bucket}" does not exist`, {
        details: { bucket: this.bucket, operation: 'checkBucket' },
        retryable: false,
      });
    }
  }

  #key(key: string): string {
    return this.prefix + key;
  }

  async *#guarded(
    body: Readable,
    objectKey: string,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Uint8Array> {
    const onAbort = (): void => {
      body.destroy(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of body) yield chunk as Uint8Array;
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      if (isAbort(error)) throw error;
      throw this.#failure('openStream', objectKey, error);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      body.destroy();
    }
  }

  #failure(operation: string, objectKey: string | undefined, error: unknown): StorageError {
    const code = errorCode(error) ?? (error instanceof Error ? error.name : 'Error');
    const where =
      objectKey === undefined
        ? `bucket "${this.bucket}"`
        : `key "${objectKey}" in bucket "${this.bucket}"`;
    return new StorageError(`minio ${operation} failed for ${where}: ${code}`, {
      cause: error,
      details: { bucket: this.bucket, key: objectKey, operation, error: code },
      retryable: !PERMANENT_CODES.has(code),
    });
  }
}
