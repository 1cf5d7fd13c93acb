import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import { createInstances, PluginRuntime } from '../../src/core/runtime.js';
import { loadStartupFixtures } from '../../src/core/startup-fixtures.js';
import { createCeapUseCases } from '../../src/core/use-cases.js';
import { validateEntity } from '../../src/domain/entity-validation.js';

/**
 * The whole stack without a server: config.yaml → plugins → demo fixtures → the composed use
 * cases, with the `scripted` service answering like a model (wrapped objects, a "Score:" line).
 */
const CONFIG = `role: all
repositories:
  default:
    type: filesystem
    data_dir: ./data
services:
  demo:
    type: scripted
    rules:
      - when: { prompt_contains: how complete }
        replies: [{ text: 'Score: 85' }]
      - when: { prompt_contains: how clear }
        replies: [{ text: '**Score:** 75/100' }]
      - when: { prompt_contains: "meeting's title" }
        replies:
          - json:
              meeting_info:
                title: Q1 planning
                date: '2026-01-12'
                start_time: '09:00'
                end_time: '10:30'
                attendees: [{ name: Ana Ruiz, role: Product lead }]
      - when: { prompt_contains: agenda items }
        replies:
          - json:
              agenda_items:
                - { topic: Roadmap, discussion_points: [Scope], decisions: [Ship in March] }
      - when: { prompt_contains: action item }
        replies:
          - json:
              action_items:
                - { task: Draft plan, assignee: Ana Ruiz, due_date: null, priority: high }
fixtures:
  enabled: true
extraction:
  max_parallel_queries: 3
  remote_schemas:
    allowed_hosts: [schemas.example.org]
logging:
  level: silent
`;

let runtime: PluginRuntime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

async function startStack() {
  const dir = mkdtempSync(join(tmpdir(), 'julee-stack-'));
  writeFileSync(join(dir, 'config.yaml'), CONFIG);
  const loaded = await loadConfiguration({ configPath: join(dir, 'config.yaml'), env: {} });
  expect(loaded.diagnostics).toEqual([]);
  const logger = createLogger({ level: 'silent', format: 'json' });
  const created = await createInstances(loaded, logger);
  expect(created.diagnostics).toEqual([]);
  runtime = new PluginRuntime(created.instances, logger, 30_000);
  await runtime.start();
  await loadStartupFixtures(loaded.config, loaded.configDir, runtime.repositories(), logger);
  const useCases = createCeapUseCases(runtime, loaded.config);
  // The operator points the demo knowledge services at the scripted instance.
  const configs = useCases.deps.repositories.knowledge_service_config;
  for (const config of (await configs.list()).items) {
    await configs.save(
      validateEntity('knowledge_service_config', {
        ...config,
        service_api: 'scripted',
        service_instance: 'demo',
      }),
    );
  }
  return useCases;
}

describe('the runtime-composed CEAP use cases', () => {
  it('assembles the demo meeting minutes through configured plugins', async () => {
    const useCases = await startStack();
    const { assembly, provenance } = await useCases.extractAssemble.execute({
      document_id: 'meeting-transcript-q1-planning',
      assembly_specification_id: 'meeting-minutes-assembly',
    });
    expect(assembly.status).toBe('completed');
    const content = await useCases.deps.repositories.document.openContent(
      assembly.assembled_document_id!,
    );
    const assembled = JSON.parse(
      Buffer.concat((await Readable.from(content).toArray()) as Buffer[]).toString(),
    );
    expect(assembled.meeting_info.title).toBe('Q1 planning');
    expect(assembled.agenda_items[0].decisions).toEqual(['Ship in March']);
    expect(assembled.action_items[0]).toMatchObject({ task: 'Draft plan', priority: 'high' });
    expect(provenance.queries).toHaveLength(3);
    expect(JSON.stringify(provenance)).toContain('demo');
  });

  it('fetches $ref schemas only from the hosts extraction.remote_schemas allows', async () => {
    const useCases = await startStack();
    const specs = useCases.deps.repositories.assembly_specification;
    await specs.save(
      validateEntity('assembly_specification', {
        assembly_specification_id: 'remote-spec',
        name: 'Remote',
        applicability: 'Any document',
        jsonschema: { $ref: 'https://evil.example.com/schema.json' },
        status: 'active',
        knowledge_service_queries: {},
        version: '1.0.0',
        created_at: null,
        updated_at: null,
      }),
    );
    await expect(
      useCases.extractAssemble.execute({
        document_id: 'meeting-transcript-q1-planning',
        assembly_specification_id: 'remote-spec',
      }),
    ).rejects.toMatchObject({ code: 'JULEE_REMOTE_SCHEMA_NOT_ALLOWED' });
    const assemblies = await useCases.deps.repositories.assembly.list();
    expect(assemblies.items.map((a) => a.status)).toEqual(['failed']);
  });

  it('validates a document against the demo policy with scores parsed from model text', async () => {
    const useCases = await startStack();
    const { validation } = await useCases.validateDocument.execute({
      document_id: 'meeting-transcript-q1-planning',
      policy_id: 'meeting-minutes-quality-policy',
    });
    expect(validation.validation_scores).toEqual([
      ['score-meeting-minutes-completeness', 85],
      ['score-meeting-minutes-clarity', 75],
    ]);
    expect(validation).toMatchObject({ status: 'passed', passed: true });
  });
});
