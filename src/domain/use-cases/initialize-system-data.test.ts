import { beforeEach, describe, expect, it } from 'vitest';
import { InputError, NotFoundError, StorageError } from '../../errors/julee-error.js';
import type { ByteSource } from '../repositories.js';
import {
  bytesOf,
  createFakeRepositories,
  FakeClock,
  SequentialIdGenerator,
  type FakeRepositories,
} from '../testing-fakes.js';
import {
  FixtureLoadError,
  InitializeSystemDataUseCase,
  type FixtureSource,
} from './initialize-system-data.js';

/** Fixture files held in memory: parsed data by name, and content files as text. */
class MemoryFixtureSource implements FixtureSource {
  readonly location = 'memory:fixtures';
  readonly opened: string[] = [];

  constructor(
    readonly data: Record<string, unknown>,
    readonly files: Record<string, string> = {},
  ) {}

  readData(name: string): Promise<unknown> {
    const value = this.data[name];
    return value instanceof Error ? Promise.reject(value) : Promise.resolve(value);
  }

  openBytes(name: string): Promise<ByteSource> {
    this.opened.push(name);
    const text = this.files[name];
    if (text === undefined) return Promise.reject(new NotFoundError(`No content file ${name}`));
    return Promise.resolve(bytesOf(text));
  }
}

const configs = {
  knowledge_services: [
    { knowledge_service_id: 'ks-a', name: 'A', description: 'Service A', service_api: 'scripted' },
  ],
};
const queries = {
  knowledge_service_queries: [
    { query_id: 'q-info', name: 'Info', knowledge_service_id: 'ks-a', prompt: 'Extract info' },
    { query_id: 'q-score', name: 'Score', knowledge_service_id: 'ks-a', prompt: 'Score it' },
  ],
};
const documents = {
  documents: [
    {
      document_id: 'doc-inline',
      original_filename: 'inline.txt',
      content_type: 'text/plain',
      content: 'inline text',
    },
    { document_id: 'doc-file', original_filename: 'transcript.txt', content_type: 'text/plain' },
  ],
};
const specs = {
  assembly_specifications: [
    {
      assembly_specification_id: 'spec-a',
      name: 'Spec',
      applicability: 'Anything',
      jsonschema: { type: 'object', properties: { info: { type: 'object' } } },
      knowledge_service_queries: { '/properties/info': 'q-info' },
    },
  ],
};
const policies = {
  policies: [
    { policy_id: 'policy-a', title: 'P', description: 'D', validation_scores: [['q-score', 60]] },
  ],
};

function goodData(): Record<string, unknown> {
  return {
    'knowledge_service_configs.yaml': configs,
    'knowledge_service_queries.yaml': queries,
    'documents.yaml': documents,
    'assembly_specifications.json': specs,
    'policies.yaml': policies,
  };
}

let clock: FakeClock;
let repositories: FakeRepositories;

function initializer(source: FixtureSource) {
  return new InitializeSystemDataUseCase(
    { repositories, clock, ids: new SequentialIdGenerator() },
    source,
  );
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  clock = new FakeClock('2026-04-01T00:00:00.000Z');
  repositories = createFakeRepositories(clock);
});

