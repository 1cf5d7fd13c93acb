import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ENTITY_NAMES,
  StorageError,
  type DocumentRepository,
  type EntityName,
  type EntityRepository,
  type Policy,
  type Logger,
  type PluginContext,
} from '../../src/plugin-api/index.js';
import {
  objectStoreHooks,
  runRepositoryConformance,
  sampleEntity,
  type RepositoryConformanceSubject,
} from '../../src/testing/index.js';
import { testServers, uniqueName, type S3Coordinates } from '../../test/support/test-servers.js';
import plugin, { type S3RepositoryInstance, type S3RepositoryOptions } from './index.js';
import { resolveLayout } from '../../src/plugin-api/index.js';

const silent: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

function contextFor(entity: EntityName, extra: Partial<PluginContext> = {}): PluginContext {
  return {
    instanceId: `repositories.${entity}`,
    name: entity,
    entity,
    logger: silent,
    configDir: process.cwd(),
    ...extra,
  };
}

function optionsFor(s3: S3Coordinates, extra: Partial<S3RepositoryOptions> = {}) {
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    access_key_id: s3.access_key,
    secret_access_key: s3.secret_key,
    create_bucket: true,
    ...extra,
  };
}

async function started(
  options: S3RepositoryOptions,
  context: PluginContext,
): Promise<S3RepositoryInstance> {
  const instance = (await plugin.create(options, context)) as S3RepositoryInstance;
  await instance.start?.(new AbortController().signal);
  return instance;
}

interface S3Subject extends RepositoryConformanceSubject {
  readonly instances: { readonly [K in EntityName]?: S3RepositoryInstance };
}

