import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Connection } from '@temporalio/client';
import { Client as MinioClient } from 'minio';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { testServers, uniqueName, type S3Coordinates } from '../support/test-servers.js';

function s3Client(s3: S3Coordinates, secretKey = s3.secret_key): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.access_key, secretAccessKey: secretKey },
  });
}

function minioClient(s3: S3Coordinates): MinioClient {
  const url = new URL(s3.endpoint);
  return new MinioClient({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === 'https:',
    region: s3.region,
    pathStyle: true,
    accessKey: s3.access_key,
    secretKey: s3.secret_key,
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

describe('Temporal test server', () => {
  it('answers a namespace description on its loopback address', async () => {
    const { temporal } = testServers();
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const described = await connection.workflowService.describeNamespace({
        namespace: temporal.namespace,
      });

      expect(described.namespaceInfo?.name).toBe(temporal.namespace);
      expect(temporal.address).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await connection.close();
    }
  });
});

describe('S3 test server', () => {
  it('round-trips an object with the AWS SDK', async () => {
    const { s3 } = testServers();
    const client = s3Client(s3);
    const bucket = uniqueName('smoke-aws');
    const key = 'documents/sample one.bin';
    const body = randomBytes(300 * 1024);
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/octet-stream',
        }),
      );

      const fetched = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = Buffer.from(await fetched.Body!.transformToByteArray());
      expect(bytes.equals(body)).toBe(true);
      expect(fetched.ContentLength).toBe(body.length);

      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      expect(listed.Contents?.map((entry) => [entry.Key, entry.Size])).toEqual([
        [key, body.length],
      ]);

      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      const after = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      expect(after.KeyCount ?? 0).toBe(0);
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
  });

  it('rejects a request signed with a wrong secret', async () => {
    const { s3 } = testServers();
    const client = s3Client(s3, `${s3.secret_key}-wrong`);
    try {
      const failure = await client
        .send(new CreateBucketCommand({ Bucket: uniqueName('smoke-denied') }))
        .then(
          () => undefined,
          (error: unknown) => error,
        );

      expect(failure).toBeInstanceOf(S3ServiceException);
      expect((failure as S3ServiceException).name).toBe('SignatureDoesNotMatch');
      expect((failure as S3ServiceException).$metadata.httpStatusCode).toBe(403);
    } finally {
      client.destroy();
    }
  });

  it('round-trips an object with the minio client', async () => {
    const { s3 } = testServers();
    const client = minioClient(s3);
    const bucket = uniqueName('smoke-minio');
    const body = randomBytes(64 * 1024);

    expect(await client.bucketExists(bucket)).toBe(false);
    await client.makeBucket(bucket, s3.region);
    expect(await client.bucketExists(bucket)).toBe(true);

    await client.putObject(bucket, 'a/b.bin', body, body.length, {
      'Content-Type': 'application/octet-stream',
    });
    const fetched = await readAll(await client.getObject(bucket, 'a/b.bin'));
    expect(fetched.equals(body)).toBe(true);
    const stat = await client.statObject(bucket, 'a/b.bin');
    expect(stat.size).toBe(body.length);

    await client.removeObject(bucket, 'a/b.bin');
    await client.removeBucket(bucket);
    expect(await client.bucketExists(bucket)).toBe(false);
  });
});
