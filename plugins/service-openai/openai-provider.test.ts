/* eslint-disable @typescript-eslint/no-explicit-any -- wire bodies and projected schemas are inspected loosely */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KnowledgeServiceError, type KnowledgeService } from '../../src/plugin-api/index.js';
import { FakeOpenAIServer } from '../../test/support/fake-openai-server.js';
import {
  fakeDocument,
  fakePluginContext,
  validOptions,
} from '../../test/support/fake-plugin-context.js';
import plugin from './index.js';

const SCHEMA = {
  type: 'object',
  required: ['title'],
  properties: {
    title: { type: 'string' },
    room: { type: 'string' },
    attendees: { type: 'array', items: { type: 'string' }, minItems: 1 },
  },
};

let fake: FakeOpenAIServer;

async function knowledge(extra: Record<string, unknown> = {}): Promise<KnowledgeService> {
  const options = validOptions(plugin, { api_key: 'sk-wire-test', base_url: fake.url, ...extra });
  return (await plugin.create(options, fakePluginContext('knowledge'))).knowledge!;
}

function body(index = 0): Record<string, any> {
  return fake.modelRequests[index]!.body as Record<string, any>;
}

describe('openai service plugin', () => {
  beforeAll(async () => {
    fake = await FakeOpenAIServer.start();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('fills defaults: chat_completions, native structured output, the Files API', () => {
    expect(validOptions(plugin, { api_key: 'k' })).toMatchObject({
      api: 'chat_completions',
      native_structured_output: true,
      files_api: true,
      base_url: 'https://api.openai.com/v1',
      max_tokens: 4096,
      sdk_max_retries: 0,
    });
  });

  it('needs an API key for api.openai.com but not for a compatible server', async () => {
    const official = validOptions(plugin, {});
    expect(() => plugin.create(official, fakePluginContext('knowledge'))).toThrow(/api_key/);
    const local = validOptions(plugin, { base_url: fake.url });
    expect((await plugin.create(local, fakePluginContext('knowledge'))).knowledge).toBeDefined();
  });

  it('sends a strict json_schema response_format with optional properties required and nullable', async () => {
    // Strict mode answers every property; null stands for "absent".
    fake.enqueue({ kind: 'text', text: '{"title": "Review", "room": null, "attendees": ["Ana"]}' });
    const k = await knowledge();
    const result = await k.executeQuery({ prompt: 'Extract.', outputSchema: SCHEMA, files: [] });

    const format = body().response_format;
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.schema.required).toEqual(['title', 'room', 'attendees']);
    expect(format.json_schema.schema.additionalProperties).toBe(false);
    expect(format.json_schema.schema.properties.room.type).toEqual(['string', 'null']);
    expect(body().max_completion_tokens).toBe(4096);
    expect(fake.modelRequests[0]!.headers.authorization).toBe('Bearer sk-wire-test');
    expect(result.response).toEqual({ title: 'Review', attendees: ['Ana'] });
    expect(result.structured_output_mode).toBe('native');
    expect(result.attempts[0]!.request_id).toMatch(/^req_/);
  });

  it('sends a schema that strict mode cannot express as instructions', async () => {
    fake.enqueue({ kind: 'text', text: '{"a": 1}' });
    const k = await knowledge();
    const schema = {
      type: 'object',
      properties: { a: { type: 'integer' } },
      allOf: [{ required: ['a'] }],
    };
    const result = await k.executeQuery({ prompt: 'Extract.', outputSchema: schema, files: [] });

    expect(body().response_format).toBeUndefined();
    expect(body().messages[0].content.at(-1).text).toContain('"allOf"');
    expect(result.structured_output_mode).toBe('instructions');
    expect(result.structured_output_notes).toEqual(['(root): "allOf" is not supported']);
  });

  it('uses text.format, store false and max_output_tokens on the Responses API', async () => {
    fake.enqueue({ kind: 'text', text: '{"title": "T", "room": "B2", "attendees": ["Bo"]}' });
    const k = await knowledge({ api: 'responses', temperature: 0.3 });
    const pdf = fakeDocument('%PDF-1.4 minutes', { filename: 'm.pdf' });
    const file = await k.registerFile(pdf.document, pdf.openContent);
    const result = await k.executeQuery({
      prompt: 'Extract.',
      outputSchema: SCHEMA,
      files: [file],
    });

    const sent = body();
    expect(sent.text.format).toMatchObject({ type: 'json_schema', name: 'answer', strict: true });
    expect(sent.store).toBe(false);
    expect(sent.max_output_tokens).toBe(4096);
    expect(sent.temperature).toBe(0.3);
    expect(sent.input[0].content[0]).toEqual({
      type: 'input_file',
      file_id: file.provider_file_id,
    });
    expect(sent.input[0].content[1]).toEqual({ type: 'input_text', text: 'Extract.' });
    expect(result.response).toEqual({ title: 'T', room: 'B2', attendees: ['Bo'] });
  });

  it('uploads a PDF once with purpose user_data and attaches it as a file part', async () => {
    fake.enqueue({ kind: 'text', text: 'ok' });
    const k = await knowledge();
    const pdf = fakeDocument('%PDF-1.4 body', { filename: 'minutes.pdf' });
    const [a, b] = await Promise.all([
      k.registerFile(pdf.document, pdf.openContent),
      k.registerFile(pdf.document, pdf.openContent),
    ]);
    await k.executeQuery({ prompt: 'Summarise.', files: [a] });

    expect(fake.uploads).toHaveLength(1);
    expect(fake.uploads[0]!.upload).toMatchObject({
      filename: 'minutes.pdf',
      contentType: 'application/pdf',
      size: pdf.bytes.length,
      fields: { purpose: 'user_data' },
    });
    expect(b.provider_file_id).toBe(a.provider_file_id);
    expect(body().messages[0].content[0]).toEqual({
      type: 'file',
      file: { file_id: a.provider_file_id },
    });
  });

  it('sends text documents as text and PDFs as file data when the Files API is off', async () => {
    fake.enqueue({ kind: 'text', text: 'ok' });
    const k = await knowledge({ files_api: false, max_tokens_field: 'max_tokens' });
    const pdf = fakeDocument('%PDF-1.4 inline', { filename: 'a.pdf' });
    const csv = fakeDocument('name,score\nAna,80\n', {
      contentType: 'text/csv',
      filename: 's.csv',
    });
    const files = [
      await k.registerFile(pdf.document, pdf.openContent),
      await k.registerFile(csv.document, csv.openContent),
    ];
    await k.executeQuery({ prompt: 'Compare.', files });

    const parts = body().messages[0].content;
    expect(fake.uploads).toHaveLength(0);
    expect(parts[0]).toEqual({
      type: 'file',
      file: {
        filename: 'a.pdf',
        file_data: `data:application/pdf;base64,${pdf.bytes.toString('base64')}`,
      },
    });
    expect(parts[1].type).toBe('text');
    expect(parts[1].text).toContain('Ana,80');
    expect(parts[1].text).toContain('s.csv');
    expect(body().max_tokens).toBe(4096);
    expect(body().max_completion_tokens).toBeUndefined();
  });

  it('sends schemas as instructions to a server without native structured output', async () => {
    fake.enqueue({ kind: 'text', text: '```json\n{"title": "T"}\n```' });
    const k = await knowledge({ native_structured_output: false });
    const result = await k.executeQuery({ prompt: 'Extract.', outputSchema: SCHEMA, files: [] });

    expect(body().response_format).toBeUndefined();
    expect(body().messages[0].content.at(-1).text).toContain('JSON Schema');
    expect(result.response).toEqual({ title: 'T' });
  });

  it('reports a refusal and a length cut-off distinctly', async () => {
    fake.enqueue(
      { kind: 'text', text: 'No.', stop: 'refusal' },
      { kind: 'text', text: '{"ti', stop: 'max_tokens' },
    );
    const k = await knowledge();
    const ask = () => k.executeQuery({ prompt: 'x', outputSchema: SCHEMA, files: [] });
    await expect(ask()).rejects.toMatchObject({ code: 'JULEE_KNOWLEDGE_REFUSED' });
    const truncated = await ask().catch((e: unknown) => e as KnowledgeServiceError);
    expect(truncated).toMatchObject({ code: 'JULEE_KNOWLEDGE_TRUNCATED', retryable: false });
    expect(truncated.attempts[0]!.stop_reason).toBe('length');
  });

  it('turns insufficient_quota into a non-retryable spend-limit error', async () => {
    fake.enqueue({
      kind: 'error',
      status: 429,
      code: 'insufficient_quota',
      type: 'insufficient_quota',
    });
    const k = await knowledge();
    await expect(k.executeQuery({ prompt: 'x', files: [] })).rejects.toMatchObject({
      code: 'JULEE_KNOWLEDGE_SPEND_LIMIT',
      retryable: false,
    });
  });
});
