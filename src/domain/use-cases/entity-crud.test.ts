import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, InputError, NotFoundError } from '../../errors/julee-error.js';
import {
  bytesOf,
  createFakeRepositories,
  FakeClock,
  SequentialIdGenerator,
  type FakeRepositories,
} from '../testing-fakes.js';
import { CaptureDocumentUseCase } from './capture-document.js';
import {
  CreateEntityUseCase,
  DeleteEntityUseCase,
  GetEntityUseCase,
  ListEntitiesUseCase,
  UpdateEntityUseCase,
} from './entity-crud.js';
import type { UseCaseDeps } from './use-case-deps.js';

let clock: FakeClock;
let repositories: FakeRepositories;
let deps: UseCaseDeps;

const config = {
  name: 'Claude',
  description: 'Extraction',
  service_api: 'anthropic',
};

beforeEach(() => {
  clock = new FakeClock('2026-02-01T10:00:00.000Z');
  repositories = createFakeRepositories(clock);
  deps = { repositories, clock, ids: new SequentialIdGenerator() };
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('CreateEntityUseCase', () => {
  it('generates a prefixed id, sets the timestamps from the clock and stores the entity', async () => {
    const { entity } = await new CreateEntityUseCase(deps, 'knowledge_service_config').execute({
      data: { ...config, created_at: '1999-01-01T00:00:00Z' },
    });
    expect(entity.knowledge_service_id).toBe('ks-1');
    expect(entity.created_at).toBe('2026-02-01T10:00:00.000Z');
    expect(entity.updated_at).toBe('2026-02-01T10:00:00.000Z');
    expect(entity.default_options).toEqual({});
    expect(await repositories.knowledge_service_config.get('ks-1')).toEqual(entity);
  });

  it('keeps a given id and refuses one that is taken', async () => {
    const create = new CreateEntityUseCase(deps, 'knowledge_service_config');
    const { entity } = await create.execute({
      data: { ...config, knowledge_service_id: ' mine ' },
    });
    expect(entity.knowledge_service_id).toBe('mine');

    const error = await rejection(
      create.execute({ data: { ...config, knowledge_service_id: 'mine' } }),
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe('Knowledge service config already exists: mine');
  });

  it('validates the new entity and stores nothing when it is invalid', async () => {
    const error = await rejection(
      new CreateEntityUseCase(deps, 'knowledge_service_config').execute({
        data: { ...config, service_api: 'Anthropic!' },
      }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('/service_api must be a plugin type');
    expect(repositories.knowledge_service_config.saves).toBe(0);
  });

  it('refuses references to entities that do not exist', async () => {
    const error = await rejection(
      new CreateEntityUseCase(deps, 'policy').execute({
        data: {
          title: 't',
          description: 'd',
          validation_scores: [['missing-query', 50]],
          transformation_queries: ['other-missing'],
        },
      }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).details?.['violations']).toEqual([
      {
        path: '/validation_scores/0',
        message: 'refers to knowledge service query "missing-query", which does not exist',
      },
      {
        path: '/transformation_queries/0',
        message: 'refers to knowledge service query "other-missing", which does not exist',
      },
    ]);
    expect(repositories.policy.saves).toBe(0);
  });

  it('sends documents to capture, which computes size and hash', async () => {
    const error = await rejection(
      new CreateEntityUseCase(deps, 'document').execute({ data: { original_filename: 'a.txt' } }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/CaptureDocumentUseCase/);
  });

  it('works for entities without timestamps', async () => {
    await new CaptureDocumentUseCase(deps).execute({
      document_id: 'doc-a',
      original_filename: 'a.txt',
      content: bytesOf('hello'),
    });
    await new CreateEntityUseCase(deps, 'knowledge_service_config').execute({ data: config });
    await new CreateEntityUseCase(deps, 'knowledge_service_query').execute({
      data: { query_id: 'q', name: 'q', knowledge_service_id: 'ks-1', prompt: 'Score it' },
    });
    await new CreateEntityUseCase(deps, 'policy').execute({
      data: { policy_id: 'p', title: 't', description: 'd', validation_scores: [['q', 50]] },
    });
    const { entity } = await new CreateEntityUseCase(deps, 'document_policy_validation').execute({
      data: { input_document_id: 'doc-a', policy_id: 'p' },
    });
    expect(entity.validation_id).toMatch(/^validation-\d+$/);
    expect('created_at' in entity).toBe(false);
    expect(entity.status).toBe('pending');
  });
});

describe('GetEntityUseCase', () => {
  it('returns the stored entity', async () => {
    const { entity } = await new CreateEntityUseCase(deps, 'knowledge_service_config').execute({
      data: config,
    });
    expect(
      (await new GetEntityUseCase(deps, 'knowledge_service_config').execute({ id: 'ks-1' })).entity,
    ).toEqual(entity);
  });

  it('throws NotFoundError naming the id', async () => {
    const error = await rejection(
      new GetEntityUseCase(deps, 'assembly_specification').execute({ id: 'spec-9' }),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe('Assembly specification not found: spec-9');
    expect((error as NotFoundError).details).toEqual({
      entity: 'assembly_specification',
      id: 'spec-9',
    });
  });

  it('refuses hostile ids before asking the repository', async () => {
    const error = await rejection(new GetEntityUseCase(deps, 'policy').execute({ id: '../etc' }));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^Invalid policy id "..\/etc"/);
  });
});

describe('UpdateEntityUseCase', () => {
  beforeEach(async () => {
    await new CreateEntityUseCase(deps, 'knowledge_service_config').execute({ data: config });
  });

  it('applies the changes, validates again and moves updated_at only', async () => {
    clock.advance(60_000);
    const { entity } = await new UpdateEntityUseCase(deps, 'knowledge_service_config').execute({
      id: 'ks-1',
      changes: { name: ' Claude Sonnet ', default_options: { model: 'claude-sonnet-4-5' } },
    });
    expect(entity.name).toBe('Claude Sonnet');
    expect(entity.default_options).toEqual({ model: 'claude-sonnet-4-5' });
    expect(entity.created_at).toBe('2026-02-01T10:00:00.000Z');
    expect(entity.updated_at).toBe('2026-02-01T10:01:00.000Z');
  });

  it('rejects a change that breaks a rule and keeps the stored entity', async () => {
    const update = new UpdateEntityUseCase(deps, 'knowledge_service_config');
    const error = await rejection(
      update.execute({ id: 'ks-1', changes: { default_options: { max_tokens: 0 } } }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('/default_options/max_tokens must be >= 1');
    expect((await repositories.knowledge_service_config.get('ks-1'))?.default_options).toEqual({});
  });

  it('throws NotFoundError for a missing entity', async () => {
    const error = await rejection(
      new UpdateEntityUseCase(deps, 'knowledge_service_config').execute({
        id: 'ks-2',
        changes: { name: 'x' },
      }),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe('Knowledge service config not found: ks-2');
  });

  it('never lets a document change its size or hash', async () => {
    const { document } = await new CaptureDocumentUseCase(deps).execute({
      original_filename: 'a.txt',
      content: bytesOf('hello'),
    });
    const update = new UpdateEntityUseCase(deps, 'document');
    const error = await rejection(
      update.execute({ id: document.document_id, changes: { size_bytes: 99 } }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('/size_bytes is computed from the content');

    const { entity } = await update.execute({
      id: document.document_id,
      changes: { ...document, status: 'registered' },
    });
    expect(entity.status).toBe('registered');
    expect(entity.size_bytes).toBe(5);
  });
});

describe('DeleteEntityUseCase', () => {
  it('deletes the entity and reports a missing one', async () => {
    await new CreateEntityUseCase(deps, 'knowledge_service_config').execute({ data: config });
    const remove = new DeleteEntityUseCase(deps, 'knowledge_service_config');
    expect(await remove.execute({ id: 'ks-1' })).toEqual({ id: 'ks-1' });
    expect(await repositories.knowledge_service_config.get('ks-1')).toBeNull();
    const error = await rejection(remove.execute({ id: 'ks-1' }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe('Knowledge service config not found: ks-1');
  });
});

describe('ListEntitiesUseCase', () => {
  beforeEach(async () => {
    const create = new CreateEntityUseCase(deps, 'knowledge_service_config');
    for (const id of ['e', 'a', 'd', 'b', 'c']) {
      await create.execute({ data: { ...config, knowledge_service_id: id } });
    }
  });

  it('pages through the entities in id order with the totals', async () => {
    const list = new ListEntitiesUseCase(deps, 'knowledge_service_config');
    const first = await list.execute({ page: 1, size: 2 });
    expect(first.items.map((c) => c.knowledge_service_id)).toEqual(['a', 'b']);
    expect({ ...first, items: undefined }).toEqual({
      items: undefined,
      total: 5,
      page: 1,
      size: 2,
      pages: 3,
    });
    const last = await list.execute({ page: 3, size: 2 });
    expect(last.items.map((c) => c.knowledge_service_id)).toEqual(['e']);
    const beyond = await list.execute({ page: 4, size: 2 });
    expect(beyond.items).toEqual([]);
    expect(beyond.total).toBe(5);
  });

  it('uses page 1 and size 50 by default', async () => {
    const page = await new ListEntitiesUseCase(deps, 'knowledge_service_config').execute();
    expect(page.items).toHaveLength(5);
    expect([page.page, page.size, page.pages]).toEqual([1, 50, 1]);
  });

  it('reports no pages for no items', async () => {
    expect(await new ListEntitiesUseCase(deps, 'policy').execute()).toEqual({
      items: [],
      total: 0,
      page: 1,
      size: 50,
      pages: 0,
    });
  });

  it('rejects page numbers and sizes out of range', async () => {
    const list = new ListEntitiesUseCase(deps, 'knowledge_service_config');
    const error = await rejection(list.execute({ page: 0, size: 101 }));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).details?.['violations']).toEqual([
      { path: '/page', message: 'must be an integer >= 1' },
      { path: '/size', message: 'must be an integer from 1 to 100' },
    ]);
    await expect(list.execute({ size: 1.5 })).rejects.toThrow(InputError);
  });
});
