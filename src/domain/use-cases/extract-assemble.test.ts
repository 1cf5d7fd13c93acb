import { describe, expect, it } from 'vitest';
import fixtureSpecifications from '../../../fixtures/assembly_specifications.json' with { type: 'json' };
import { InputError, NotFoundError } from '../../errors/julee-error.js';
import {
  FakeKnowledgeService,
  type FakeReplyPlan,
} from '../../../test/support/fake-knowledge-service.js';
import { knowledgeServiceResolver } from '../assembly/service-resolver.js';
import { multihashOf } from '../content-hash.js';
import type { Assembly, AssemblySpecification, JsonObject, JsonValue } from '../entities.js';
import { validateEntity } from '../entity-validation.js';
import type { QueryRequest } from '../knowledge-service.js';
import type { ProvenanceRecord } from '../provenance.js';
import { StaticRemoteSchemaRepository, type RemoteSchemaRepository } from '../remote-schema.js';
import {
  bytesOf,
  createFakeRepositories,
  FakeClock,
  SequentialIdGenerator,
} from '../testing-fakes.js';
import { ExtractAssembleDataUseCase, type ExtractAssembleDataRequest } from './extract-assemble.js';

type SpecInput = Partial<AssemblySpecification> & {
  jsonschema: JsonObject;
  knowledge_service_queries: Record<string, string>;
};

const TRANSCRIPT = 'Q1 planning meeting, 12 January 2026. Present: Ana (chair), Ben (engineering).';

const meetingSpec = fixtureSpecifications.assembly_specifications.find(
  (s) => s.assembly_specification_id === 'meeting-minutes-assembly',
)! as unknown as SpecInput;

/** Answers shaped as a real model answers the wrapped per-pointer schemas. */
const MEETING_ANSWERS: Record<string, JsonValue> = {
  'extract-meeting-info-query': {
    meeting_info: {
      title: 'Q1 planning',
      date: '2026-01-12',
      start_time: '09:00',
      end_time: '10:30',
      attendees: [
        { name: 'Ana', role: 'chair' },
        { name: 'Ben', role: 'engineering' },
      ],
    },
  },
  'extract-agenda-items-query': {
    agenda_items: [
      { topic: 'Roadmap', discussion_points: ['Mobile first'], decisions: ['Ship offline mode'] },
    ],
  },
  'extract-action-items-query': {
    action_items: [
      { task: 'Draft the plan', assignee: 'Ben', due_date: '2026-01-30', priority: 'high' },
    ],
  },
};

interface HarnessOptions {
  readonly spec?: SpecInput;
  /** Query id → reply; the prompt of each query is "prompt of <query id>". */
  readonly replies?: Record<string, FakeReplyPlan>;
  readonly remote?: RemoteSchemaRepository;
  readonly limit?: number;
}

