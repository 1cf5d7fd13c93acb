import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import {
  createObjectStoreRepository,
  definePlugin,
  InputError,
  PLUGIN_API_VERSION,
  type RepositoryPluginInstance,
  bucketHealth,
  oneStorePerBucket,
  auxiliaryStoresIn,
} from '../../src/plugin-api/index.js';
import { BUCKET_LAYOUT_OPTION_PROPERTIES, resolveLayout } from '../../src/plugin-api/index.js';
import { S3ObjectStore } from './s3-object-store.js';

export interface S3RepositoryOptions {
  readonly endpoint?: string;
  readonly region?: string;
  readonly access_key_id?: string;
  readonly secret_access_key?: string;
  readonly session_token?: string;
  readonly force_path_style?: boolean;
  readonly bucket?: string;
  readonly content_bucket?: string;
  readonly prefix?: string;
  readonly create_bucket?: boolean;
}

/** The object stores of an instance; exposed for tests and tools that inspect stored objects. */
export interface S3RepositoryStores {
  /** The entity records, one `<id>.json` object per entity. */
  readonly entity: S3ObjectStore;
  /** Document content, one object per multihash (document instances only). */
  readonly content?: S3ObjectStore;
}

export interface S3RepositoryInstance extends RepositoryPluginInstance {
  readonly stores: S3RepositoryStores;
}

const DEFAULT_REGION = 'us-east-1';

/** Builds the SDK client. Credentials come from the options, else from the SDK's default chain. */
export function createS3Client(options: S3RepositoryOptions): S3Client {
  const config: S3ClientConfig = {
    region: options.region ?? DEFAULT_REGION,
    forcePathStyle: options.force_path_style ?? options.endpoint !== undefined,
  };
  if (options.endpoint !== undefined) {
    config.endpoint = options.endpoint;
    // S3-compatible servers differ in their support of the newer flexible checksums, and they
    // double the CPU cost of a transfer; send and check them only where the API requires them.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  if (options.access_key_id !== undefined && options.secret_access_key !== undefined) {
    config.credentials = {
      accessKeyId: options.access_key_id,
      secretAccessKey: options.secret_access_key,
      ...(options.session_token === undefined ? {} : { sessionToken: options.session_token }),
    };
  }
  return new S3Client(config);
}

/**
 * Keeps an entity kind in an S3 bucket (AWS S3 or any S3-compatible server) through
 * @aws-sdk/client-s3: one JSON object per entity, and document content once per SHA-256
 * multihash, streamed in multipart uploads with bounded memory.
 */
export default definePlugin<'repository', S3RepositoryOptions>({
  apiVersion: PLUGIN_API_VERSION,
  kind: 'repository',
  type: 's3',
  stability: 'stable',
  description: 'Stores entities and document content in S3 or an S3-compatible server.',
  optionsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 's3 repository options',
    type: 'object',
    additionalProperties: false,
    properties: {
      endpoint: {
        type: 'string',
        pattern: '^https?://[^\\s/]+/?$',
        'x-env': 'AWS_ENDPOINT_URL_S3',
        description:
          'URL of an S3-compatible server (http://host:port). Leave out for AWS S3, whose ' +
          'endpoint follows from the region. Defaults to AWS_ENDPOINT_URL_S3 when set.',
      },
      region: {
        type: 'string',
        minLength: 1,
        default: DEFAULT_REGION,
        'x-env': 'AWS_REGION',
        description: 'Region of the buckets, also used when a bucket is created.',
      },
      access_key_id: {
        type: 'string',
        minLength: 1,
        'x-secret': true,
        'x-env': 'AWS_ACCESS_KEY_ID',
        description:
          'Access key id. With the secret access key left out too, the SDK default credential ' +
          'chain applies (environment, shared config files, instance or container roles).',
      },
      secret_access_key: {
        type: 'string',
        minLength: 1,
        'x-secret': true,
        'x-env': 'AWS_SECRET_ACCESS_KEY',
        description: 'Secret access key, given together with access_key_id.',
      },
      session_token: {
        type: 'string',
        minLength: 1,
        'x-secret': true,
        'x-env': 'AWS_SESSION_TOKEN',
        description: 'Session token of temporary credentials.',
      },
      force_path_style: {
        type: 'boolean',
        description:
          'Address buckets as http://host/bucket rather than http://bucket.host. Defaults to ' +
          'true when an endpoint is set and false otherwise.',
      },
      ...BUCKET_LAYOUT_OPTION_PROPERTIES,
    },
    dependentRequired: {
      access_key_id: ['secret_access_key'],
      secret_access_key: ['access_key_id'],
      session_token: ['access_key_id', 'secret_access_key'],
    },
  },
  create(options, context): S3RepositoryInstance {
    const entity = context.entity;
    if (entity === undefined) {
      throw new InputError(`${context.instanceId}: the s3 repository needs an entity kind`);
    }
    const layout = resolveLayout(entity, options, context.fromDefault === true);
    const client = createS3Client(options);
    const common = {
      client,
      createBucket: options.create_bucket ?? true,
      region: options.region ?? DEFAULT_REGION,
    };
    const stores: S3RepositoryStores = {
      entity: new S3ObjectStore({ ...common, bucket: layout.bucket, prefix: layout.prefix }),
      ...(layout.content === undefined
        ? {}
        : { content: new S3ObjectStore({ ...common, ...layout.content }) }),
    };
    const buckets = oneStorePerBucket(
      stores.content === undefined ? [stores.entity] : [stores.entity, stores.content],
    );
    const log = context.logger;

    return {
      repository: createObjectStoreRepository({
        entity,
        store: stores.entity,
        contentStore: stores.content,
      }),
      ...auxiliaryStoresIn(stores.content),
      stores,
      async start(signal) {
        for (const store of buckets) {
          const outcome = await store.prepareBucket(signal);
          log.debug({ bucket: store.bucket, outcome }, 'bucket ready');
          if (outcome === 'created') log.info({ bucket: store.bucket }, 'bucket created');
        }
      },
      health: () => bucketHealth(buckets),
      stop() {
        client.destroy();
        return Promise.resolve();
      },
    };
  },
});
