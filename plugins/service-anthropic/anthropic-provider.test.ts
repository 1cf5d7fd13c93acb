/* eslint-disable @typescript-eslint/no-explicit-any -- wire bodies and projected schemas are inspected loosely */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { KnowledgeServiceError, type KnowledgeService } from '../../src/plugin-api/index.js';
import { FakeAnthropicServer } from '../../test/support/fake-anthropic-server.js';
import {
  fakeDocument,
  fakePluginContext,
  validOptions,
} from '../../test/support/fake-plugin-context.js';
import plugin from './index.js';

const SCHEMA = {
  type: 'object',
  required: ['title', 'attendees'],
  properties: {
    title: { type: 'string', minLength: 3 },
    attendees: { type: 'array', items: { type: 'string' }, minItems: 2 },
    duration_minutes: { type: 'integer', minimum: 0, maximum: 600 },
  },
};
const ANSWER = { title: 'Quarterly review', attendees: ['Ana', 'Bo'] };

let fake: FakeAnthropicServer;

async function service(extra: Record<string, unknown> = {}) {
  const options = validOptions(plugin, {
    api_key: 'sk-ant-wire-test',
    base_url: fake.url,
    ...extra,
  });
  return plugin.create(options, fakePluginContext('knowledge'));
}

async function knowledge(extra: Record<string, unknown> = {}): Promise<KnowledgeService> {
  return (await service(extra)).knowledge!;
}

function messagesBody(index = 0) {
  return fake.messageRequests[index]!.body as {
    model: string;
    max_tokens: number;
    temperature?: number;
    output_config?: { format: { type: string; schema: Record<string, any> } };
    messages: { role: string; content: any }[];
  };
}

async function failure(promise: Promise<unknown>): Promise<KnowledgeServiceError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KnowledgeServiceError);
  return error as KnowledgeServiceError;
}

