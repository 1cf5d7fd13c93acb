/**
 * Shows that independent queries of one assembly run in parallel: the demo meeting-minutes
 * specification (three independent queries) is assembled with every model call taking 1 s, once
 * with max_parallel_queries 1 (the baseline, as Julee runs them) and once with the default bound.
 * Services: the real `anthropic` plugin (real SDK, real HTTP) against the local fake Anthropic
 * server, and the `scripted` plugin; both answer after the delay.
 *
 *   node --import tsx bench/parallel-queries.ts [--delay-ms 1000] [--services anthropic,scripted]
 *
 * Target (issue 4): about 1 s with the default bound, not 3 s.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import anthropicPlugin from '../plugins/service-anthropic/index.js';
import scriptedPlugin, { type ScriptedServiceOptions } from '../plugins/service-scripted/index.js';
import { knowledgeServiceResolver } from '../src/domain/assembly/service-resolver.js';
import type { JsonObject, JsonValue } from '../src/domain/entities.js';
import { validateEntity } from '../src/domain/entity-validation.js';
import type { KnowledgeService } from '../src/domain/knowledge-service.js';
import {
  bytesOf,
  createFakeRepositories,
  FakeClock,
  SequentialIdGenerator,
  type FakeRepositories,
} from '../src/domain/testing-fakes.js';
import {
  DEFAULT_MAX_PARALLEL_QUERIES,
  ExtractAssembleDataUseCase,
} from '../src/domain/use-cases/extract-assemble.js';
import { FakeAnthropicServer } from '../test/support/fake-anthropic-server.js';
import { turnsOf } from '../test/support/fake-knowledge-adapters.js';
import { fakePluginContext, validOptions } from '../test/support/fake-plugin-context.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const SERVICES = ['anthropic', 'scripted'] as const;
type ServiceName = (typeof SERVICES)[number];

/** The demo queries (recognised by their prompts) and answers shaped like a model's. */
const ANSWERS: [string, JsonValue][] = [
  [
    "extract the meeting's title",
    {
      meeting_info: {
        title: 'Q1 Planning Meeting',
        date: '2026-01-12',
        attendees: [{ name: 'Maria Chen', role: 'Product Manager' }],
      },
    },
  ],
  [
    'list the agenda items',
    { agenda_items: [{ topic: 'Mobile release', discussion_points: [], decisions: [] }] },
  ],
  [
    'list every action item',
    { action_items: [{ task: 'Profile sync', assignee: 'Tom Okafor', priority: 'high' }] },
  ],
];

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1]! : fallback;
}

async function yamlList(file: string, key: string): Promise<Record<string, unknown>[]> {
  const data = parseYaml(await readFile(`${FIXTURES}${file}`, 'utf8')) as Record<string, unknown>;
  return data[key] as Record<string, unknown>[];
}

async function loadDemo(repositories: FakeRepositories, serviceApi: string): Promise<void> {
  for (const config of await yamlList('knowledge_service_configs.yaml', 'knowledge_services')) {
    const options = { ...(config['default_options'] as JsonObject) };
    if (serviceApi === 'scripted') delete options['model'];
    await repositories.knowledge_service_config.save(
      validateEntity('knowledge_service_config', {
        ...config,
        service_api: serviceApi,
        default_options: options,
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
  const stored = await repositories.document.putContent(
    bytesOf(await readFile(`${FIXTURES}q1_planning_meeting.txt`)),
  );
  await repositories.document.save(
    validateEntity('document', {
      document_id: 'meeting-transcript-q1-planning',
      original_filename: 'q1_planning_meeting.txt',
      content_type: 'text/plain; charset=utf-8',
      ...stored,
    }),
  );
}

interface ServiceUnderTest {
  readonly service: KnowledgeService;
  readonly close: () => Promise<void>;
}

async function anthropicService(delayMs: number): Promise<ServiceUnderTest> {
  const server = await FakeAnthropicServer.start();
  server.otherwise((request) => {
    const prompt = turnsOf(request).find((turn) => turn.role === 'user')?.text ?? '';
    const answer = ANSWERS.find(([phrase]) => prompt.includes(phrase))?.[1];
    return answer === undefined
      ? { kind: 'error', status: 400, message: 'unknown prompt' }
      : { kind: 'text', text: JSON.stringify(answer), delayMs };
  });
  const options = validOptions(anthropicPlugin, { api_key: 'sk-ant-bench', base_url: server.url });
  const instance = await anthropicPlugin.create(options, fakePluginContext('anthropic'));
  return {
    service: instance.knowledge!,
    close: async () => {
      await instance.stop?.();
      await server.close();
    },
  };
}

async function scriptedService(delayMs: number): Promise<ServiceUnderTest> {
  const options = validOptions<ScriptedServiceOptions>(scriptedPlugin, {
    rules: ANSWERS.map(([phrase, json]) => ({
      when: { prompt_contains: phrase },
      replies: [{ json, delay_ms: delayMs }],
    })),
  });
  const instance = await scriptedPlugin.create(options, fakePluginContext('scripted'));
  await instance.start?.(new AbortController().signal);
  return { service: instance.knowledge!, close: async () => instance.stop?.() };
}

/** Wall time of one assembly, in ms, with a fresh service (no registration reused). */
async function assemble(name: ServiceName, delayMs: number, parallelism: number): Promise<number> {
  const clock = new FakeClock();
  const repositories = createFakeRepositories(clock);
  await loadDemo(repositories, name);
  const { service, close } = await (name === 'anthropic'
    ? anthropicService(delayMs)
    : scriptedService(delayMs));
  try {
    const useCase = new ExtractAssembleDataUseCase(
      {
        repositories,
        clock,
        ids: new SequentialIdGenerator(),
        knowledgeServices: knowledgeServiceResolver([{ name, type: name, service }]),
      },
      { max_parallel_queries: parallelism },
    );
    const started = performance.now();
    const { assembly } = await useCase.execute({
      document_id: 'meeting-transcript-q1-planning',
      assembly_specification_id: 'meeting-minutes-assembly',
    });
    const elapsed = performance.now() - started;
    if (assembly.status !== 'completed') throw new Error(`assembly ended ${assembly.status}`);
    return elapsed;
  } finally {
    await close();
  }
}

async function main(): Promise<void> {
  const delayMs = Number(argument('delay-ms', '1000'));
  const services = argument('services', SERVICES.join(',')).split(',') as ServiceName[];
  console.log(`three independent queries, each answered after ${delayMs} ms\n`);
  console.log('service     parallelism  wall time   speed-up');
  for (const name of services) {
    await assemble(name, 0, DEFAULT_MAX_PARALLEL_QUERIES); // warm-up: module loading, JIT
    const baseline = await assemble(name, delayMs, 1);
    const parallel = await assemble(name, delayMs, DEFAULT_MAX_PARALLEL_QUERIES);
    const row = (parallelism: number, ms: number, ratio: string) =>
      `${name.padEnd(12)}${String(parallelism).padEnd(13)}${(ms / 1000).toFixed(3).padStart(7)} s   ${ratio}`;
    console.log(row(1, baseline, '1.00x (baseline)'));
    console.log(
      row(DEFAULT_MAX_PARALLEL_QUERIES, parallel, `${(baseline / parallel).toFixed(2)}x`),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
