import {
  commonKnowledgeOptionProperties,
  definePlugin,
  knowledgeSettings,
  PLUGIN_API_VERSION,
  knowledgeServiceInstance,
  type CommonKnowledgeOptions,
  type JsonSchema,
} from '../../src/plugin-api/index.js';
import { AnthropicProvider } from './anthropic-provider.js';

export interface AnthropicServiceOptions extends CommonKnowledgeOptions {
  readonly api_key: string;
  readonly base_url: string;
  readonly files_api: boolean;
  readonly native_structured_output: 'auto' | boolean;
  readonly prefill: boolean;
  readonly sdk_max_retries: number;
}

export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-5';
const MAX_TEMPERATURE = 1;

export const anthropicOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['api_key'],
  properties: {
    api_key: {
      description: 'Anthropic API key (defaults to ANTHROPIC_API_KEY).',
      type: 'string',
      minLength: 1,
      'x-secret': true,
      'x-env': 'ANTHROPIC_API_KEY',
    },
    base_url: {
      description: 'API endpoint, e.g. a gateway (defaults to ANTHROPIC_BASE_URL, else Anthropic).',
      type: 'string',
      format: 'uri',
      'x-env': 'ANTHROPIC_BASE_URL',
      default: 'https://api.anthropic.com',
    },
    ...commonKnowledgeOptionProperties({
      defaultModel: DEFAULT_ANTHROPIC_MODEL,
      maxTemperature: MAX_TEMPERATURE,
    }),
    files_api: {
      description:
        'Upload documents once with the Files API and refer to them by file id. When false, ' +
        'documents travel inline (base64 PDF or text) with every query.',
      type: 'boolean',
      default: true,
    },
    native_structured_output: {
      description:
        'Send output schemas as output_config.format (constrained decoding) when they fit. ' +
        '"auto" does so except for models older than structured outputs (Claude 3.x, 4.0).',
      enum: ['auto', true, false],
      default: 'auto',
    },
    prefill: {
      description: 'Send a query\'s assistant prompt (e.g. "{") as the start of the answer.',
      type: 'boolean',
      default: true,
    },
    sdk_max_retries: {
      description: 'Retries inside the SDK; keep 0 so that the workflow engine owns retrying.',
      type: 'integer',
      minimum: 0,
      maximum: 2,
      default: 0,
    },
  },
};

/** Claude through the Anthropic Messages API, with documents from the Files API. */
export default definePlugin<'service', AnthropicServiceOptions>({
  apiVersion: PLUGIN_API_VERSION,
  kind: 'service',
  type: 'anthropic',
  description: 'Knowledge service backed by Claude (Anthropic Messages and Files APIs)',
  stability: 'beta',
  optionsSchema: anthropicOptionsSchema,
  create(options, context) {
    const provider = new AnthropicProvider({
      apiKey: options.api_key,
      baseUrl: options.base_url,
      requestTimeoutMs: options.request_timeout_ms,
      sdkMaxRetries: options.sdk_max_retries,
      filesApi: options.files_api,
      nativeStructuredOutput: options.native_structured_output,
      prefill: options.prefill,
      logger: context.logger,
    });
    return knowledgeServiceInstance(provider, knowledgeSettings(options, context, MAX_TEMPERATURE));
  },
});
