import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QueryRequest } from '../domain/knowledge-service.js';
import { KnowledgeServiceError, type KnowledgeErrorCode } from '../errors/knowledge-errors.js';
import {
  conformanceDocument,
  memoryRegistrationStore,
  samplePdfBytes,
  type KnowledgeConformanceAdapter,
  type KnowledgeConformanceOptions,
  type KnowledgeConformanceSetup,
  type KnowledgeConformanceSubject,
} from './knowledge-conformance-support.js';

const MINUTES_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['title', 'attendees'],
  properties: {
    title: { type: 'string', minLength: 1 },
    attendees: { type: 'array', items: { type: 'string' } },
    duration_minutes: { type: 'integer', minimum: 0 },
  },
} as const;

const GOOD_ANSWER = { title: 'Quarterly review', attendees: ['Ana', 'Bo'], duration_minutes: 45 };

async function expectKnowledgeError(
  promise: Promise<unknown>,
  code: KnowledgeErrorCode,
  retryable: boolean,
): Promise<KnowledgeServiceError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KnowledgeServiceError);
  const knowledgeError = error as KnowledgeServiceError;
  expect(knowledgeError.code).toBe(code);
  expect(knowledgeError.retryable).toBe(retryable);
  return knowledgeError;
}

/**
 * Registers the knowledge-service conformance suite with vitest: every service plugin, built-in
 * or third-party, passes it. Call it at the top level of a test file.
 *
 * @example
 * runKnowledgeServiceConformance('my-provider', {
 *   setup: () => fake.start(),
 *   teardown: () => fake.stop(),
 *   create: async (setup) => {
 *     fake.script(setup.replies);
 *     const instance = await plugin.create({ ...options, base_url: fake.url }, context);
 *     return { service: instance.knowledge!, calls: () => fake.calls(), uploads: () => fake.uploads,
 *              close: () => instance.stop?.() ?? Promise.resolve() };
 *   },
 * });
 */
