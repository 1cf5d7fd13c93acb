import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StorageError, type ByteSource, type ObjectStore } from '../../src/plugin-api/index.js';
import { compareUtf8, normalisePrefix, putStreamInParts } from '../../src/plugin-api/index.js';
import { causeOf, errorShape, isAbort, isMissingObject, reasonOf, statusOf } from './s3-errors.js';

/**
 * Bytes per part of a streamed upload (S3's minimum part size): a stream of unknown length may
 * have up to 10 000 parts, so objects up to 48.8 GiB can be stored.
 */
export const DEFAULT_PART_SIZE = 5 * 1024 ** 2;
/** S3's limit on the number of parts of a multipart upload. */
const MAX_PARTS = 10_000;
/**
 * Parts uploaded in parallel. Three send as fast as four to a local SeaweedFS and hold one part
 * buffer less (bench/storage-1gib.ts).
 */
export const DEFAULT_QUEUE_SIZE = 3;
/** S3's limit for a single CopyObject; larger objects are copied part by part. */
const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;
const COPY_PART_BYTES = 512 * 1024 ** 2;

export interface S3ObjectStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix of every object of this store ("" or a folder such as "document"). */
  readonly prefix?: string;
  /** Whether ensureReady may create a missing bucket. */
  readonly createBucket?: boolean;
  /** The region, used as the location constraint of a bucket this store creates. */
  readonly region?: string;
  /** Bytes per part of a streamed upload (at least 5 MiB). */
  readonly partSize?: number;
  /** Parts uploaded in parallel; the upload holds partSize × (queueSize + 1) bytes. */
  readonly queueSize?: number;
  /** Objects above this size are moved with a multipart copy (S3 caps CopyObject at 5 GiB). */
  readonly singleCopyLimit?: number;
  /** Part size of a multipart copy. */
  readonly copyPartSize?: number;
}

/**
 * An ObjectStore over one bucket (and key prefix) of an S3-compatible server, through
 * @aws-sdk/client-s3. A streamed body is cut into parts as it arrives and sent with a multipart
 * upload, a few parts at a time, in part buffers that are reused: memory stays at
 * partSize × (queueSize + 1) whatever the length, and no part becomes garbage.
 */
export class S3ObjectStore implements ObjectStore {
  /** S3 has no rename: a move is a server-side copy and a delete. */
  readonly moveCopiesData = true;
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: S3Client;
  readonly #createBucket: boolean;
  readonly #region: string | undefined;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #singleCopyLimit: number;
  readonly #copyPartSize: number;

  constructor(options: S3ObjectStoreOptions) {
    this.#client = options.client;
    this.bucket = options.bucket;
    this.prefix = normalisePrefix(options.prefix);
    this.#createBucket = options.createBucket ?? true;
    this.#region = options.region;
    this.#partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.#queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
    this.#singleCopyLimit = options.singleCopyLimit ?? MAX_SINGLE_COPY_BYTES;
    this.#copyPartSize = options.copyPartSize ?? COPY_PART_BYTES;
  }

