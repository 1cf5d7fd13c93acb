import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import anthropicPlugin from '../../plugins/service-anthropic/index.js';
import openaiPlugin from '../../plugins/service-openai/index.js';
import { knowledgeServiceResolver } from '../../src/domain/assembly/service-resolver.js';
import type { JsonObject, JsonValue } from '../../src/domain/entities.js';
import { validateEntity } from '../../src/domain/entity-validation.js';
import type { KnowledgeService } from '../../src/domain/knowledge-service.js';
import type { ProvenanceRecord } from '../../src/domain/provenance.js';
import {
  bytesOf,
  createFakeRepositories,
  FakeClock,
  SequentialIdGenerator,
  type FakeRepositories,
} from '../../src/domain/testing-fakes.js';
import { ExtractAssembleDataUseCase } from '../../src/domain/use-cases/extract-assemble.js';
import { FakeAnthropicServer } from '../support/fake-anthropic-server.js';
import type { FakeHttpServer, FakeReply, RecordedRequest } from '../support/fake-http.js';
import { turnsOf } from '../support/fake-knowledge-adapters.js';
import { FakeOpenAIServer } from '../support/fake-openai-server.js';
import { fakePluginContext, validOptions } from '../support/fake-plugin-context.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** Answers as a real model gives them for the wrapped per-pointer schemas. */
const ANSWERS = {
  meetingInfo: {
    meeting_info: {
      title: 'Q1 Planning Meeting',
      date: '2026-01-12',
      start_time: '09:30',
      end_time: '10:45',
      attendees: [
        { name: 'Maria Chen', role: 'Product Manager' },
        { name: 'Tom Okafor', role: 'Engineering Lead' },
        { name: 'Priya Nair', role: 'UX Designer' },
        { name: 'Luis Romero', role: 'QA Lead' },
      ],
    },
  },
  agendaItems: {
    agenda_items: [
      {
        topic: 'Mobile release',
        discussion_points: ['Battery use of offline sync is too high on older phones'],
        decisions: ['Ship on March 3rd'],
      },
    ],
  },
  actionItems: {
    action_items: [
      {
        task: 'Profile the sync service',
        assignee: 'Tom Okafor',
        due_date: '2026-01-23',
        priority: 'high',
      },
    ],
  },
  dpp: {
    type: ['VerifiableCredential', 'DigitalProductPassport'],
    issuer: { id: 'https://northgate.example.com/', name: 'Northgate Building Systems Pty Ltd' },
    credentialSubject: {
      product: {
        id: 'https://northgate.example.com/products/sp100',
        name: 'ThermaCore SP100 Insulated Wall Panel',
      },
    },
  },
} satisfies Record<string, JsonValue>;

/** Breaks the schema (attendees must be a list): the model is asked again with the errors. */
const BROKEN_MEETING_INFO = {
  meeting_info: { title: 'Q1 Planning Meeting', date: '2026-01-12', attendees: 'Maria, Tom' },
};

/** Which demo query a model call belongs to, from its prompt. */
function answerFor(request: RecordedRequest, repairMeetingInfo: boolean): FakeReply {
  const turns = turnsOf(request).filter((turn) => turn.role === 'user');
  const prompt = turns[0]?.text ?? '';
  const reAsked = turns.length > 1;
  const json = (value: JsonValue): FakeReply => ({ kind: 'text', text: JSON.stringify(value) });
  if (prompt.includes("extract the meeting's title")) {
    return json(repairMeetingInfo && !reAsked ? BROKEN_MEETING_INFO : ANSWERS.meetingInfo);
  }
  if (prompt.includes('list the agenda items')) return json(ANSWERS.agendaItems);
  if (prompt.includes('list every action item')) return json(ANSWERS.actionItems);
  if (prompt.includes('produce a Digital Product Passport')) return json(ANSWERS.dpp);
  return { kind: 'error', status: 400, message: 'the fake does not know this prompt' };
}

interface ProviderCase {
  readonly type: 'anthropic' | 'openai';
  readonly label: string;
  readonly model: string;
  readonly start: () => Promise<FakeHttpServer & { url: string }>;
  readonly modelRequests: (server: FakeHttpServer) => RecordedRequest[];
  readonly create: (
    url: string,
  ) => Promise<{ service: KnowledgeService; stop: () => Promise<void> }>;
}

const PROVIDERS: ProviderCase[] = [
  {
    type: 'anthropic',
    label: 'anthropic (Messages and Files APIs)',
    model: 'claude-sonnet-4-5',
    start: () => FakeAnthropicServer.start(),
    modelRequests: (server) => (server as FakeAnthropicServer).messageRequests,
    async create(url) {
      const options = validOptions(anthropicPlugin, { api_key: 'sk-ant-test', base_url: url });
      const instance = await anthropicPlugin.create(options, fakePluginContext('knowledge'));
      return { service: instance.knowledge!, stop: async () => instance.stop?.() };
    },
  },
  ...(['chat_completions', 'responses'] as const).map((api): ProviderCase => ({
    type: 'openai',
    label: `openai (${api})`,
    model: 'gpt-4.1',
    start: () => FakeOpenAIServer.start(),
    modelRequests: (server) => (server as FakeOpenAIServer).modelRequests,
    async create(url) {
      const options = validOptions(openaiPlugin, { api_key: 'sk-test', base_url: url, api });
      const instance = await openaiPlugin.create(options, fakePluginContext('knowledge'));
      return { service: instance.knowledge!, stop: async () => instance.stop?.() };
    },
  })),
];

async function yamlList(file: string, key: string): Promise<Record<string, unknown>[]> {
  const data = parseYaml(await readFile(`${FIXTURES}${file}`, 'utf8')) as Record<string, unknown>;
  return data[key] as Record<string, unknown>[];
}

