import { describe, expect, it } from 'vitest';
import {
  ENTITY_NAMES,
  type EntityName,
  type Logger,
  type PluginContext,
  type Repositories,
} from '../../src/plugin-api/index.js';
import { objectStoreHooks, runRepositoryConformance } from '../../src/testing/index.js';
import memoryPlugin, { type MemoryRepositoryInstance } from './index.js';

const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

function contextFor(entity: EntityName): PluginContext {
  return {
    instanceId: `repositories.${entity}`,
    name: entity,
    entity,
    logger: silentLogger,
    configDir: process.cwd(),
  };
}

interface MemorySubject {
  readonly repositories: Repositories;
  readonly instances: Record<EntityName, MemoryRepositoryInstance>;
}

async function createSubject(): Promise<MemorySubject> {
  const instances = {} as Record<EntityName, MemoryRepositoryInstance>;
  for (const entity of ENTITY_NAMES) {
    const instance = (await memoryPlugin.create(
      {},
      contextFor(entity),
    )) as MemoryRepositoryInstance;
    await instance.start?.(new AbortController().signal);
    instances[entity] = instance;
  }
  const repositories = Object.fromEntries(
    ENTITY_NAMES.map((entity) => [entity, instances[entity].repository]),
  ) as unknown as Repositories;
  return { repositories, instances };
}

runRepositoryConformance('memory', createSubject, {
  ...objectStoreHooks<MemorySubject>({
    entity: (subject, entity) => subject.instances[entity].stores.entity,
    content: (subject) => subject.instances.document.stores.content!,
  }),
});

runRepositoryConformance(
  'memory, one entity kind',
  async () => {
    const instance = await memoryPlugin.create({}, contextFor('policy'));
    return { repositories: { policy: instance.repository as Repositories['policy'] } };
  },
  { entities: ['policy'] },
);

describe('repository-memory plugin', () => {
  it('declares a repository plugin of type memory with a strict options schema', () => {
    expect(memoryPlugin.kind).toBe('repository');
    expect(memoryPlugin.type).toBe('memory');
    expect(memoryPlugin.optionsSchema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      additionalProperties: false,
    });
  });

  it('refuses to create an instance without an entity kind', async () => {
    const { entity: _entity, ...context } = contextFor('policy');
    await expect(async () => memoryPlugin.create({}, context)).rejects.toMatchObject({
      code: 'JULEE_INPUT_INVALID',
    });
  });

  it('keeps the data of separate instances apart', async () => {
    const first = await createSubject();
    const second = await createSubject();
    const policy = {
      policy_id: 'policy-apart',
      title: 'Apart',
      description: 'Kept apart',
      status: 'active' as const,
      validation_scores: [['query-a', 50] as const],
      transformation_queries: null,
      version: '0.1.0',
      created_at: null,
      updated_at: null,
    };
    await first.repositories.policy.save(policy);
    expect(await second.repositories.policy.get('policy-apart')).toBeNull();
  });

  it('reports itself healthy', async () => {
    const instance = await memoryPlugin.create({}, contextFor('document'));
    expect(await instance.health?.()).toEqual({ status: 'ok' });
  });
});