describe('s3 repository plugin', () => {
  // One bucket for the whole file, a fresh prefix per test: every bucket costs the server a volume.
  const bucket = uniqueName('s3-plugin');
  let run = 0;

  runRepositoryConformance<S3Subject>(
    's3',
    async () => {
      const s3 = testServers().s3;
      const prefix = `conformance-${++run}`;
      const instances: { [K in EntityName]?: S3RepositoryInstance } = {};
      for (const entity of ENTITY_NAMES) {
        instances[entity] = await started(
          // Content in the same bucket too, so no test touches a bucket another run shares.
          optionsFor(s3, { bucket, content_bucket: bucket, prefix: `${prefix}/${entity}` }),
          contextFor(entity),
        );
      }
      const repositories = Object.fromEntries(
        Object.entries(instances).map(([entity, instance]) => [entity, instance.repository]),
      );
      return {
        repositories,
        instances,
        cleanup: async () => {
          await Promise.all(Object.values(instances).map(async (instance) => instance.stop?.()));
        },
      };
    },
    objectStoreHooks<S3Subject>({
      entity: (subject, entity) => subject.instances[entity]!.stores.entity,
      content: (subject) => subject.instances.document!.stores.content!,
    }),
  );

  describe('options', () => {
    // Strict, with defaults and the two option annotations, as the runtime's loader compiles it.
    const ajv = new Ajv2020({ strict: true, strictRequired: false, useDefaults: true });
    ajv.addKeyword({ keyword: 'x-env', schemaType: ['string'] });
    ajv.addKeyword({ keyword: 'x-secret', schemaType: ['boolean'] });
    const validate = ajv.compile(plugin.optionsSchema);

    it('accepts no options at all and fills the defaults', () => {
      const options: Record<string, unknown> = {};

      expect(validate(options)).toBe(true);
      expect(options).toEqual({ region: 'us-east-1', create_bucket: true });
    });

    it('accepts an S3-compatible server with keys, bucket and prefix', () => {
      const options = {
        endpoint: 'http://127.0.0.1:9000',
        access_key_id: 'key',
        secret_access_key: 'secret',
        force_path_style: true,
        bucket: 'julee-docs',
        content_bucket: 'julee-content',
        prefix: 'julee/prod',
        create_bucket: false,
      };

      expect(validate(options)).toBe(true);
    });

    it('rejects unknown keys, bad bucket names, unsafe prefixes and half credentials', () => {
      expect(validate({ bukcet: 'x' })).toBe(false);
      expect(validate({ bucket: 'Not_A_Bucket' })).toBe(false);
      expect(validate({ prefix: '../escape' })).toBe(false);
      expect(validate({ prefix: 'a//b' })).toBe(false);
      expect(validate({ access_key_id: 'key' })).toBe(false);
      expect(validate({ endpoint: 'localhost:9000' })).toBe(false);
    });

    it('marks the credentials secret and names their environment variables', () => {
      const properties = plugin.optionsSchema['properties'] as Record<
        string,
        Record<string, unknown>
      >;

      for (const [key, variable] of [
        ['access_key_id', 'AWS_ACCESS_KEY_ID'],
        ['secret_access_key', 'AWS_SECRET_ACCESS_KEY'],
        ['session_token', 'AWS_SESSION_TOKEN'],
      ]) {
        expect(properties[key!]).toMatchObject({ 'x-secret': true, 'x-env': variable });
      }
      expect(properties['region']).toMatchObject({ 'x-env': 'AWS_REGION' });
    });
  });

  describe('layout', () => {
    it('keeps content apart from records when they share a bucket', () => {
      expect(resolveLayout('document', { bucket: 'b', content_bucket: 'b' }, false)).toEqual({
        bucket: 'b',
        prefix: '',
        content: { bucket: 'b', prefix: 'content' },
      });
      expect(resolveLayout('document', { bucket: 'b', prefix: '/x/y/' }, true)).toEqual({
        bucket: 'b',
        prefix: 'x/y',
        content: { bucket: 'b', prefix: 'x/y-content' },
      });
      expect(resolveLayout('document', { prefix: 'x' }, true)).toEqual({
        bucket: 'documents',
        prefix: 'x',
        content: { bucket: 'documents-content', prefix: 'x' },
      });
      expect(resolveLayout('assembly_specification', {}, true)).toEqual({
        bucket: 'assembly-specifications',
        prefix: '',
      });
    });

    it("uses Julee's bucket per entity, and documents-content for content", async () => {
      const s3 = testServers().s3;
      const document = (await plugin.create(
        optionsFor(s3),
        contextFor('document'),
      )) as S3RepositoryInstance;
      const policy = (await plugin.create(
        optionsFor(s3),
        contextFor('policy'),
      )) as S3RepositoryInstance;

      expect([document.stores.entity.bucket, document.stores.entity.prefix]).toEqual([
        'documents',
        '',
      ]);
      expect(document.stores.content?.bucket).toBe('documents-content');
      expect(policy.stores.entity.bucket).toBe('policies');
      expect(policy.stores.content).toBeUndefined();
      await Promise.all([document, policy].map(async (instance) => instance.stop?.()));
    });

    it('gives each entity its own prefix when the default entry shares a bucket', async () => {
      const s3 = testServers().s3;
      const shared = uniqueName('s3-shared');
      const instances = await Promise.all(
        (['document', 'policy'] as const).map((entity) =>
          started(optionsFor(s3, { bucket: shared }), contextFor(entity, { fromDefault: true })),
        ),
      );
      const [document, policy] = instances as [S3RepositoryInstance, S3RepositoryInstance];
      const sample = sampleEntity('policy', 'policy-1', 1);

      await (policy.repository as EntityRepository<Policy>).save(sample);

      expect(document.stores.entity.prefix).toBe('document/');
      expect(document.stores.content?.bucket).toBe(shared);
      expect(document.stores.content?.prefix).toBe('document-content/');
      expect(policy.stores.entity.prefix).toBe('policy/');
      expect(await policy.stores.entity.stat('policy-1.json')).not.toBeNull();
      expect((await document.repository.list()).total).toBe(0);
      await Promise.all(instances.map(async (instance) => instance.stop?.()));
    });
  });

  describe('startup', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('checks and creates its buckets at start only, not per request', async () => {
      const s3 = testServers().s3;
      const send = vi.spyOn(S3Client.prototype, 'send');
      const commandNames = (): string[] =>
        send.mock.calls.map(([command]) => (command as object).constructor.name);
      const instance = await started(
        optionsFor(s3, { bucket: uniqueName('s3-once'), content_bucket: uniqueName('s3-once-c') }),
        contextFor('document'),
      );
      const atStart = commandNames();

      const stored = await (instance.repository as DocumentRepository).putContent(
        Readable.from([Buffer.from('hello')]),
      );
      await instance.repository.list();
      await instance.repository.get('doc-none');
      const afterwards = commandNames().slice(atStart.length);

      expect(atStart.filter((name) => name === 'HeadBucketCommand')).toHaveLength(2);
      expect(atStart.filter((name) => name === 'CreateBucketCommand')).toHaveLength(2);
      expect(stored.content_multihash).toMatch(/^1220[0-9a-f]{64}$/);
      expect(afterwards.length).toBeGreaterThan(0);
      expect(afterwards).not.toContain('HeadBucketCommand');
      expect(afterwards).not.toContain('CreateBucketCommand');
      await instance.stop?.();
    });

    it('fails to start on a missing bucket it may not create, naming the bucket', async () => {
      const s3 = testServers().s3;
      const missing = uniqueName('s3-absent');
      const instance = await plugin.create(
        optionsFor(s3, { bucket: missing, create_bucket: false }),
        contextFor('policy'),
      );

      const error = await instance.start?.(new AbortController().signal).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toContain(`"${missing}" does not exist`);
      await instance.stop?.();
    });

    it('reports healthy when its bucket answers and down when it does not', async () => {
      const s3 = testServers().s3;
      const healthy = await started(optionsFor(s3, { bucket }), contextFor('policy'));
      const unhealthy = await plugin.create(
        optionsFor(s3, { bucket: uniqueName('s3-gone'), create_bucket: false }),
        contextFor('policy'),
      );

      expect(await healthy.health?.()).toEqual({ status: 'ok' });
      const report = await unhealthy.health?.();
      expect(report?.status).toBe('down');
      expect(report?.detail).not.toContain(s3.secret_key);
      await Promise.all([healthy, unhealthy].map(async (instance) => instance.stop?.()));
    });
  });

  describe('with wrong credentials', () => {
    let s3: S3Coordinates;
    let instance: S3RepositoryInstance;

    beforeAll(async () => {
      s3 = testServers().s3;
      instance = (await plugin.create(
        optionsFor(s3, { bucket, secret_access_key: 'not-the-secret' }),
        contextFor('policy'),
      )) as S3RepositoryInstance;
    });
    afterAll(() => instance.stop?.());

    it('fails to start with a StorageError', async () => {
      await expect(instance.start?.(new AbortController().signal)).rejects.toBeInstanceOf(
        StorageError,
      );
    });

    it('reports reads as StorageError, never as a missing entity or an empty list', async () => {
      await expect(instance.repository.get('policy-1')).rejects.toBeInstanceOf(StorageError);
      await expect(instance.repository.list()).rejects.toBeInstanceOf(StorageError);
      await expect(instance.repository.delete('policy-1')).rejects.toBeInstanceOf(StorageError);
      const error = await instance.repository.get('policy-1').catch((e: unknown) => e);
      expect((error as Error).message).not.toContain('not-the-secret');
    });
  });
});
