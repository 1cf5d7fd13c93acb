import { describe, expect, it } from 'vitest';
import type { KnowledgeServiceConfig } from '../entities.js';
import type { KnowledgeService } from '../knowledge-service.js';
import { PipelineError } from './pipeline-errors.js';
import { knowledgeServiceResolver } from './service-resolver.js';

const service = (name: string) => ({ name }) as unknown as KnowledgeService;

const config = (service_api: string, service_instance: string | null = null) =>
  ({ knowledge_service_id: 'ks-1', service_api, service_instance }) as KnowledgeServiceConfig;

describe('knowledgeServiceResolver', () => {
  const sonnet = service('sonnet');
  const haiku = service('haiku');
  const openai = service('openai');
  const resolve = knowledgeServiceResolver([
    { name: 'sonnet', type: 'anthropic', service: sonnet },
    { name: 'haiku', type: 'anthropic', service: haiku },
    { name: 'openai', type: 'openai', service: openai },
  ]);

  it('uses the instance the config names', () => {
    expect(resolve(config('anthropic', 'haiku'))).toBe(haiku);
  });

  it('uses the instance named like the service api when the config names none', () => {
    expect(resolve(config('openai'))).toBe(openai);
  });

  it('uses the only instance of the type, as in the seed configuration', () => {
    const single = service('knowledge');
    const seed = knowledgeServiceResolver([
      { name: 'knowledge', type: 'anthropic', service: single },
    ]);
    expect(seed(config('anthropic'))).toBe(single);
  });

  it.each([
    [config('anthropic'), 'several service instances are of type "anthropic" ("sonnet", "haiku")'],
    [config('anthropic', 'opus'), 'service instance "opus" is not configured under services:'],
    [config('anthropic', 'openai'), 'service instance "openai" is of type "openai"'],
    [config('scripted'), 'no service instance of type "scripted" is configured'],
  ])('refuses %j', (wanted, reason) => {
    let caught: unknown;
    try {
      resolve(wanted);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PipelineError);
    expect((caught as PipelineError).code).toBe('JULEE_SERVICE_NOT_CONFIGURED');
    expect((caught as Error).message).toContain(reason);
  });
});
