import {
  commonKnowledgeOptionProperties,
  definePlugin,
  knowledgeSettings,
  PLUGIN_API_VERSION,
  ProviderKnowledgeService,
  type CommonKnowledgeOptions,
  type JsonSchema,
  type ServicePluginInstance,
} from '../../src/plugin-api/index.js';
import { ScriptedProvider } from './scripted-provider.js';
import {
  loadRuleFiles,
  ruleSchema,
  type ScriptedReply,
  type ScriptedRule,
} from './scripted-rules.js';

export type { ScriptedCallRecord } from './scripted-provider.js';
export type { ScriptedReply, ScriptedRule } from './scripted-rules.js';

export interface ScriptedServiceOptions extends CommonKnowledgeOptions {
  readonly rules: readonly ScriptedRule[];
  readonly fixtures: readonly string[];
  readonly default_reply?: ScriptedReply;
}

/** The instance, with the scripted provider exposed so that tests can see what it was asked. */
export interface ScriptedServiceInstance extends ServicePluginInstance {
  readonly knowledge: ProviderKnowledgeService;
  readonly provider: ScriptedProvider;
}

const MAX_TEMPERATURE = 2;

export const scriptedOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...commonKnowledgeOptionProperties({
      defaultModel: 'scripted',
      maxTemperature: MAX_TEMPERATURE,
    }),
    rules: {
      description:
        'Answer rules, tried in order before those of the fixture files; the first whose ' +
        'conditions hold answers.',
      type: 'array',
      items: ruleSchema,
      default: [],
    },
    fixtures: {
      description:
        'YAML or JSON files of `rules:` (paths relative to the configuration file), read at start.',
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
    },
    default_reply: {
      description: 'The answer when no rule matches; without it such a query fails.',
      ...(ruleSchema.properties as { replies: { items: JsonSchema } }).replies.items,
    },
  },
};

/**
 * Deterministic answers from configuration or fixture files, for demos and tests: no network,
 * the same structured-output validation and re-asking as the real providers.
 */
export default definePlugin<'service', ScriptedServiceOptions>({
  apiVersion: PLUGIN_API_VERSION,
  kind: 'service',
  type: 'scripted',
  description: 'Knowledge service with scripted answers (demos and tests)',
  stability: 'stable',
  optionsSchema: scriptedOptionsSchema,
  create(options, context): ScriptedServiceInstance {
    const provider = new ScriptedProvider({
      serviceInstance: context.name,
      requestTimeoutMs: options.request_timeout_ms,
      defaultReply: options.default_reply,
    });
    provider.setRules(options.rules);
    const knowledge = new ProviderKnowledgeService(
      provider,
      knowledgeSettings(options, context, MAX_TEMPERATURE),
    );
    return {
      knowledge,
      provider,
      async start() {
        if (options.fixtures.length === 0) return;
        const fromFiles = await loadRuleFiles(options.fixtures, context.configDir);
        provider.setRules([...options.rules, ...fromFiles]);
      },
      stop: () => knowledge.stop(),
      health: () => knowledge.health(),
    };
  },
});
