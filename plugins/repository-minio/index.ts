import { Client, type ClientOptions } from 'minio';
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
import { MinioObjectStore } from './minio-object-store.js';

export interface MinioRepositoryOptions {
  readonly endpoint?: string;
  readonly port?: number;
  readonly use_ssl?: boolean;
  readonly access_key?: string;
  readonly secret_key?: string;
  readonly region?: string;
  readonly bucket?: string;
  readonly content_bucket?: string;
  readonly prefix?: string;
  readonly create_bucket?: boolean;
}

/** The object stores of an instance; exposed for tests and tools that inspect stored objects. */
export interface MinioRepositoryStores {
  /** The entity records, one `<id>.json` object per entity. */
  readonly entity: MinioObjectStore;
  /** Document content, one object per multihash (document instances only). */
  readonly content?: MinioObjectStore;
}

export interface MinioRepositoryInstance extends RepositoryPluginInstance {
  readonly stores: MinioRepositoryStores;
}

const DEFAULT_ENDPOINT = 'localhost:9000';
const ENDPOINT = /^(?:(https?):\/\/)?([^\s/:]+)(?::(\d{1,5}))?\/?$/;

/** Where the client connects: host, port and TLS, from `endpoint`, `port` and `use_ssl`. */
export function connectionOf(
  options: MinioRepositoryOptions,
): Pick<ClientOptions, 'endPoint' | 'port' | 'useSSL'> {
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;
  const match = ENDPOINT.exec(endpoint);
  if (match === null) {
    throw new InputError(
      `invalid minio endpoint "${endpoint}": expected host, host:port or http(s)://host:port`,
    );
  }
  const [, scheme, host, port] = match;
  const connection: Pick<ClientOptions, 'endPoint' | 'port' | 'useSSL'> = {
    endPoint: host as string,
    useSSL: options.use_ssl ?? scheme === 'https',
  };
  const chosenPort = options.port ?? (port === undefined ? undefined : Number(port));
  if (chosenPort !== undefined) connection.port = chosenPort;
  return connection;
}

/** Builds the minio client. Without keys, requests are anonymous. */
export function createMinioClient(options: MinioRepositoryOptions): Client {
  const clientOptions: ClientOptions = { ...connectionOf(options) };
  if (options.access_key !== undefined && options.secret_key !== undefined) {
    clientOptions.accessKey = options.access_key;
    clientOptions.secretKey = options.secret_key;
  }
  // Without a region the client asks each bucket for its location once, before its first request.
  if (options.region !== undefined) clientOptions.region = options.region;
  return new Client(clientOptions);
}

/**
 * Keeps an entity kind in a MinIO bucket (or any S3-compatible server) through the `minio`
 * client: one JSON object per entity, and document content once per SHA-256 multihash, streamed
 * in multipart uploads with bounded memory. Reads the seed's MINIO_* environment variables.
 */
export default definePlugin<'repository', MinioRepositoryOptions>({
  apiVersion: PLUGIN_API_VERSION,
  kind: 'repository',
  type: 'minio',
  stability: 'stable',
  description: 'Stores entities and document content in MinIO or another S3-compatible server.',
  optionsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'minio repository options',
    type: 'object',
    additionalProperties: false,
    properties: {
      endpoint: {
        type: 'string',
        pattern: ENDPOINT.source,
        default: DEFAULT_ENDPOINT,
        'x-env': 'MINIO_ENDPOINT',
        description:
          'Server address: host, host:port, or http(s)://host:port (https implies use_ssl).',
      },
      port: {
        type: 'integer',
        minimum: 1,
        maximum: 65535,
        description: 'Port, when not given in the endpoint (default 80, or 443 with TLS).',
      },
      use_ssl: {
        type: 'boolean',
        'x-env': 'MINIO_SECURE',
        description: 'Connect with TLS. Defaults to false, or true for an https:// endpoint.',
      },
      access_key: {
        type: 'string',
        minLength: 1,
        'x-secret': true,
        'x-env': 'MINIO_ACCESS_KEY',
        description: 'Access key. Leave out with secret_key for anonymous access.',
      },
      secret_key: {
        type: 'string',
        minLength: 1,
        'x-secret': true,
        'x-env': 'MINIO_SECRET_KEY',
        description: 'Secret key, given together with access_key.',
      },
      region: {
        type: 'string',
        minLength: 1,
        description:
          'Region of the buckets. Left out, the client asks each bucket for its region; new ' +
          'buckets are made in us-east-1.',
      },
      ...BUCKET_LAYOUT_OPTION_PROPERTIES,
    },
    dependentRequired: {
      access_key: ['secret_key'],
      secret_key: ['access_key'],
    },
  },
  create(options, context): MinioRepositoryInstance {
    const entity = context.entity;
    if (entity === undefined) {
      throw new InputError(`${context.instanceId}: the minio repository needs an entity kind`);
    }
    const layout = resolveLayout(entity, options, context.fromDefault === true);
    if (options.access_key === undefined || options.secret_key === undefined) {
      // Anonymous access is legitimate for public buckets, but usually means a forgotten variable.
      context.logger.warn(
        { endpoint: options.endpoint },
        'minio credentials not set (access_key/secret_key or MINIO_ACCESS_KEY/MINIO_SECRET_KEY): requests are anonymous',
      );
    }
    const client = createMinioClient(options);
    const common = {
      client,
      createBucket: options.create_bucket ?? true,
      region: options.region,
    };
    const stores: MinioRepositoryStores = {
      entity: new MinioObjectStore({ ...common, bucket: layout.bucket, prefix: layout.prefix }),
      ...(layout.content === undefined
        ? {}
        : { content: new MinioObjectStore({ ...common, ...layout.content }) }),
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
    };
  },
});
