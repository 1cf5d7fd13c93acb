import type { KnowledgeServiceConfig } from '../entities.js';
import type { KnowledgeService } from '../knowledge-service.js';
import { PipelineError } from './pipeline-errors.js';

/**
 * Finds the KnowledgeService that answers for a KnowledgeServiceConfig. Throws PipelineError
 * JULEE_SERVICE_NOT_CONFIGURED when none does. The same configured instance must come back as
 * the same object, so that a document is registered once per instance.
 */
export type KnowledgeServiceResolver = (config: KnowledgeServiceConfig) => KnowledgeService;

/** A service instance configured under `services:` in config.yaml. */
export interface ConfiguredKnowledgeService {
  /** Its key under `services:`. */
  readonly name: string;
  /** Its plugin type: anthropic, openai, scripted, ... */
  readonly type: string;
  readonly service: KnowledgeService;
}

function notConfigured(config: KnowledgeServiceConfig, reason: string): PipelineError {
  return new PipelineError(
    'JULEE_SERVICE_NOT_CONFIGURED',
    `Knowledge service config ${config.knowledge_service_id} cannot be answered: ${reason}`,
    {
      details: {
        knowledge_service_id: config.knowledge_service_id,
        service_api: config.service_api,
        service_instance: config.service_instance,
      },
    },
  );
}

function checkType(config: KnowledgeServiceConfig, instance: ConfiguredKnowledgeService) {
  if (instance.type !== config.service_api) {
    throw notConfigured(
      config,
      `service instance "${instance.name}" is of type "${instance.type}", ` +
        `but the config's service_api is "${config.service_api}"`,
    );
  }
  return instance.service;
}

/**
 * The resolution rule: the instance named by `service_instance`; without one, the instance named
 * like `service_api` (e.g. `services.anthropic`); else the only instance of type `service_api`
 * (e.g. the seed's single `services.knowledge: { type: anthropic }`). The instance's type must be
 * the config's `service_api`. Several instances of the type and no name is an error that asks for
 * `service_instance`.
 */
export function knowledgeServiceResolver(
  instances: readonly ConfiguredKnowledgeService[],
): KnowledgeServiceResolver {
  const byName = new Map(instances.map((instance) => [instance.name, instance]));
  return (config) => {
    if (config.service_instance !== null) {
      const named = byName.get(config.service_instance);
      if (named === undefined) {
        throw notConfigured(
          config,
          `service instance "${config.service_instance}" is not configured under services:`,
        );
      }
      return checkType(config, named);
    }
    const sameName = byName.get(config.service_api);
    if (sameName !== undefined) return checkType(config, sameName);
    const ofType = instances.filter((instance) => instance.type === config.service_api);
    if (ofType.length === 1) return ofType[0]!.service;
    if (ofType.length === 0) {
      throw notConfigured(
        config,
        `no service instance of type "${config.service_api}" is configured`,
      );
    }
    const names = ofType.map((instance) => `"${instance.name}"`).join(', ');
    throw notConfigured(
      config,
      `several service instances are of type "${config.service_api}" (${names}); ` +
        "set the config's service_instance to choose one",
    );
  };
}
