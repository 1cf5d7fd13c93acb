import { join, resolve } from 'node:path';
import {
  createObjectStoreRepository,
  definePlugin,
  InputError,
  PLUGIN_API_VERSION,
  type HealthReport,
  type RepositoryPluginInstance,
  auxiliaryStoresIn,
} from '../../src/plugin-api/index.js';
import { FilesystemObjectStore } from './filesystem-object-store.js';

export interface FilesystemRepositoryOptions {
  readonly data_dir: string;
  readonly fsync: boolean;
  readonly bucket?: string;
  readonly content_bucket?: string;
}

/** Folder names follow the S3 bucket rules, so the same `bucket:` works for every backend. */
const FOLDER_NAME = '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$';

/** Directory under data_dir that holds document content, one file per multihash. */
export const CONTENT_DIRECTORY = 'document-content';

/**
 * Keeps an entity kind as JSON files under a data directory, and document content as files named
 * by their SHA-256 multihash: persistent, with nothing to install. The embedded default.
 */
export default definePlugin<'repository', FilesystemRepositoryOptions>({
  apiVersion: PLUGIN_API_VERSION,
  kind: 'repository',
  type: 'filesystem',
  stability: 'stable',
  description: 'Stores entities as JSON files and document content by hash under a data directory.',
  optionsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'filesystem repository options',
    type: 'object',
    additionalProperties: false,
    properties: {
      data_dir: {
        type: 'string',
        minLength: 1,
        default: './data',
        description:
          'Directory that holds the data: <data_dir>/<entity>/<id>.json and ' +
          '<data_dir>/document-content/<multihash>. A relative path is resolved against the ' +
          'directory of the configuration file. Created at start when it does not exist.',
      },
      bucket: {
        type: 'string',
        pattern: FOLDER_NAME,
        description:
          'Folder under data_dir for this entity kind (default: the entity name), named like the ' +
          'bucket of the s3 and minio plugins so a configuration can switch backends unchanged. ' +
          'When the `default` entry names one, each entity kind gets a sub-folder in it.',
      },
      content_bucket: {
        type: 'string',
        pattern: FOLDER_NAME,
        description: `Folder under data_dir for document content (default: ${CONTENT_DIRECTORY}).`,
      },
      fsync: {
        type: 'boolean',
        default: true,
        description:
          'Flush every write to disk before it counts as done. Turning it off is faster, but a ' +
          'crash of the machine may leave recently written files empty or missing.',
      },
    },
  },
  create(options, context): RepositoryPluginInstance {
    const entity = context.entity;
    if (entity === undefined) {
      throw new InputError(`${context.instanceId}: the filesystem repository needs an entity kind`);
    }
    const dataDir = resolve(context.configDir, options.data_dir ?? './data');
    const fsync = options.fsync ?? true;
    const entityDir =
      options.bucket === undefined
        ? join(dataDir, entity)
        : context.fromDefault === true
          ? join(dataDir, options.bucket, entity)
          : join(dataDir, options.bucket);
    const store = new FilesystemObjectStore(entityDir, { fsync });
    const contentStore =
      entity === 'document'
        ? new FilesystemObjectStore(join(dataDir, options.content_bucket ?? CONTENT_DIRECTORY), {
            fsync,
          })
        : undefined;
    const stores = contentStore === undefined ? [store] : [store, contentStore];

    return {
      repository: createObjectStoreRepository({ entity, store, contentStore }),
      ...auxiliaryStoresIn(contentStore),
      async start() {
        for (const each of stores) await each.ensureReady();
      },
      async health(): Promise<HealthReport> {
        for (const each of stores) {
          const report = await each.health();
          if (report.status !== 'ok') return report;
        }
        return { status: 'ok' };
      },
    };
  },
});