  async get(key: string): Promise<Uint8Array | null> {
    const objectKey = this.#key(key);
    try {
      const output = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }),
      );
      if (output.Body === undefined) return new Uint8Array();
      return await output.Body.transformToByteArray();
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw this.#failure('get', objectKey, error);
    }
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    const objectKey = this.#key(key);
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Body: body,
          ContentType: contentType,
          ContentLength: body.byteLength,
        }),
      );
    } catch (error) {
      throw this.#failure('put', objectKey, error);
    }
  }

  async delete(key: string): Promise<boolean> {
    // DeleteObject answers 204 whether or not the object existed, so ask first.
    const existed = (await this.stat(key)) !== null;
    if (!existed) return false;
    const objectKey = this.#key(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      throw this.#failure('delete', objectKey, error);
    }
    return true;
  }

  async stat(key: string): Promise<{ size: number } | null> {
    const objectKey = this.#key(key);
    try {
      const output = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }),
      );
      return { size: output.ContentLength ?? 0 };
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw this.#failure('stat', objectKey, error);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const listPrefix = this.#key(prefix);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let output;
      try {
        output = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: listPrefix,
            ContinuationToken: token,
          }),
        );
      } catch (error) {
        throw this.#failure('list', listPrefix, error);
      }
      for (const object of output.Contents ?? []) {
        if (object.Key !== undefined) keys.push(object.Key.slice(this.prefix.length));
      }
      token = output.IsTruncated === true ? output.NextContinuationToken : undefined;
    } while (token !== undefined);
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
    const { signal } = options;
    const client = this.#client;
    const bucket = this.bucket;
    return await putStreamInParts<CompletedPart>(
      body,
      {
        putSingle: async (payload) => {
          await client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: objectKey,
              Body: payload,
              ContentType: contentType,
              ContentLength: payload.byteLength,
            }),
            { abortSignal: signal },
          );
        },
        start: async () => {
          const created = await client.send(
            new CreateMultipartUploadCommand({
              Bucket: bucket,
              Key: objectKey,
              ContentType: contentType,
            }),
            { abortSignal: signal },
          );
          const uploadId = created.UploadId;
          return {
            uploadPart: async (payload, partNumber) => {
              const output = await client.send(
                new UploadPartCommand({
                  Bucket: bucket,
                  Key: objectKey,
                  UploadId: uploadId,
                  PartNumber: partNumber,
                  Body: payload,
                  ContentLength: payload.byteLength,
                }),
                { abortSignal: signal },
              );
              return {
                PartNumber: partNumber,
                ETag: output.ETag,
                ChecksumCRC32: output.ChecksumCRC32,
                ChecksumCRC32C: output.ChecksumCRC32C,
                ChecksumCRC64NVME: output.ChecksumCRC64NVME,
                ChecksumSHA1: output.ChecksumSHA1,
                ChecksumSHA256: output.ChecksumSHA256,
              };
            },
            complete: async (parts) => {
              await client.send(
                new CompleteMultipartUploadCommand({
                  Bucket: bucket,
                  Key: objectKey,
                  UploadId: uploadId,
                  MultipartUpload: { Parts: parts },
                }),
              );
            },
            abort: async () => {
              await client.send(
                new AbortMultipartUploadCommand({
                  Bucket: bucket,
                  Key: objectKey,
                  UploadId: uploadId,
                }),
              );
            },
          };
        },
      },
      {
        partSize: this.#partSize,
        partsInFlight: this.#queueSize,
        reuseBuffers: true,
        maxParts: {
          limit: MAX_PARTS,
          error: () =>
            new StorageError(
              `s3 putStream failed for key "${objectKey}" in bucket "${bucket}": more than ` +
                `${MAX_PARTS} parts of ${this.#partSize} bytes`,
              { details: { bucket, key: objectKey, operation: 'putStream' } },
            ),
        },
        signal,
        mapError: (error) =>
          error instanceof StorageError ? error : this.#failure('putStream', objectKey, error),
      },
    );
  }

  async openStream(
    key: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ByteSource | null> {
    const objectKey = this.#key(key);
    let body: Readable;
    try {
      const output = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }),
        { abortSignal: options.signal },
      );
      if (output.Body === undefined) return Readable.from([]);
      body = output.Body as Readable;
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw this.#failure('openStream', objectKey, error);
    }
    return this.#guarded(body, objectKey);
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    const source = this.#key(fromKey);
    const target = this.#key(toKey);
    const size = await this.stat(fromKey);
    if (size === null) {
      throw new StorageError(`s3 move failed: no object "${source}" in bucket "${this.bucket}"`, {
        details: { bucket: this.bucket, key: source, operation: 'move' },
        retryable: false,
      });
    }
    try {
      if (size.size > this.#singleCopyLimit) {
        await this.#copyInParts(source, target, size.size);
      } else {
        await this.#client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: target,
            CopySource: this.#copySource(source),
          }),
        );
      }
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: source }));
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
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }), {
        abortSignal: signal,
      });
      return 'exists';
    } catch (error) {
      if (statusOf(error) !== 404 && errorShape(error).name !== 'NoSuchBucket') {
        throw this.#failure('checkBucket', undefined, error);
      }
    }
    if (!this.#createBucket) {
      throw new StorageError(
        `s3 bucket "${this.bucket}" does not exist and create_bucket is false: ` +
          'create the bucket or allow its creation',
        { details: { bucket: this.bucket, operation: 'checkBucket' }, retryable: false },
      );
    }
    const region = this.#region;
    try {
      await this.#client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          ...(region !== undefined && region !== 'us-east-1'
            ? {
                CreateBucketConfiguration: {
                  LocationConstraint: region as BucketLocationConstraint,
                },
              }
            : {}),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      // Another process created it between our check and our request: that is what we wanted.
      if (errorShape(error).name === 'BucketAlreadyOwnedByYou') return 'exists';
      throw this.#failure('createBucket', undefined, error);
    }
    return 'created';
  }

  /** A cheap reachability check: the bucket answers. */
  async checkBucket(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw this.#failure('checkBucket', undefined, error);
    }
  }

  #key(key: string): string {
    return this.prefix + key;
  }

  #copySource(objectKey: string): string {
    const encodedKey = objectKey.split('/').map(encodeURIComponent).join('/');
    return `${encodeURIComponent(this.bucket)}/${encodedKey}`;
  }

  async #copyInParts(source: string, target: string, size: number): Promise<void> {
    const created = await this.#client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: target }),
    );
    const uploadId = created.UploadId;
    try {
      const parts: { PartNumber: number; ETag: string | undefined }[] = [];
      for (let start = 0, partNumber = 1; start < size; start += this.#copyPartSize) {
        const end = Math.min(start + this.#copyPartSize, size) - 1;
        const output = await this.#client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: target,
            UploadId: uploadId,
            PartNumber: partNumber,
            CopySource: this.#copySource(source),
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts.push({ PartNumber: partNumber, ETag: output.CopyPartResult?.ETag });
        partNumber += 1;
      }
      await this.#client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: target,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      await this.#client
        .send(
          new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId: uploadId }),
        )
        .catch((abortError: unknown) => {
          // The copy's own failure is the one to report; an unfinished upload only costs space.
          void abortError;
        });
      throw error;
    }
  }

  async *#guarded(body: Readable, objectKey: string): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of body) yield chunk as Uint8Array;
    } catch (error) {
      if (isAbort(error)) throw error;
      throw this.#failure('openStream', objectKey, error);
    } finally {
      body.destroy();
    }
  }

  #failure(operation: string, objectKey: string | undefined, error: unknown): StorageError {
    const { $fault } = errorShape(error);
    const status = statusOf(error);
    const where =
      objectKey === undefined
        ? `bucket "${this.bucket}"`
        : `key "${objectKey}" in bucket "${this.bucket}"`;
    const reason = reasonOf(error);
    return new StorageError(
      `s3 ${operation} failed for ${where}: ${reason}${status === undefined ? '' : ` (${status})`}`,
      {
        cause: causeOf(error),
        details: { bucket: this.bucket, key: objectKey, operation, status, error: reason },
        // Client faults (bad credentials, denied access, bad requests) do not heal by themselves.
        retryable: $fault !== 'client' && (status === undefined || status >= 500 || status === 429),
      },
    );
  }
}