async function harness(options: HarnessOptions = {}) {
  const clock = new FakeClock();
  const repositories = createFakeRepositories(clock);
  const ids = new SequentialIdGenerator();
  const spec = options.spec ?? meetingSpec;
  const replies = options.replies ?? answersOf(MEETING_ANSWERS);
  const service = new FakeKnowledgeService((request: QueryRequest) => {
    const queryId = request.prompt.replace('prompt of ', '');
    const reply = replies[queryId];
    if (reply === undefined) throw new Error(`no reply for ${queryId}`);
    return reply;
  });

  await repositories.knowledge_service_config.save(
    validateEntity('knowledge_service_config', {
      knowledge_service_id: 'ks-fake',
      name: 'Fake',
      description: 'A fake knowledge service',
      service_api: 'fake',
      service_instance: null,
      default_options: { model: 'fake-large', max_tokens: 2000, temperature: 0.2 },
    }),
  );
  for (const queryId of new Set(Object.values(spec.knowledge_service_queries))) {
    await repositories.knowledge_service_query.save(
      validateEntity('knowledge_service_query', {
        query_id: queryId,
        name: `Query ${queryId}`,
        knowledge_service_id: 'ks-fake',
        prompt: `prompt of ${queryId}`,
        query_metadata: { max_tokens: 500 },
        assistant_prompt: '{',
      }),
    );
  }
  const stored = await repositories.document.putContent(bytesOf(TRANSCRIPT));
  await repositories.document.save(
    validateEntity('document', {
      document_id: 'transcript',
      original_filename: 'q1.txt',
      content_type: 'text/plain',
      ...stored,
    }),
  );
  await repositories.assembly_specification.save(
    validateEntity('assembly_specification', {
      name: 'Meeting Minutes',
      applicability: 'Meeting transcripts',
      ...spec,
      assembly_specification_id: 'spec-under-test',
    }),
  );

  const assemblyStatuses: string[] = [];
  const saveAssembly = repositories.assembly.save.bind(repositories.assembly);
  repositories.assembly.save = (assembly: Assembly) => {
    assemblyStatuses.push(assembly.status);
    return saveAssembly(assembly);
  };

  const useCase = new ExtractAssembleDataUseCase(
    {
      repositories,
      clock,
      ids,
      knowledgeServices: knowledgeServiceResolver([{ name: 'fake', type: 'fake', service }]),
      ...(options.remote === undefined ? {} : { remoteSchemas: options.remote }),
    },
    options.limit === undefined ? {} : { max_parallel_queries: options.limit },
  );
  const run = (request: Partial<ExtractAssembleDataRequest> = {}) =>
    useCase.execute({
      document_id: 'transcript',
      assembly_specification_id: 'spec-under-test',
      ...request,
    });
  const onlyAssembly = () => [...repositories.assembly.records.values()][0]!;
  const contentOf = async (documentId: string) => {
    let text = '';
    for await (const chunk of await repositories.document.openContent(documentId)) {
      text += new TextDecoder().decode(chunk);
    }
    return text;
  };
  return { repositories, service, run, assemblyStatuses, onlyAssembly, contentOf, clock };
}

function answersOf(answers: Record<string, JsonValue>): Record<string, FakeReplyPlan> {
  return Object.fromEntries(Object.entries(answers).map(([id, answer]) => [id, { answer }]));
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the assembly to fail');
}