describe('InitializeSystemDataUseCase', () => {
  it('loads every kind of fixture in dependency order', async () => {
    const source = new MemoryFixtureSource(goodData(), { 'transcript.txt': 'We met.' });
    const result = await initializer(source).execute();
    expect(result.problems).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(result.created.map((e) => `${e.entity}:${e.id}`)).toEqual([
      'knowledge_service_config:ks-a',
      'knowledge_service_query:q-info',
      'knowledge_service_query:q-score',
      'document:doc-inline',
      'document:doc-file',
      'assembly_specification:spec-a',
      'policy:policy-a',
    ]);
    const file = await repositories.document.get('doc-file');
    expect(file).toMatchObject({ size_bytes: 7, status: 'captured' });
    expect((await repositories.document.get('doc-inline'))?.size_bytes).toBe(11);
    expect((await repositories.assembly_specification.get('spec-a'))?.created_at).toBe(
      '2026-04-01T00:00:00.000Z',
    );
  });

  it('leaves existing entities alone on a second run', async () => {
    const source = new MemoryFixtureSource(goodData(), { 'transcript.txt': 'We met.' });
    await initializer(source).execute();
    const changed = { ...(await repositories.policy.get('policy-a'))!, title: 'Edited by a user' };
    await repositories.policy.save(changed);
    const savesBefore = repositories.policy.saves + repositories.document.saves;
    source.opened.length = 0;

    const again = await initializer(source).execute();
    expect(again.created).toEqual([]);
    expect(again.existing).toHaveLength(7);
    expect(again.problems).toEqual([]);
    expect(repositories.policy.saves + repositories.document.saves).toBe(savesBefore);
    expect(source.opened).toEqual([]);
    expect((await repositories.policy.get('policy-a'))?.title).toBe('Edited by a user');
  });

  it('reports every broken entry with its file, index and id, and loads the rest', async () => {
    const data = goodData();
    data['knowledge_service_queries.yaml'] = {
      knowledge_service_queries: [
        ...queries.knowledge_service_queries,
        { query_id: 'q-bad', name: 'Bad', knowledge_service_id: 'ks-missing', prompt: 'x' },
        { name: 'No id' },
        { query_id: 'q-info', name: 'Again', knowledge_service_id: 'ks-a', prompt: 'x' },
        { query_id: 'q-meta', name: 'M', knowledge_service_id: 'ks-a', prompt: 'x', metadata: {} },
      ],
    };
    data['documents.yaml'] = {
      documents: [
        ...documents.documents,
        {
          document_id: 'doc-nofile',
          original_filename: 'absent.pdf',
          content_type: 'application/pdf',
        },
        {
          document_id: 'doc-empty',
          original_filename: 'e.txt',
          content_type: 'text/plain',
          content: '',
        },
        { document_id: 'doc-escape', original_filename: 'x', content_file: '../secrets.txt' },
      ],
    };
    const source = new MemoryFixtureSource(data, { 'transcript.txt': 'We met.' });

    const result = await initializer(source).execute({ failOnError: false });

    expect(result.problems.map((p) => [p.file, p.index, p.id])).toEqual([
      ['knowledge_service_queries.yaml', 2, 'q-bad'],
      ['knowledge_service_queries.yaml', 3, null],
      ['knowledge_service_queries.yaml', 4, 'q-info'],
      ['knowledge_service_queries.yaml', 5, 'q-meta'],
      ['documents.yaml', 2, 'doc-nofile'],
      ['documents.yaml', 3, 'doc-empty'],
      ['documents.yaml', 4, 'doc-escape'],
    ]);
    const messages = result.problems.map((p) => p.message);
    expect(messages[0]).toBe(
      '/knowledge_service_id refers to knowledge service config "ks-missing", which does not exist',
    );
    expect(messages[1]).toBe('must be a mapping with a string "query_id"');
    expect(messages[2]).toBe('repeats the id of entry 0');
    expect(messages[3]).toContain('/metadata is not a known field');
    expect(result.problems[3]?.violations).toEqual([
      { path: '/metadata', message: 'is not a known field' },
    ]);
    expect(messages[4]).toBe('No content file absent.pdf');
    expect(messages[5]).toContain('has no content');
    expect(messages[6]).toContain('named plainly, inside the fixture directory');
    expect(result.created).toHaveLength(7);
    expect(await repositories.knowledge_service_query.get('q-bad')).toBeNull();
  });

  it('throws one FixtureLoadError listing all problems by default', async () => {
    const data = goodData();
    data['policies.yaml'] = {
      policies: [
        { policy_id: 'p1', title: 'P', description: 'D', validation_scores: [] },
        { policy_id: 'p2', title: 'P', description: 'D', validation_scores: [['q-nope', 101]] },
      ],
    };
    const error = await rejection(
      initializer(new MemoryFixtureSource(data, { 'transcript.txt': 't' })).execute(),
    );
    expect(error).toBeInstanceOf(FixtureLoadError);
    const loadError = error as FixtureLoadError;
    expect(loadError.code).toBe('JULEE_FIXTURES_INVALID');
    expect(loadError.message).toBe(
      'Fixtures in memory:fixtures have 2 problem(s): ' +
        'policies.yaml entry 0 (id "p1"): Invalid policy "p1": /validation_scores must have at least 1 item(s); ' +
        'policies.yaml entry 1 (id "p2"): Invalid policy "p2": /validation_scores/0/1 must be <= 100',
    );
    expect(loadError.details?.['problems']).toHaveLength(2);
    expect(await repositories.assembly_specification.get('spec-a')).not.toBeNull();
  });

  it('reports a file that does not parse or has the wrong shape', async () => {
    const data = goodData();
    data['knowledge_service_configs.yaml'] = new InputError('Cannot parse x: 3:5 bad indentation');
    data['documents.yaml'] = { docs: [] };
    data['policies.yaml'] = { policies: { policy_id: 'p' } };
    const result = await initializer(new MemoryFixtureSource(data)).execute({ failOnError: false });
    expect(result.problems.map((p) => [p.file, p.index, p.message])).toEqual([
      ['knowledge_service_configs.yaml', null, 'Cannot parse x: 3:5 bad indentation'],
      // Without the configs, the queries refer to a service that does not exist.
      expect.arrayContaining(['knowledge_service_queries.yaml', 0]),
      expect.arrayContaining(['knowledge_service_queries.yaml', 1]),
      [
        'documents.yaml',
        null,
        'must be a mapping with the key "documents" holding a list of entries',
      ],
      expect.arrayContaining(['assembly_specifications.json', 0]),
      ['policies.yaml', null, '"policies" must be a list of entries'],
    ]);
  });

  it('skips missing files but reports a source with none', async () => {
    const data = goodData();
    delete data['policies.yaml'];
    delete data['assembly_specifications.json'];
    data['assembly_specifications.yaml'] = specs;
    const partial = await initializer(
      new MemoryFixtureSource(data, { 'transcript.txt': 't' }),
    ).execute();
    expect(partial.missing).toEqual(['policies.yaml']);
    expect(partial.created.find((e) => e.id === 'spec-a')?.file).toBe(
      'assembly_specifications.yaml',
    );

    const error = await rejection(initializer(new MemoryFixtureSource({})).execute());
    expect(error.message).toMatch(/memory:fixtures: no fixture files found/);
  });

  it('lets storage failures through instead of reporting them as fixture problems', async () => {
    const source = new MemoryFixtureSource(goodData(), { 'transcript.txt': 't' });
    repositories.policy.save = () => Promise.reject(new StorageError('disk full'));
    const error = await rejection(initializer(source).execute({ failOnError: false }));
    expect(error).toBeInstanceOf(StorageError);
  });
});