export function runKnowledgeServiceConformance(
  name: string,
  adapter: KnowledgeConformanceAdapter,
  options: KnowledgeConformanceOptions = {},
): void {
  const open: KnowledgeConformanceSubject[] = [];
  const subject = async (setup: KnowledgeConformanceSetup) => {
    const made = await adapter.create(setup);
    open.push(made);
    return made;
  };
  const contentType = options.documentContentType ?? 'application/pdf';
  const doc = (bytes: Uint8Array, id?: string) =>
    conformanceDocument(bytes, { id, contentType, filename: 'minutes.pdf' });
  const ask = (extra: Partial<QueryRequest> = {}): QueryRequest => ({
    prompt: 'Extract the meeting title, attendees and duration.',
    outputSchema: MINUTES_SCHEMA,
    files: [],
    assistantPrompt: '{',
    ...extra,
  });

  describe(`knowledge service conformance: ${name}`, () => {
    beforeAll(async () => adapter.setup?.());
    afterAll(async () => adapter.teardown?.());
    afterEach(async () => {
      const closing = open.splice(0);
      await Promise.all(closing.map((s) => s.close()));
    });

    describe('structured answers', () => {
      it('returns the parsed answer with model, stop reason, usage and latency', async () => {
        const s = await subject({ replies: [{ answer: JSON.stringify(GOOD_ANSWER) }] });
        const result = await s.service.executeQuery(ask());

        expect(result.response).toEqual(GOOD_ANSWER);
        expect(result.attempts).toHaveLength(1);
        expect(result.attempts[0]!.errors).toEqual([]);
        expect(result.model).not.toBe('');
        expect(result.stop_reason).not.toBeNull();
        expect(result.usage.output_tokens).toBeGreaterThan(0);
        expect(result.latency_ms).toBeGreaterThanOrEqual(0);
        expect(['native', 'instructions']).toContain(result.structured_output_mode);
        expect(s.calls()).toHaveLength(1);
      });

      it('returns the text of an answer when no schema is given', async () => {
        const s = await subject({ replies: [{ answer: 'Score: 80' }] });
        const result = await s.service.executeQuery({ prompt: 'Score it.', files: [] });

        expect(result.response).toBe('Score: 80');
        expect(result.structured_output_mode).toBe('none');
      });

      it('reports an answer cut off at max_tokens as truncated', async () => {
        const s = await subject({ replies: [{ truncated: '{"title": "Quarterly' }] });
        const error = await expectKnowledgeError(
          s.service.executeQuery(ask()),
          'JULEE_KNOWLEDGE_TRUNCATED',
          false,
        );
        expect(error.attempts).toHaveLength(1);
      });

      it('reports a refusal as refused', async () => {
        const s = await subject({ replies: [{ refusal: true }] });
        await expectKnowledgeError(s.service.executeQuery(ask()), 'JULEE_KNOWLEDGE_REFUSED', false);
      });
    });

    describe('validation and re-asking', () => {
      it('re-asks after malformed JSON, listing the problem after the bad answer', async () => {
        const s = await subject({
          replies: [
            { answer: '{"title": "Quarterly review", "attendees": [' },
            { answer: JSON.stringify(GOOD_ANSWER) },
          ],
        });
        const result = await s.service.executeQuery(ask());

        expect(result.response).toEqual(GOOD_ANSWER);
        expect(result.attempts).toHaveLength(2);
        expect(result.attempts[0]!.errors.join(' ')).toMatch(/not valid JSON/);
        const second = s.calls()[1]!;
        expect(second.map((t) => t.role).slice(0, 3)).toEqual(['user', 'assistant', 'user']);
        expect(second[1]!.text).toContain('"attendees": [');
        expect(second[2]!.text).toMatch(/not valid JSON/);
      });

      it('re-asks after a schema violation with the violations listed', async () => {
        const bad = { title: 7, attendees: ['Ana'] };
        const s = await subject({
          replies: [{ answer: JSON.stringify(bad) }, { answer: JSON.stringify(GOOD_ANSWER) }],
        });
        const result = await s.service.executeQuery(ask());

        expect(result.response).toEqual(GOOD_ANSWER);
        expect(result.attempts[0]!.errors.join(' ')).toContain('/title');
        const reask = s
          .calls()[1]!
          .filter((t) => t.role === 'user')
          .at(-1)!;
        expect(reask.text).toContain('/title');
        expect(result.usage.output_tokens).toBe(
          result.attempts[0]!.usage.output_tokens + result.attempts[1]!.usage.output_tokens,
        );
      });

      it('fails with the violations listed once the re-asks are used up', async () => {
        const bad = JSON.stringify({ title: '', attendees: 'Ana' });
        const s = await subject({
          maxRepairs: 1,
          replies: [{ answer: bad }, { answer: bad }, { answer: JSON.stringify(GOOD_ANSWER) }],
        });
        const error = await expectKnowledgeError(
          s.service.executeQuery(ask()),
          'JULEE_KNOWLEDGE_SCHEMA_VIOLATION',
          false,
        );

        expect(error.message).toContain('/attendees');
        expect(error.details?.violations).toEqual(
          expect.arrayContaining([expect.stringContaining('/title')]),
        );
        expect(error.attempts).toHaveLength(2);
        expect(s.calls()).toHaveLength(2);
      });

      it('fails before any call when the output schema cannot be compiled', async () => {
        const s = await subject({ replies: [] });
        await expectKnowledgeError(
          s.service.executeQuery(
            ask({
              outputSchema: { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } },
            }),
          ),
          'JULEE_KNOWLEDGE_INVALID_SCHEMA',
          false,
        );
        expect(s.calls()).toHaveLength(0);
      });
    });

    describe('provider errors', () => {
      it('turns a 429 into a retryable rate-limit error with the retry-after', async () => {
        const s = await subject({ replies: [{ error: 'rate_limited', retryAfterSeconds: 7 }] });
        const error = await expectKnowledgeError(
          s.service.executeQuery(ask()),
          'JULEE_KNOWLEDGE_RATE_LIMITED',
          true,
        );
        expect(error.retryAfterMs).toBe(7000);
        expect(s.calls()).toHaveLength(1);
      });

      it('turns an overload into a retryable overloaded error', async () => {
        const s = await subject({ replies: [{ error: 'overloaded' }] });
        await expectKnowledgeError(
          s.service.executeQuery(ask()),
          'JULEE_KNOWLEDGE_OVERLOADED',
          true,
        );
        expect(s.calls()).toHaveLength(1);
      });

      it('turns a 500 into a retryable provider-unavailable error', async () => {
        const s = await subject({ replies: [{ error: 'server_error' }] });
        await expectKnowledgeError(
          s.service.executeQuery(ask()),
          'JULEE_KNOWLEDGE_PROVIDER_UNAVAILABLE',
          true,
        );
        expect(s.calls()).toHaveLength(1);
      });

      it('does not retry a spend-limit 429', async () => {
        const s = await subject({ replies: [{ error: 'spend_limit' }] });
        await expectKnowledgeError(
          s.service.executeQuery(ask()),
          'JULEE_KNOWLEDGE_SPEND_LIMIT',
          false,
        );
      });

      it('does not retry 400, 401 or 413', async () => {
        const s = await subject({
          replies: [{ error: 'bad_request' }, { error: 'auth' }, { error: 'too_large' }],
        });
        await expectKnowledgeError(
          s.service.executeQuery(ask()),
          'JULEE_KNOWLEDGE_BAD_REQUEST',
          false,
        );
        await expectKnowledgeError(s.service.executeQuery(ask()), 'JULEE_KNOWLEDGE_AUTH', false);
        await expectKnowledgeError(
          s.service.executeQuery(ask()),
          'JULEE_KNOWLEDGE_TOO_LARGE',
          false,
        );
      });

      it('times out a slow answer as a retryable timeout', async () => {
        const s = await subject({ requestTimeoutMs: 300, replies: [{ hang: true }] });
        const started = Date.now();
        await expectKnowledgeError(s.service.executeQuery(ask()), 'JULEE_KNOWLEDGE_TIMEOUT', true);
        expect(Date.now() - started).toBeLessThan(5000);
      });

      it('cancels a call in flight when the signal fires', async () => {
        const s = await subject({ replies: [{ hang: true }] });
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const started = Date.now();
        await expectKnowledgeError(
          s.service.executeQuery(ask(), { signal: controller.signal }),
          'JULEE_KNOWLEDGE_CANCELLED',
          false,
        );
        expect(Date.now() - started).toBeLessThan(5000);
      });

      it('makes no call when the signal has already fired', async () => {
        const s = await subject({ replies: [{ answer: JSON.stringify(GOOD_ANSWER) }] });
        await expectKnowledgeError(
          s.service.executeQuery(ask(), { signal: AbortSignal.abort() }),
          'JULEE_KNOWLEDGE_CANCELLED',
          false,
        );
        expect(s.calls()).toHaveLength(0);
      });
    });

    describe('documents', () => {
      it('registers a large document and answers a query about it', async () => {
        const size = options.largeDocumentBytes ?? 6 * 1024 * 1024;
        const s = await subject({ replies: [{ answer: JSON.stringify(GOOD_ANSWER) }] });
        const { document, openContent } = doc(samplePdfBytes(size, 7));
        const registration = await s.service.registerFile(document, openContent);

        expect(registration.document_id).toBe(document.document_id);
        expect(registration.content_multihash).toBe(document.content_multihash);
        expect(s.uploads()).toBe(registration.provider_file_id === null ? 0 : 1);
        const result = await s.service.executeQuery(ask({ files: [registration] }));
        expect(result.response).toEqual(GOOD_ANSWER);
      }, 60_000);

      it('registers the same content once, also when registrations run concurrently', async () => {
        const s = await subject({ replies: [] });
        const bytes = samplePdfBytes(200_000, 11);
        const first = doc(bytes, 'doc-conformance-a');
        const others = ['b', 'c', 'd', 'e'].map((x) => doc(bytes, `doc-conformance-${x}`));
        const results = await Promise.all(
          [first, ...others].map((d) => s.service.registerFile(d.document, d.openContent)),
        );
        const again = await s.service.registerFile(first.document, first.openContent);

        expect(new Set(results.map((r) => r.provider_file_id)).size).toBe(1);
        expect(again.provider_file_id).toBe(results[0]!.provider_file_id);
        expect(results.map((r) => r.document_id)).toEqual([
          'doc-conformance-a',
          'doc-conformance-b',
          'doc-conformance-c',
          'doc-conformance-d',
          'doc-conformance-e',
        ]);
        expect(s.uploads()).toBe(results[0]!.provider_file_id === null ? 0 : 1);
      });

      it('reuses a registration from the durable store after a restart', async () => {
        const store = memoryRegistrationStore();
        const bytes = samplePdfBytes(50_000, 13);
        const first = await subject({ replies: [], registrationStore: store });
        const made = await first.service.registerFile(doc(bytes).document, doc(bytes).openContent);
        await first.close();

        const second = await subject({ replies: [], registrationStore: store });
        const d = doc(bytes, 'doc-conformance-after-restart');
        const reused = await second.service.registerFile(d.document, d.openContent);

        expect(reused.provider_file_id).toBe(made.provider_file_id);
        expect(reused.document_id).toBe('doc-conformance-after-restart');
        if (made.provider_file_id !== null) expect(second.uploads()).toBe(0);
      });

      it('refuses content that does not hash to the document content_multihash', async () => {
        const s = await subject({ replies: [] });
        const { document } = doc(samplePdfBytes(10_000, 17));
        const other = doc(samplePdfBytes(10_000, 19));
        await expectKnowledgeError(
          s.service.registerFile(document, other.openContent),
          'JULEE_KNOWLEDGE_CONTENT_MISMATCH',
          false,
        );
      });

      it('refuses a document above max_document_bytes', async () => {
        const s = await subject({ replies: [], maxDocumentBytes: 1000 });
        const { document, openContent } = doc(samplePdfBytes(5000, 23));
        await expectKnowledgeError(
          s.service.registerFile(document, openContent),
          'JULEE_KNOWLEDGE_TOO_LARGE',
          false,
        );
        expect(s.uploads()).toBe(0);
      });
    });
  });
}
