import {
  commonKnowledgeOptionProperties,
  definePlugin,
  InputError,
  knowledgeSettings,
  PLUGIN_API_VERSION,
  knowledgeServiceInstance,
  type CommonKnowledgeOptions,
  type JsonSchema,
} from '../../src/plugin-api/index.js';
import { OpenAIProvider, type OpenAIApi } from './openai-provider.js';

export interface OpenAIServiceOptions extends CommonKnowledgeOptions {
  readonly api_key?: string;
  readonly base_url: string;
  readonly api: OpenAIApi;
  readonly native_structured_output: boolean;
  readonly files_api: boolean;
  readonly max_tokens_field: 'max_completion_tokens' | 'max_tokens';
  readonly sdk_max_retries: number;
}

export const DEFAULT_OPENAI_MODEL = 'gpt-4.1';
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';
const MAX_TEMPERATURE = 2;

export const openaiOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    api_key: {
      description:
        'API key (defaults to OPENAI_API_KEY). Required for OpenAI itself; servers that need none ' +
        '(a local vLLM, Ollama or llama.cpp) may leave it out.',
      type: 'string',
      minLength: 1,
      'x-secret': true,
      'x-env': 'OPENAI_API_KEY',
    },
    base_url: {
      description:
        'Endpoint of OpenAI or of an OpenAI-compatible server, e.g. http://localhost:11434/v1 ' +
        '(defaults to OPENAI_BASE_URL, else OpenAI).',
      type: 'string',
      format: 'uri',
      'x-env': 'OPENAI_BASE_URL',
      default: OPENAI_BASE_URL,
    },
    ...commonKnowledgeOptionProperties({
      defaultModel: DEFAULT_OPENAI_MODEL,
      maxTemperature: MAX_TEMPERATURE,
    }),
    api: {
      description:
        'Which API to call: chat_completions (what compatible servers speak) or responses.',
      enum: ['chat_completions', 'responses'],
      default: 'chat_completions',
    },
    native_structured_output: {
      description:
        'Whether the server enforces json_schema structured output (strict mode). When false, ' +
        'schemas go as instructions in the prompt; answers are validated either way.',
      type: 'boolean',
      default: true,
    },
    files_api: {
      description:
        'Upload PDFs once with the Files API (purpose user_data) and refer to them by id. When ' +
        'false, PDFs travel inline as base64 with every query. Text documents always go as text.',
      type: 'boolean',
      default: true,
    },
    max_tokens_field: {
      description:
        'Chat Completions field for the answer limit: max_completion_tokens (OpenAI) or max_tokens ' +
        '(older compatible servers).',
      enum: ['max_completion_tokens', 'max_tokens'],
      default: 'max_completion_tokens',
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

/** OpenAI models, or any OpenAI-compatible server, through Chat Completions or Responses. */
export default definePlugin<'service', OpenAIServiceOptions>({
  apiVersion: PLUGIN_API_VERSION,
  kind: 'service',
  type: 'openai',
  description: 'Knowledge service backed by OpenAI or an OpenAI-compatible server',
  stability: 'beta',
  optionsSchema: openaiOptionsSchema,
  create(options, context) {
    const official = new URL(options.base_url).hostname === 'api.openai.com';
    if (official && options.api_key === undefined) {
      throw new InputError(
        `service "${context.name}": api_key (or OPENAI_API_KEY) is required for api.openai.com`,
      );
    }
    const provider = new OpenAIProvider({
      // Compatible servers without authentication still need some bearer value in the SDK.
      apiKey: options.api_key ?? 'unused',
      baseUrl: options.base_url,
      api: options.api,
      requestTimeoutMs: options.request_timeout_ms,
      sdkMaxRetries: options.sdk_max_retries,
      filesApi: options.files_api,
      nativeStructuredOutput: options.native_structured_output,
      maxTokensField: options.max_tokens_field,
      logger: context.logger,
    });
    return knowledgeServiceInstance(provider, knowledgeSettings(options, context, MAX_TEMPERATURE));
  },
});