/** The demo fixtures, with the demo knowledge service pointed at the provider under test. */
async function loadDemo(repositories: FakeRepositories, provider: ProviderCase): Promise<void> {
  for (const config of await yamlList('knowledge_service_configs.yaml', 'knowledge_services')) {
    const options = config['default_options'] as JsonObject;
    await repositories.knowledge_service_config.save(
      validateEntity('knowledge_service_config', {
        ...config,
        service_api: provider.type,
        default_options: { ...options, model: provider.model },
      }),
    );
  }
  for (const query of await yamlList(
    'knowledge_service_queries.yaml',
    'knowledge_service_queries',
  )) {
    await repositories.knowledge_service_query.save(
      validateEntity('knowledge_service_query', query),
    );
  }
  const specs = JSON.parse(await readFile(`${FIXTURES}assembly_specifications.json`, 'utf8')) as {
    assembly_specifications: Record<string, unknown>[];
  };
  for (const spec of specs.assembly_specifications) {
    await repositories.assembly_specification.save(validateEntity('assembly_specification', spec));
  }
  const documents: [string, string, string][] = [
    ['meeting-transcript-q1-planning', 'q1_planning_meeting.txt', 'text/plain; charset=utf-8'],
    ['product-spec-sheet', 'product-spec-sheet-v17.pdf', 'application/pdf'],
  ];
  for (const [documentId, filename, contentType] of documents) {
    const stored = await repositories.document.putContent(
      bytesOf(await readFile(`${FIXTURES}${filename}`)),
    );
    await repositories.document.save(
      validateEntity('document', {
        document_id: documentId,
        original_filename: filename,
        content_type: contentType,
        ...stored,
      }),
    );
  }
}

async function contentOf(repositories: FakeRepositories, documentId: string): Promise<unknown> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await repositories.document.openContent(documentId)) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

describe.each(PROVIDERS)('extract-assemble with the $label plugin', (provider) => {
  let server: FakeHttpServer & { url: string };

  beforeAll(async () => {
    server = await provider.start();
  });
  afterAll(async () => {
    await server.close();
  });

  async function setUp(repairMeetingInfo = false) {
    server.reset();
    server.otherwise((request) => answerFor(request, repairMeetingInfo));
    const clock = new FakeClock();
    const repositories = createFakeRepositories(clock);
    await loadDemo(repositories, provider);
    const { service, stop } = await provider.create(server.url);
    const useCase = new ExtractAssembleDataUseCase({
      repositories,
      clock,
      ids: new SequentialIdGenerator(),
      knowledgeServices: knowledgeServiceResolver([
        { name: 'knowledge', type: provider.type, service },
      ]),
    });
    return { repositories, useCase, stop };
  }

  it('assembles the demo meeting minutes from wrapped answers', async () => {
    const { repositories, useCase, stop } = await setUp();
    try {
      const { assembly, provenance } = await useCase.execute({
        document_id: 'meeting-transcript-q1-planning',
        assembly_specification_id: 'meeting-minutes-assembly',
      });
      expect(assembly.status).toBe('completed');
      expect(await contentOf(repositories, assembly.assembled_document_id!)).toEqual({
        ...ANSWERS.meetingInfo,
        ...ANSWERS.agendaItems,
        ...ANSWERS.actionItems,
      });
      expect(provider.modelRequests(server)).toHaveLength(3);
      expect(provenance.queries.map((q) => [q.status, q.provider, q.model])).toEqual(
        Array.from({ length: 3 }, () => ['succeeded', provider.type, provider.model]),
      );
      expect(provenance.usage['input_tokens']).toBeGreaterThan(0);
      expect(provenance.registrations).toHaveLength(1);
    } finally {
      await stop();
    }
  });

  it('repairs a schema-violating answer with one re-ask', async () => {
    const { repositories, useCase, stop } = await setUp(true);
    try {
      const { assembly } = await useCase.execute({
        document_id: 'meeting-transcript-q1-planning',
        assembly_specification_id: 'meeting-minutes-assembly',
      });
      expect(assembly.status).toBe('completed');
      const assembled = (await contentOf(
        repositories,
        assembly.assembled_document_id!,
      )) as JsonObject;
      expect(assembled['meeting_info']).toEqual(ANSWERS.meetingInfo.meeting_info);

      const requests = provider.modelRequests(server);
      expect(requests).toHaveLength(4);
      const reAsk = requests.map(turnsOf).find((turns) => turns.length > 1)!;
      expect(reAsk.at(-1)!.text).toContain('/meeting_info/attendees');
      const provenance = assembly.provenance as unknown as ProvenanceRecord;
      const meetingInfo = provenance.queries.find(
        (q) => q.schema_pointer === '/properties/meeting_info',
      )!;
      expect(meetingInfo.re_asks).toBe(1);
      expect(meetingInfo.attempts.map((a) => a.errors.length > 0)).toEqual([true, false]);
      expect(JSON.parse(meetingInfo.attempts[0]!.raw_text)).toEqual(BROKEN_MEETING_INFO);
    } finally {
      await stop();
    }
  });

  it('assembles the demo Digital Product Passport from the PDF spec sheet', async () => {
    const { repositories, useCase, stop } = await setUp();
    try {
      const { assembly } = await useCase.execute({
        document_id: 'product-spec-sheet',
        assembly_specification_id: 'dpp-0.6.0-assembly',
      });
      expect(assembly.status).toBe('completed');
      expect(await contentOf(repositories, assembly.assembled_document_id!)).toEqual(ANSWERS.dpp);
      expect(server.requests.filter((r) => r.upload !== undefined)).toHaveLength(1);
    } finally {
      await stop();
    }
  });
});