describe('anthropic service plugin', () => {
  beforeAll(async () => {
    fake = await FakeAnthropicServer.start();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('accepts the seed configuration form as valid options', () => {
    const options = validOptions(plugin, {
      api_key: 'sk-ant-x',
      model: 'claude-3-5-sonnet-20241022',
      max_tokens: 4096,
    });
    expect(options).toMatchObject({
      model: 'claude-3-5-sonnet-20241022',
      max_tokens: 4096,
      files_api: true,
      max_repairs: 2,
      sdk_max_retries: 0,
      base_url: 'https://api.anthropic.com',
    });
  });

  it('rejects unknown options', () => {
    expect(() => validOptions(plugin, { api_key: 'k', modle: 'x' })).toThrow(/additional/);
  });

  it('sends the schema as output_config.format with unsupported bounds moved to descriptions', async () => {
    fake.enqueue({ kind: 'text', text: JSON.stringify(ANSWER) });
    const k = await knowledge({ model: 'claude-sonnet-4-5' });
    const result = await k.executeQuery({
      prompt: 'Extract.',
      outputSchema: SCHEMA,
      files: [],
      assistantPrompt: '{',
    });

    const body = messagesBody();
    const schema = body.output_config!.format.schema;
    expect(body.output_config!.format.type).toBe('json_schema');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.title.minLength).toBeUndefined();
    expect(schema.properties.title.description).toContain('"minLength":3');
    expect(schema.properties.attendees.minItems).toBeUndefined();
    expect(schema.properties.duration_minutes.maximum).toBeUndefined();
    expect(body.messages.at(-1)!.role).toBe('user');
    const headers = fake.messageRequests[0]!.headers;
    expect(headers['x-api-key'] ?? headers.authorization).toMatch(/^(Bearer )?sk-ant-wire-test$/);
    expect(fake.messageRequests[0]!.headers['anthropic-version']).toBeDefined();
    expect(result.structured_output_mode).toBe('native');
    expect(result.projected_schema_hash).toMatch(/^1220[0-9a-f]{64}$/);
    expect(result.response).toEqual(ANSWER);
    expect(result.attempts[0]!.request_id).toMatch(/^req_/);
  });

  it('sends instructions and the "{" prefill to models older than structured outputs', async () => {
    // The model continues after the prefill, so its text lacks the opening brace.
    fake.enqueue({ kind: 'text', text: JSON.stringify(ANSWER).slice(1) });
    const k = await knowledge({ model: 'claude-3-5-sonnet-20241022' });
    const result = await k.executeQuery({
      prompt: 'Extract.',
      outputSchema: SCHEMA,
      files: [],
      assistantPrompt: '{',
    });

    const body = messagesBody();
    expect(body.output_config).toBeUndefined();
    expect(body.model).toBe('claude-3-5-sonnet-20241022');
    expect(body.messages.at(-1)).toEqual({ role: 'assistant', content: '{' });
    const prompt = body.messages[0]!.content.at(-1).text as string;
    expect(prompt).toContain('Extract.');
    expect(prompt).toContain('"attendees"');
    expect(result.structured_output_mode).toBe('instructions');
    expect(result.response).toEqual(ANSWER);
    expect(result.attempts[0]!.raw_text.startsWith('{')).toBe(true);
  });

  it('re-asks as a fresh user turn after the bad answer, keeping the prefill last', async () => {
    fake.enqueue(
      { kind: 'text', text: '"title": "Q"}' },
      { kind: 'text', text: JSON.stringify(ANSWER).slice(1) },
    );
    const k = await knowledge({ model: 'claude-3-5-sonnet-20241022' });
    const result = await k.executeQuery({
      prompt: 'Extract.',
      outputSchema: SCHEMA,
      files: [],
      assistantPrompt: '{',
    });

    const roles = messagesBody(1).messages.map((m) => m.role);
    expect(roles).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messagesBody(1).messages[1]!.content).toBe('{"title": "Q"}');
    expect(messagesBody(1).messages[2]!.content).toContain('/title');
    expect(messagesBody(1).messages[2]!.content).toContain('attendees');
    expect(result.attempts).toHaveLength(2);
  });

  it('uploads a PDF once through the Files API and refers to it by file id', async () => {
    fake.enqueue({ kind: 'text', text: 'It is about budgets.' });
    const k = await knowledge();
    const pdf = fakeDocument('%PDF-1.4 minutes', { filename: 'minutes.pdf' });
    const first = await k.registerFile(pdf.document, pdf.openContent);
    const second = await k.registerFile(pdf.document, pdf.openContent);
    await k.executeQuery({ prompt: 'What is it about?', files: [first] });

    expect(fake.uploads).toHaveLength(1);
    const upload = fake.uploads[0]!.upload!;
    expect(upload.filename).toBe('minutes.pdf');
    expect(upload.contentType).toBe('application/pdf');
    expect(upload.size).toBe(pdf.bytes.length);
    expect(second.provider_file_id).toBe(first.provider_file_id);
    expect(first.metadata).toMatchObject({ registered_via: 'files_api', service: 'anthropic' });
    const content = messagesBody().messages[0]!.content;
    expect(content[0]).toEqual({
      type: 'document',
      title: 'minutes.pdf',
      source: { type: 'file', file_id: first.provider_file_id },
    });
    expect(content[1]).toEqual({ type: 'text', text: 'What is it about?' });
  });

  it('uploads JSON and other text documents as text/plain', async () => {
    const k = await knowledge();
    const json = fakeDocument('{"a": 1}', { contentType: 'application/json', filename: 'a.json' });
    await k.registerFile(json.document, json.openContent);
    expect(fake.uploads[0]!.upload!.contentType).toBe('text/plain');
  });

  it('sends documents inline (base64 PDF, text source) when files_api is off', async () => {
    fake.enqueue({ kind: 'text', text: 'ok' });
    const k = await knowledge({ files_api: false });
    const pdf = fakeDocument('%PDF-1.4 inline', { filename: 'a.pdf' });
    const text = fakeDocument('plain words', { contentType: 'text/markdown', filename: 'b.md' });
    const files = [
      await k.registerFile(pdf.document, pdf.openContent),
      await k.registerFile(text.document, text.openContent),
    ];
    await k.executeQuery({ prompt: 'Compare.', files });

    expect(fake.uploads).toHaveLength(0);
    expect(files.map((f) => f.provider_file_id)).toEqual([null, null]);
    const content = messagesBody().messages[0]!.content;
    expect(content[0].source).toEqual({
      type: 'base64',
      media_type: 'application/pdf',
      data: pdf.bytes.toString('base64'),
    });
    expect(content[1].source).toEqual({
      type: 'text',
      media_type: 'text/plain',
      data: 'plain words',
    });
  });

  it('reads inline documents again through openContent when it no longer holds them', async () => {
    fake.enqueue({ kind: 'text', text: 'ok' });
    const pdf = fakeDocument('%PDF-1.4 later', { filename: 'a.pdf' });
    const registered = await (
      await knowledge({ files_api: false })
    ).registerFile(pdf.document, pdf.openContent);
    const other = await knowledge({ files_api: false, inline_cache_bytes: 0 });
    await expect(other.executeQuery({ prompt: 'x', files: [registered] })).rejects.toMatchObject({
      code: 'JULEE_KNOWLEDGE_DOCUMENT_UNAVAILABLE',
    });
    await other.executeQuery({ prompt: 'x', files: [registered], openContent: pdf.openContent });
    expect(messagesBody().messages[0]!.content[0].source.data).toBe(pdf.bytes.toString('base64'));
  });

  it('refuses document types the Messages API cannot take', async () => {
    const k = await knowledge();
    const image = fakeDocument('png', { contentType: 'image/png' });
    const error = await failure(k.registerFile(image.document, image.openContent));
    expect(error.code).toBe('JULEE_KNOWLEDGE_UNSUPPORTED_DOCUMENT');
  });

  it('uploads again after the provider reports the file gone', async () => {
    fake.enqueue({ kind: 'error', status: 404, message: 'File not found: file_011x' });
    const k = await knowledge();
    const pdf = fakeDocument('%PDF-1.4 expiring');
    const registered = await k.registerFile(pdf.document, pdf.openContent);
    const error = await failure(k.executeQuery({ prompt: 'x', files: [registered] }));
    const again = await k.registerFile(pdf.document, pdf.openContent);

    expect(error.code).toBe('JULEE_KNOWLEDGE_NOT_FOUND');
    expect(fake.uploads).toHaveLength(2);
    expect(again.provider_file_id).not.toBe(registered.provider_file_id);
  });

  it('reads retry-after-ms before retry-after', async () => {
    fake.enqueue({ kind: 'error', status: 429, retryAfter: '30', retryAfterMs: '1500' });
    const error = await failure((await knowledge()).executeQuery({ prompt: 'x', files: [] }));
    expect(error.code).toBe('JULEE_KNOWLEDGE_RATE_LIMITED');
    expect(error.retryAfterMs).toBe(1500);
    expect(error.details).toMatchObject({ status: 429, provider: 'anthropic' });
    expect(error.message).not.toContain('sk-ant-wire-test');
  });

  it('reports an unreachable endpoint as a retryable provider outage', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address() as { port: number };
        probe.close(() => resolve(address.port));
      });
    });
    const k = await knowledge({ base_url: `http://127.0.0.1:${port}` });
    const error = await failure(k.executeQuery({ prompt: 'x', files: [] }));
    expect(error.code).toBe('JULEE_KNOWLEDGE_PROVIDER_UNAVAILABLE');
    expect(error.retryable).toBe(true);
  });

  it('keeps at most max_concurrency calls in flight', async () => {
    for (let i = 0; i < 6; i++) fake.enqueue({ kind: 'text', text: `a${i}`, delayMs: 80 });
    const k = await knowledge({ max_concurrency: 2 });
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => k.executeQuery({ prompt: 'x', files: [] })),
    );
    expect(answers).toHaveLength(6);
    expect(fake.maxInFlight).toBe(2);
  });

  it('refuses a model outside allowed_models without calling the provider', async () => {
    const k = await knowledge({ allowed_models: ['claude-haiku-4-5'] });
    const error = await failure(
      k.executeQuery({ prompt: 'x', files: [], options: { model: 'claude-opus-4-5' } }),
    );
    expect(error.code).toBe('JULEE_KNOWLEDGE_OPTION_NOT_ALLOWED');
    expect(fake.messageRequests).toHaveLength(0);

    fake.enqueue({ kind: 'text', text: 'ok' });
    await k.executeQuery({
      prompt: 'x',
      files: [],
      options: { model: 'claude-haiku-4-5', max_tokens: 77, temperature: 0.2 },
    });
    expect(messagesBody()).toMatchObject({
      model: 'claude-haiku-4-5',
      max_tokens: 77,
      temperature: 0.2,
    });
  });

  it('cancels calls in flight on stop and reports down afterwards', async () => {
    fake.enqueue({ kind: 'hang' });
    const instance = await service();
    const pending = instance.knowledge!.executeQuery({ prompt: 'x', files: [] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await instance.stop!();
    const error = await failure(pending);
    expect(error.code).toBe('JULEE_KNOWLEDGE_CANCELLED');
    expect((await instance.health!()).status).toBe('down');
  });

  it('reports down after the provider rejects the credentials', async () => {
    fake.enqueue({ kind: 'error', status: 401, message: 'invalid x-api-key' });
    const instance = await service();
    expect((await instance.health!()).status).toBe('ok');
    await failure(instance.knowledge!.executeQuery({ prompt: 'x', files: [] }));
    expect(await instance.health!()).toEqual({
      status: 'down',
      detail: 'the provider rejected the credentials',
    });
  });
});
