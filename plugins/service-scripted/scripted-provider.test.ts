import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fakeDocument,
  fakePluginContext,
  validOptions,
} from '../../test/support/fake-plugin-context.js';
import plugin, { type ScriptedServiceInstance, type ScriptedServiceOptions } from './index.js';

const SCHEMA = {
  type: 'object',
  required: ['score'],
  properties: { score: { type: 'integer', minimum: 0, maximum: 100 } },
};

let dir: string;

async function instance(raw: Record<string, unknown>): Promise<ScriptedServiceInstance> {
  const options = validOptions<ScriptedServiceOptions>(plugin, raw);
  const made = (await plugin.create(
    options,
    fakePluginContext('demo', dir),
  )) as ScriptedServiceInstance;
  await made.start?.(new AbortController().signal);
  return made;
}

describe('scripted service plugin', () => {
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'julee-scripted-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('answers from the first rule whose conditions hold', async () => {
    const s = await instance({
      rules: [
        { name: 'title', when: { prompt_contains: 'title' }, replies: [{ json: { title: 'T' } }] },
        { name: 'score', when: { prompt_matches: '^Score\\b' }, replies: [{ text: 'Score: 80' }] },
      ],
    });
    const score = await s.knowledge.executeQuery({ prompt: 'Score the document.', files: [] });
    const title = await s.knowledge.executeQuery({ prompt: 'Give the title.', files: [] });

    expect(score.response).toBe('Score: 80');
    expect(title.response).toBe(JSON.stringify({ title: 'T' }, null, 2));
    expect(s.provider.calls.map((c) => c.rule)).toEqual(['score', 'title']);
    expect(score.provider).toBe('scripted');
    expect(score.model).toBe('scripted');
  });

  it('validates scripted answers and re-asks with the same machinery as real providers', async () => {
    const s = await instance({
      rules: [
        { when: { attempt: 1 }, replies: [{ json: { score: 180 } }] },
        { when: { attempt: 2, prompt_contains: 'Rate' }, replies: [{ json: { score: 80 } }] },
      ],
    });
    const result = await s.knowledge.executeQuery({
      prompt: 'Rate it.',
      outputSchema: SCHEMA,
      files: [],
      assistantPrompt: '{',
    });

    expect(result.response).toEqual({ score: 80 });
    expect(result.structured_output_mode).toBe('instructions');
    expect(result.attempts[0]!.errors).toEqual(['/score: must be <= 100']);
    expect(s.provider.calls[1]!.turns.at(-1)!.text).toContain('/score: must be <= 100');
  });

  it('matches on the text of attached documents', async () => {
    const s = await instance({
      rules: [
        { when: { document_contains: 'Budget' }, replies: [{ text: 'about money' }] },
        { replies: [{ text: 'about something else' }] },
      ],
    });
    const doc = fakeDocument('# Budget 2027\n', { contentType: 'text/markdown' });
    const file = await s.knowledge.registerFile(doc.document, doc.openContent);
    const withDoc = await s.knowledge.executeQuery({ prompt: 'About?', files: [file] });
    const without = await s.knowledge.executeQuery({ prompt: 'About?', files: [] });

    expect([withDoc.response, without.response]).toEqual(['about money', 'about something else']);
    expect(s.provider.uploads).toBe(1);
  });

  it('gives a rule its replies in turn and repeats the last one', async () => {
    const s = await instance({ rules: [{ replies: [{ text: 'one' }, { text: 'two' }] }] });
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push((await s.knowledge.executeQuery({ prompt: 'x', files: [] })).response);
    }
    expect(answers).toEqual(['one', 'two', 'two']);
  });

  it('reads rules from YAML fixture files relative to the configuration', async () => {
    await writeFile(
      join(dir, 'answers.yaml'),
      'rules:\n  - name: from-file\n    when: { prompt_contains: minutes }\n    replies:\n      - json: { title: Minutes }\n',
    );
    const s = await instance({ fixtures: ['answers.yaml'] });
    const result = await s.knowledge.executeQuery({
      prompt: 'Title of the minutes?',
      outputSchema: { type: 'object', properties: { title: { type: 'string' } } },
      files: [],
    });
    expect(result.response).toEqual({ title: 'Minutes' });
  });

  it('fails to start on an invalid fixture file, naming the file', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'rules:\n  - replies: [{ jsno: 1 }]\n');
    const options = validOptions<ScriptedServiceOptions>(plugin, { fixtures: ['bad.yaml'] });
    const made = await plugin.create(options, fakePluginContext('demo', dir));
    await expect(made.start!(new AbortController().signal)).rejects.toThrow(/bad\.yaml.*not valid/);
  });

  it('fails a query no rule matches, unless a default reply is configured', async () => {
    const strict = await instance({
      rules: [{ when: { prompt_contains: 'zzz' }, replies: [{ text: 'z' }] }],
    });
    await expect(strict.knowledge.executeQuery({ prompt: 'x', files: [] })).rejects.toMatchObject({
      code: 'JULEE_KNOWLEDGE_NO_SCRIPTED_ANSWER',
      retryable: false,
    });
    const lenient = await instance({ default_reply: { text: 'default' } });
    expect((await lenient.knowledge.executeQuery({ prompt: 'x', files: [] })).response).toBe(
      'default',
    );
  });

  it('scripts provider errors with a retry-after, and delays', async () => {
    const s = await instance({
      rules: [
        {
          replies: [
            { error: 'rate_limited', retry_after_ms: 2500 },
            { text: 'late', delay_ms: 60 },
          ],
        },
      ],
    });
    await expect(s.knowledge.executeQuery({ prompt: 'x', files: [] })).rejects.toMatchObject({
      code: 'JULEE_KNOWLEDGE_RATE_LIMITED',
      retryable: true,
      retryAfterMs: 2500,
    });
    const started = Date.now();
    const late = await s.knowledge.executeQuery({ prompt: 'x', files: [] });
    expect(late.response).toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('rejects a reply with two kinds of answer', () => {
    expect(() =>
      validOptions(plugin, { rules: [{ replies: [{ text: 'a', json: { a: 1 } }] }] }),
    ).toThrow(/oneOf/);
  });
});
