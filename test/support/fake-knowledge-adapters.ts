import anthropicPlugin, {
  type AnthropicServiceOptions,
} from '../../plugins/service-anthropic/index.js';
import openaiPlugin, { type OpenAIServiceOptions } from '../../plugins/service-openai/index.js';
import scriptedPlugin, {
  type ScriptedReply,
  type ScriptedServiceInstance,
  type ScriptedServiceOptions,
} from '../../plugins/service-scripted/index.js';
import type {
  ConformanceReply,
  KnowledgeConformanceAdapter,
  KnowledgeConformanceSetup,
} from '../../src/testing/knowledge-conformance-support.js';
import { FakeAnthropicServer } from './fake-anthropic-server.js';
import type { FakeReply, RecordedRequest } from './fake-http.js';
import { FakeOpenAIServer } from './fake-openai-server.js';
import { fakePluginContext, validOptions } from './fake-plugin-context.js';

type Turn = { role: 'user' | 'assistant'; text: string };

/** Renders a provider-neutral reply for a fake server; `provider` picks the error shapes. */
export function fakeReply(reply: ConformanceReply, provider: 'anthropic' | 'openai'): FakeReply {
  if ('answer' in reply) return { kind: 'text', text: reply.answer, delayMs: reply.delayMs };
  if ('truncated' in reply) return { kind: 'text', text: reply.truncated, stop: 'max_tokens' };
  if ('refusal' in reply) return { kind: 'text', text: '', stop: 'refusal' };
  if ('hang' in reply) return { kind: 'hang' };
  const retryAfter =
    reply.retryAfterSeconds === undefined ? undefined : String(reply.retryAfterSeconds);
  switch (reply.error) {
    case 'rate_limited':
      return { kind: 'error', status: 429, retryAfter, message: 'Number of requests exceeded' };
    case 'overloaded':
      return provider === 'anthropic'
        ? { kind: 'error', status: 529, message: 'Overloaded', retryAfter }
        : {
            kind: 'error',
            status: 503,
            message: 'The engine is currently overloaded, please try again later',
            retryAfter,
          };
    case 'server_error':
      return { kind: 'error', status: 500, message: 'Internal server error', retryAfter };
    case 'spend_limit':
      return provider === 'anthropic'
        ? {
            kind: 'error',
            status: 429,
            code: 'enforced_spend_limit_reached',
            message: 'You have reached your specified workspace API usage limits.',
          }
        : {
            kind: 'error',
            status: 429,
            type: 'insufficient_quota',
            code: 'insufficient_quota',
            message: 'You exceeded your current quota, please check your plan and billing details.',
          };
    case 'bad_request':
      return { kind: 'error', status: 400, message: 'messages: field required' };
    case 'auth':
      return { kind: 'error', status: 401, message: 'invalid x-api-key' };
    case 'too_large':
      return { kind: 'error', status: 413, message: 'Request exceeds the maximum allowed size' };
  }
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: string; text?: string }) =>
      part.type === 'text' || part.type === 'input_text' ? (part.text ?? '') : '',
    )
    .join('');
}

/** The conversation turns of a recorded model call (documents left out). */
export function turnsOf(request: RecordedRequest): Turn[] {
  const body = (request.body ?? {}) as { messages?: unknown[]; input?: unknown[] };
  const items = (body.messages ?? body.input ?? []) as { role: Turn['role']; content: unknown }[];
  return items.map((m) => ({ role: m.role, text: textOf(m.content) }));
}

function commonOptions(setup: KnowledgeConformanceSetup) {
  return {
    request_timeout_ms: setup.requestTimeoutMs ?? 30_000,
    max_repairs: setup.maxRepairs ?? 2,
    ...(setup.maxDocumentBytes === undefined ? {} : { max_document_bytes: setup.maxDocumentBytes }),
  };
}

/** The anthropic plugin against FakeAnthropicServer. */
export function anthropicAdapter(
  extra: Partial<AnthropicServiceOptions> = {},
): KnowledgeConformanceAdapter {
  let fake: FakeAnthropicServer;
  return {
    setup: async () => {
      fake = await FakeAnthropicServer.start();
    },
    teardown: () => fake.close(),
    async create(setup) {
      fake.reset();
      fake.enqueue(...setup.replies.map((r) => fakeReply(r, 'anthropic')));
      const options = validOptions(anthropicPlugin, {
        api_key: 'sk-ant-test-key',
        base_url: fake.url,
        model: 'claude-sonnet-4-5',
        ...commonOptions(setup),
        ...extra,
      });
      const instance = await anthropicPlugin.create(options, fakePluginContext('knowledge'));
      const knowledge = instance.knowledge!;
      if (setup.registrationStore) knowledge.useRegistrationStore?.(setup.registrationStore);
      return {
        service: knowledge,
        calls: () => fake.messageRequests.map(turnsOf),
        uploads: () => fake.uploads.length,
        close: async () => instance.stop?.(),
      };
    },
  };
}

/** The openai plugin (either API) against FakeOpenAIServer. */
export function openaiAdapter(
  extra: Partial<OpenAIServiceOptions> = {},
): KnowledgeConformanceAdapter {
  let fake: FakeOpenAIServer;
  return {
    setup: async () => {
      fake = await FakeOpenAIServer.start();
    },
    teardown: () => fake.close(),
    async create(setup) {
      fake.reset();
      fake.enqueue(...setup.replies.map((r) => fakeReply(r, 'openai')));
      const options = validOptions(openaiPlugin, {
        api_key: 'sk-test-key',
        base_url: fake.url,
        ...commonOptions(setup),
        ...extra,
      });
      const instance = await openaiPlugin.create(options, fakePluginContext('knowledge'));
      const knowledge = instance.knowledge!;
      if (setup.registrationStore) knowledge.useRegistrationStore?.(setup.registrationStore);
      return {
        service: knowledge,
        calls: () => fake.modelRequests.map(turnsOf),
        uploads: () => fake.uploads.length,
        close: async () => instance.stop?.(),
      };
    },
  };
}

function scriptedReply(reply: ConformanceReply): ScriptedReply {
  if ('answer' in reply) {
    return reply.delayMs === undefined
      ? { text: reply.answer }
      : { text: reply.answer, delay_ms: reply.delayMs };
  }
  if ('truncated' in reply) return { truncated: reply.truncated };
  if ('refusal' in reply) return { refusal: true };
  if ('hang' in reply) return { hang: true };
  return reply.retryAfterSeconds === undefined
    ? { error: reply.error }
    : { error: reply.error, retry_after_ms: reply.retryAfterSeconds * 1000 };
}

/** The scripted plugin, its rules made from the replies (no server needed). */
export function scriptedAdapter(): KnowledgeConformanceAdapter {
  return {
    async create(setup) {
      const replies = setup.replies.map(scriptedReply);
      const options = validOptions<ScriptedServiceOptions>(scriptedPlugin, {
        ...commonOptions(setup),
        rules: replies.length === 0 ? [] : [{ name: 'conformance', replies }],
      });
      const instance = (await scriptedPlugin.create(
        options,
        fakePluginContext('knowledge'),
      )) as ScriptedServiceInstance;
      await instance.start?.(new AbortController().signal);
      if (setup.registrationStore) instance.knowledge.useRegistrationStore(setup.registrationStore);
      return {
        service: instance.knowledge,
        calls: () => instance.provider.calls.map((c) => c.turns as Turn[]),
        uploads: () => instance.provider.uploads,
        close: async () => instance.stop?.(),
      };
    },
  };
}
