import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  ENTITY_NAMES,
  isMultihash,
  type EntityName,
  type Logger,
  type PluginContext,
  type Policy,
  type Repositories,
  type RepositoryPluginInstance,
} from '../../src/plugin-api/index.js';
import { runRepositoryConformance } from '../../src/testing/index.js';
import filesystemPlugin from './index.js';

const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

function contextFor(entity: EntityName | undefined, configDir: string): PluginContext {
  return {
    instanceId: `repositories.${entity ?? 'default'}`,
    name: entity ?? 'default',
    entity,
    logger: silentLogger,
    configDir,
  };
}

interface FilesystemSubject {
  readonly repositories: Repositories;
  /** The resolved data directory. */
  readonly dataDir: string;
  cleanup(): Promise<void>;
}

/** Starts one instance per entity kind on a fresh directory, through the plugin definition. */
async function createSubject(
  options: { data_dir?: string; fsync?: boolean } = {},
  configDir?: string,
): Promise<FilesystemSubject> {
  const directory = configDir ?? (await mkdtemp(join(tmpdir(), 'julee-fs-repository-')));
  const instances: RepositoryPluginInstance[] = [];
  const repositories: Record<string, unknown> = {};
  for (const entity of ENTITY_NAMES) {
    const instance = await filesystemPlugin.create(
      { data_dir: './data', fsync: true, ...options },
      contextFor(entity, directory),
    );
    await instance.start?.(new AbortController().signal);
    instances.push(instance);
    repositories[entity] = instance.repository;
  }
  return {
    repositories: repositories as unknown as Repositories,
    dataDir: join(directory, 'data'),
    cleanup: async () => {
      for (const instance of instances.reverse()) await instance.stop?.();
      if (configDir === undefined) await rm(directory, { recursive: true, force: true });
    },
  };
}

async function filesIn(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    throw error;
  }
}

runRepositoryConformance('filesystem', () => createSubject(), {
  overwriteEntity: (subject, entity, id, bytes) =>
    writeFile(join(subject.dataDir, entity, `${id}.json`), bytes),
  removeContent: (subject, hash) => rm(join(subject.dataDir, 'document-content', hash)),
  countContents: async (subject) =>
    (await filesIn(join(subject.dataDir, 'document-content'))).filter(isMultihash).length,
  // A file where the entity's folder should be: every read fails with ENOTDIR.
  breakStorage: async (subject, entity) => {
    await rm(join(subject.dataDir, entity), { recursive: true, force: true });
    await writeFile(join(subject.dataDir, entity), 'not a folder');
  },
});

const policy: Policy = {
  policy_id: 'policy-kept',
  title: 'Kept',
  description: 'Survives a restart',
  status: 'active',
  validation_scores: [['query-a', 70]],
  transformation_queries: null,
  version: '0.1.0',
  created_at: null,
  updated_at: null,
};

describe('repository-filesystem plugin', () => {
  it('declares a strict options schema with defaults and descriptions', () => {
    const schema = filesystemPlugin.optionsSchema as {
      properties: Record<string, { default?: unknown; description?: string }>;
    };
    expect(filesystemPlugin.type).toBe('filesystem');
    expect(filesystemPlugin.optionsSchema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      additionalProperties: false,
    });
    expect(schema.properties['data_dir']?.default).toBe('./data');
    expect(schema.properties['fsync']?.default).toBe(true);
    for (const property of Object.values(schema.properties)) {
      expect(property.description).toEqual(expect.any(String));
    }
  });

  it('keeps entities across instances, under data_dir relative to the config directory', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'julee-fs-persist-'));
    try {
      const first = await createSubject({}, directory);
      const saved = await first.repositories.policy.save(policy);
      await first.cleanup();

      const stored = await readFile(join(directory, 'data', 'policy', 'policy-kept.json'), 'utf8');
      expect(JSON.parse(stored)).toEqual(saved);
      const second = await createSubject({}, directory);
      expect(await second.repositories.policy.get('policy-kept')).toEqual(saved);
      await second.cleanup();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('stores document content once, named by its hash, and leaves no upload behind', async () => {
    const subject = await createSubject();
    try {
      const bytes = new TextEncoder().encode('content on disk\n');
      const stored = await subject.repositories.document.putContent(Readable.from([bytes]));
      await subject.repositories.document.putContent(
        Readable.from([bytes.slice(0, 5), bytes.slice(5)]),
      );

      const contentDir = join(subject.dataDir, 'document-content');
      expect(await filesIn(contentDir)).toEqual(expect.arrayContaining([stored.content_multihash]));
      expect((await filesIn(contentDir)).filter((name) => name !== 'tmp')).toEqual([
        stored.content_multihash,
      ]);
      expect(await filesIn(join(contentDir, 'tmp'))).toEqual([]);
      expect(await readFile(join(contentDir, stored.content_multihash))).toEqual(
        Buffer.from(bytes),
      );
    } finally {
      await subject.cleanup();
    }
  });

  it('creates its directories at start and reports healthy', async () => {
    const subject = await createSubject();
    try {
      expect(await filesIn(subject.dataDir)).toEqual([...ENTITY_NAMES, 'document-content'].sort());
    } finally {
      await subject.cleanup();
    }
  });

  it('reports down when the data directory is gone', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'julee-fs-health-'));
    const instance = await filesystemPlugin.create(
      { data_dir: 'store', fsync: true },
      contextFor('policy', directory),
    );
    await instance.start?.(new AbortController().signal);
    expect(await instance.health?.()).toEqual({ status: 'ok' });

    await rm(directory, { recursive: true, force: true });
    const report = await instance.health?.();
    expect(report?.status).toBe('down');
    expect(report?.detail).toContain('not writable');
    await expect(instance.repository.list()).rejects.toMatchObject({
      code: 'JULEE_STORAGE_FAILED',
    });
  });

  it('refuses to create an instance without an entity kind', async () => {
    await expect(async () =>
      filesystemPlugin.create({ data_dir: './data', fsync: true }, contextFor(undefined, '/tmp')),
    ).rejects.toMatchObject({ code: 'JULEE_INPUT_INVALID' });
  });
});

describe('filesystem repository folders', () => {
  it('stores an entity kind under the folder named by bucket, and content under content_bucket', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'julee-fs-bucket-'));
    const instance = await filesystemPlugin.create(
      {
        data_dir: './data',
        fsync: false,
        bucket: 'documents',
        content_bucket: 'documents-content',
      },
      contextFor('document', directory),
    );
    await instance.start?.(new AbortController().signal);
    const repository = instance.repository as Repositories['document'];
    const stored = await repository.putContent(Readable.from([Buffer.from('minutes')]));
    expect(await readdir(join(directory, 'data', 'documents-content'))).toContain(
      stored.content_multihash,
    );
    expect(await readdir(join(directory, 'data'))).toEqual(
      expect.arrayContaining(['documents', 'documents-content']),
    );
    await rm(directory, { recursive: true, force: true });
  });

  it('gives each entity kind a sub-folder when the default entry names a shared bucket', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'julee-fs-bucket-'));
    const instance = await filesystemPlugin.create(
      { data_dir: './data', fsync: false, bucket: 'shared' },
      { ...contextFor('policy', directory), fromDefault: true },
    );
    await instance.start?.(new AbortController().signal);
    expect(await readdir(join(directory, 'data', 'shared'))).toEqual(['policy']);
    await rm(directory, { recursive: true, force: true });
  });
});