describe('ExtractAssembleDataUseCase', () => {
  it('assembles the meeting-minutes specification from wrapped answers, as a real model gives them', async () => {
    const h = await harness();
    const { assembly, provenance } = await h.run({ execution_id: 'wf-1' });

    expect(assembly.status).toBe('completed');
    expect(h.assemblyStatuses).toEqual(['in_progress', 'completed']);
    const output = (await h.repositories.document.get(assembly.assembled_document_id!))!;
    expect(output).toMatchObject({
      original_filename: 'assembled_Meeting_Minutes.json',
      content_type: 'application/json',
      status: 'assembled',
      additional_metadata: { assembly_id: assembly.assembly_id, input_document_id: 'transcript' },
    });
    const text = await h.contentOf(output.document_id);
    expect(JSON.parse(text)).toEqual({
      meeting_info: (MEETING_ANSWERS['extract-meeting-info-query'] as JsonObject)['meeting_info'],
      agenda_items: (MEETING_ANSWERS['extract-agenda-items-query'] as JsonObject)['agenda_items'],
      action_items: (MEETING_ANSWERS['extract-action-items-query'] as JsonObject)['action_items'],
    });
    expect(text).toBe(JSON.stringify(JSON.parse(text), null, 2));
    expect(provenance.output?.content_multihash).toBe(multihashOf(text));
    expect(assembly.provenance).toEqual(provenance);
  });

  it('sends each query its wrapped standalone schema, the document and the merged options', async () => {
    const h = await harness();
    await h.run();

    const call = h.service.calls.find((c) => c.prompt === 'prompt of extract-meeting-info-query')!;
    expect(call.outputSchema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'Meeting Minutes - /properties/meeting_info',
      type: 'object',
      required: ['meeting_info'],
      additionalProperties: false,
    });
    expect(Object.keys(call.outputSchema!['properties'] as JsonObject)).toEqual(['meeting_info']);
    expect(call.options).toEqual({ model: 'fake-large', max_tokens: 500, temperature: 0.2 });
    expect(call.assistantPrompt).toBe('{');
    expect(call.files.map((f) => f.document_id)).toEqual(['transcript']);
    expect(h.service.registerCalls).toBe(1);
    expect(h.service.contentRead.get('transcript')).toBe(TRANSCRIPT);
  });

  it('records the provenance of the run', async () => {
    const h = await harness();
    const { provenance } = await h.run({ execution_id: 'wf-7' });
    const input = (await h.repositories.document.get('transcript'))!;

    expect(provenance).toMatchObject({
      provenance_version: 1,
      execution_id: 'wf-7',
      outcome: 'completed',
      input: { document_id: 'transcript', content_multihash: input.content_multihash },
      specification: { assembly_specification_id: 'spec-under-test', version: '1.0.0' },
      registrations: [{ service_instance: 'fake', document_id: 'transcript' }],
      usage: { input_tokens: 300, output_tokens: 60 },
      error: null,
    });
    expect(provenance.specification.schema_hash).toMatch(/^1220[0-9a-f]{64}$/);
    expect(provenance.specification.schema_source).toEqual({ kind: 'inline' });
    expect(provenance.queries.map((q) => [q.schema_pointer, q.query_id, q.status])).toEqual([
      ['/properties/meeting_info', 'extract-meeting-info-query', 'succeeded'],
      ['/properties/agenda_items', 'extract-agenda-items-query', 'succeeded'],
      ['/properties/action_items', 'extract-action-items-query', 'succeeded'],
    ]);
    const first = provenance.queries[0]!;
    expect(first).toMatchObject({
      prompt_hash: multihashOf('prompt of extract-meeting-info-query'),
      assistant_prompt_hash: multihashOf('{'),
      service_instance: 'fake',
      provider: 'fake-provider',
      model: 'fake-large',
      stop_reason: 'end_turn',
      re_asks: 0,
    });
    expect(JSON.parse(first.attempts[0]!.raw_text)).toEqual(
      MEETING_ANSWERS['extract-meeting-info-query'],
    );
    expect(provenance.timings.finished_at).not.toBeNull();
    expect(Object.keys(provenance.timings.steps)).toEqual(
      expect.arrayContaining(['schema', 'lookups', 'registration', 'queries', 'storage']),
    );
  });

  it('stores nested pointers and ~1/~0 escapes at their data location', async () => {
    const h = await harness({
      spec: {
        jsonschema: {
          type: 'object',
          properties: {
            info: {
              type: 'object',
              properties: { title: { type: 'string' }, 'a/b~c': { type: 'integer' } },
              required: ['title', 'a/b~c'],
              additionalProperties: false,
            },
          },
          required: ['info'],
          additionalProperties: false,
        },
        knowledge_service_queries: {
          '/properties/info/properties/title': 'q-title',
          '/properties/info/properties/a~1b~0c': 'q-escaped',
        },
      },
      replies: answersOf({ 'q-title': { title: 'Kick-off' }, 'q-escaped': { 'a/b~c': 7 } }),
    });
    const { assembly } = await h.run();
    expect(JSON.parse(await h.contentOf(assembly.assembled_document_id!))).toEqual({
      info: { title: 'Kick-off', 'a/b~c': 7 },
    });
  });

  it('merges root and /properties answers and appends list items', async () => {
    const h = await harness({
      spec: {
        jsonschema: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            owner: { type: 'string' },
            tags: { type: 'array', items: { type: 'string' } },
          },
          required: ['name', 'owner', 'tags'],
        },
        knowledge_service_queries: {
          '': 'q-root',
          '/properties': 'q-properties',
          '/properties/tags/items': 'q-more-tags',
        },
      },
      replies: answersOf({
        'q-root': { name: 'root name', tags: ['a'] },
        'q-properties': { owner: 'Ana' },
        'q-more-tags': { tags: ['b', 'c'] },
      }),
    });
    const { assembly } = await h.run();
    expect(JSON.parse(await h.contentOf(assembly.assembled_document_id!))).toEqual({
      name: 'root name',
      tags: ['a', 'b', 'c'],
      owner: 'Ana',
    });
  });

  it('runs independent queries at the same time, up to the limit', async () => {
    const slow = (answer: JsonValue): FakeReplyPlan => ({ answer, delayMs: 25 });
    const replies = Object.fromEntries(
      Object.entries(MEETING_ANSWERS).map(([id, answer]) => [id, slow(answer)]),
    );
    const parallel = await harness({ replies });
    await parallel.run();
    expect(parallel.service.maxInFlight).toBe(3);
    expect(parallel.service.events.map((e) => e.kind)).toEqual([
      'start',
      'start',
      'start',
      'end',
      'end',
      'end',
    ]);

    const sequential = await harness({ replies, limit: 1 });
    await sequential.run();
    expect(sequential.service.maxInFlight).toBe(1);
    expect(sequential.service.events.map((e) => e.kind)).toEqual([
      'start',
      'end',
      'start',
      'end',
      'start',
      'end',
    ]);
    expect(sequential.service.calls.map((c) => c.prompt)).toEqual(
      Object.keys(MEETING_ANSWERS).map((id) => `prompt of ${id}`),
    );
  });

  it('applies answers in mapping order whatever order they arrive in', async () => {
    const h = await harness({
      spec: {
        jsonschema: { type: 'object', properties: { name: { type: 'string' } } },
        knowledge_service_queries: {
          '': 'q-first',
          '/properties': 'q-second',
          '/properties/name': 'q-third',
        },
      },
      replies: {
        'q-first': { answer: { name: 'first' }, delayMs: 40 },
        'q-second': { answer: { name: 'second' }, delayMs: 20 },
        'q-third': { answer: { name: 'third' }, delayMs: 1 },
      },
    });
    const { assembly } = await h.run();
    expect(h.service.events.filter((e) => e.kind === 'end').map((e) => e.prompt)).toEqual([
      'prompt of q-third',
      'prompt of q-second',
      'prompt of q-first',
    ]);
    expect(JSON.parse(await h.contentOf(assembly.assembled_document_id!))).toEqual({
      name: 'third',
    });
  });

  it('resolves a bare $ref through the remote schema repository and bundles its $defs', async () => {
    const url = 'https://schemas.example.org/passport.json';
    const remote = new StaticRemoteSchemaRepository({
      [url]: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $defs: {
          Passport: {
            type: 'object',
            properties: { product: { $ref: '#/$defs/Product' } },
            required: ['product'],
            additionalProperties: false,
          },
          Product: {
            type: 'object',
            properties: { name: { type: 'string' } },
            required: ['name'],
          },
        },
      },
    });
    const h = await harness({
      remote,
      spec: {
        jsonschema: { $ref: `${url}#/$defs/Passport` },
        knowledge_service_queries: { '/properties/product': 'q-product' },
      },
      replies: answersOf({ 'q-product': { product: { name: 'Panel' } } }),
    });
    const { assembly, provenance } = await h.run();

    expect(JSON.parse(await h.contentOf(assembly.assembled_document_id!))).toEqual({
      product: { name: 'Panel' },
    });
    const sent = h.service.calls[0]!.outputSchema!;
    expect(sent['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(sent['$defs'] as JsonObject)).toEqual(['Passport', 'Product']);
    expect(provenance.specification.schema_source).toMatchObject({
      kind: 'remote',
      url,
      fragment: '/$defs/Passport',
    });
    expect(remote.fetched).toEqual([url]);
  });

  it('validates the assembled data against the full schema, formats included', async () => {
    const badDate = structuredClone(MEETING_ANSWERS) as Record<
      string,
      { meeting_info: JsonObject }
    >;
    badDate['extract-meeting-info-query']!.meeting_info = {
      ...badDate['extract-meeting-info-query']!.meeting_info,
      date: 'next Tuesday',
    };
    const h = await harness({ replies: answersOf(badDate) });
    const error = await failure(h.run());

    expect(error).toMatchObject({ code: 'JULEE_ASSEMBLY_RESULT_INVALID' });
    expect(error.message).toContain('/meeting_info/date must match format "date"');
    expect(h.onlyAssembly()).toMatchObject({ status: 'failed', assembled_document_id: null });
    expect(h.onlyAssembly().error_message).toContain('/meeting_info/date');
  });

  it('returns a completed assembly again without asking any model when its id is reused', async () => {
    const h = await harness();
    const first = await h.run({ assembly_id: 'assembly-fixed' });
    const calls = h.service.calls.length;
    const again = await h.run({ assembly_id: 'assembly-fixed' });
    expect(again.assembly).toEqual(first.assembly);
    expect(h.service.calls.length).toBe(calls);
  });

  it('runs draft specifications and records deprecated and inactive ones as failed', async () => {
    const draft = await harness({ spec: { ...meetingSpec, status: 'draft' } });
    await expect(draft.run()).resolves.toMatchObject({ assembly: { status: 'completed' } });

    for (const status of ['deprecated', 'inactive'] as const) {
      const h = await harness({ spec: { ...meetingSpec, status } });
      const error = await failure(h.run());
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain(`is ${status} and cannot be run`);
      expect(h.onlyAssembly()).toMatchObject({ status: 'failed', provenance: null });
      expect(h.onlyAssembly().error_message).toContain(`is ${status} and cannot be run`);
    }
  });

  it('fails with NotFoundError and records a failed assembly when the specification is missing', async () => {
    const h = await harness();
    const error = await failure(h.run({ assembly_specification_id: 'no-such-spec' }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe('Assembly specification not found: no-such-spec');
    expect(h.onlyAssembly()).toMatchObject({
      status: 'failed',
      assembly_specification_id: 'no-such-spec',
      error_message: 'Assembly specification not found: no-such-spec',
    });
  });

  it('refuses to reuse an assembly id that belongs to another document, whatever its status', async () => {
    const h = await harness({ replies: answersOf({ ...MEETING_ANSWERS }) });
    await failure(
      h.run({ assembly_id: 'assembly-shared', assembly_specification_id: 'no-such-spec' }),
    );
    const error = await failure(h.run({ assembly_id: 'assembly-shared' }));
    expect(error).toMatchObject({ code: 'JULEE_CONFLICT' });
  });

  it('marks the assembly cancelled when the caller cancels it', async () => {
    const replies = Object.fromEntries(
      Object.entries(MEETING_ANSWERS).map(([id, answer]) => [id, { answer, delayMs: 5_000 }]),
    );
    const h = await harness({ replies });
    const controller = new AbortController();
    const running = h.run({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stopped by the operator')), 10);
    await failure(running);
    expect(h.onlyAssembly()).toMatchObject({ status: 'cancelled' });
    expect(h.onlyAssembly().error_message).toContain('Assembly cancelled');
  });
});

describe('ExtractAssembleDataUseCase failures', () => {
  type Setup = Awaited<ReturnType<typeof harness>>;
  const cases: [string, HarnessOptions, (h: Setup) => Promise<void> | void, string, string][] = [
    [
      'a query is missing',
      {},
      async (h) => {
        await h.repositories.knowledge_service_query.delete('extract-agenda-items-query');
      },
      'JULEE_NOT_FOUND',
      'Knowledge service query not found: extract-agenda-items-query',
    ],
    [
      'the document is missing',
      {},
      async (h) => {
        await h.repositories.document.delete('transcript');
      },
      'JULEE_NOT_FOUND',
      'Document not found: transcript',
    ],
    [
      'the knowledge service config is missing',
      {},
      async (h) => {
        await h.repositories.knowledge_service_config.delete('ks-fake');
      },
      'JULEE_NOT_FOUND',
      'Knowledge service config not found: ks-fake',
    ],
    [
      'no service instance answers for the config',
      {},
      async (h) => {
        const config = (await h.repositories.knowledge_service_config.get('ks-fake'))!;
        await h.repositories.knowledge_service_config.save({ ...config, service_api: 'other' });
      },
      'JULEE_SERVICE_NOT_CONFIGURED',
      'no service instance of type "other" is configured',
    ],
    [
      'the document cannot be registered',
      {},
      (h) => {
        h.service.registerFile = () => Promise.reject(new Error('upload refused'));
      },
      '',
      'upload refused',
    ],
    [
      'a query fails',
      {
        replies: {
          ...answersOf(MEETING_ANSWERS),
          'extract-agenda-items-query': { answer: new Error('provider is down') },
        },
      },
      () => undefined,
      '',
      'Query extract-agenda-items-query for schema pointer "/properties/agenda_items" failed: provider is down',
    ],
    [
      'an answer lacks the wrapper of its pointer',
      {
        replies: answersOf({
          ...MEETING_ANSWERS,
          'extract-meeting-info-query': { title: 'bare, not wrapped' },
        }),
      },
      () => undefined,
      'JULEE_ASSEMBLY_ANSWER_UNPLACEABLE',
      'the answer has no member "meeting_info"',
    ],
    [
      'a pointer names no data location',
      {
        spec: {
          jsonschema: { type: 'object', $defs: { X: { type: 'object' } } },
          knowledge_service_queries: { '/$defs/X': 'q-x' },
        },
      },
      () => undefined,
      'JULEE_ASSEMBLY_SPECIFICATION_INVALID',
      '"$defs" does not name a place in the data',
    ],
    [
      'the remote schema cannot be fetched',
      {
        remote: new StaticRemoteSchemaRepository(),
        spec: {
          jsonschema: { $ref: 'https://schemas.example.org/missing.json#/$defs/X' },
          knowledge_service_queries: { '/properties/x': 'q-x' },
        },
      },
      () => undefined,
      'JULEE_REMOTE_SCHEMA_NOT_ALLOWED',
      'No schema is registered for URL https://schemas.example.org/missing.json',
    ],
    [
      'the remote fragment names nothing',
      {
        remote: new StaticRemoteSchemaRepository({
          'https://schemas.example.org/s.json': { $defs: {} },
        }),
        spec: {
          jsonschema: { $ref: 'https://schemas.example.org/s.json#/$defs/Missing' },
          knowledge_service_queries: {},
        },
      },
      () => undefined,
      'JULEE_ASSEMBLY_SPECIFICATION_INVALID',
      'its fragment names nothing in the fetched document',
    ],
    [
      'the assembled data misses a required member',
      {
        spec: {
          jsonschema: {
            type: 'object',
            properties: { a: { type: 'string' }, b: { type: 'string' } },
            required: ['a', 'b'],
          },
          knowledge_service_queries: { '/properties/a': 'q-a' },
        },
        replies: answersOf({ 'q-a': { a: 'only a' } }),
      },
      () => undefined,
      'JULEE_ASSEMBLY_RESULT_INVALID',
      '/b is required',
    ],
  ];

  it.each(cases)(
    'leaves the assembly failed with a message when %s',
    async (_name, options, breakIt, code, message) => {
      const h = await harness(options);
      await breakIt(h);
      const error = await failure(h.run());

      if (code !== '') expect(error).toMatchObject({ code });
      const assembly = h.onlyAssembly();
      expect(assembly.status).toBe('failed');
      expect(assembly.error_message).toContain(message);
      expect(h.assemblyStatuses).toEqual(['in_progress', 'failed']);
      const provenance = assembly.provenance as unknown as ProvenanceRecord;
      expect(provenance.outcome).toBe('failed');
      expect(provenance.error?.message).toBe(error.message);
    },
  );

  it('stops the other queries and keeps the failed attempts in the provenance', async () => {
    const h = await harness({
      replies: {
        'extract-meeting-info-query': {
          answer: MEETING_ANSWERS['extract-meeting-info-query']!,
          delayMs: 5_000,
        },
        'extract-agenda-items-query': { answer: new Error('refused'), delayMs: 5 },
        'extract-action-items-query': {
          answer: MEETING_ANSWERS['extract-action-items-query']!,
          delayMs: 5_000,
        },
      },
      limit: 2,
    });
    await failure(h.run());
    const provenance = h.onlyAssembly().provenance as unknown as ProvenanceRecord;
    expect(provenance.queries.map((q) => q.status)).toEqual(['cancelled', 'failed', 'not_run']);
    expect(h.service.calls).toHaveLength(2);
  });
});
