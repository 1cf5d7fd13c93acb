import { describe, expect, it } from 'vitest';
import {
  FakeKnowledgeService,
  type FakeReplyPlan,
} from '../../../test/support/fake-knowledge-service.js';
import { knowledgeServiceResolver } from '../assembly/service-resolver.js';
import type { DocumentPolicyValidation, Policy } from '../entities.js';
import { validateEntity } from '../entity-validation.js';
import {
  bytesOf,
  createFakeRepositories,
  FakeClock,
  SequentialIdGenerator,
} from '../testing-fakes.js';
import { policyPassed, ValidateDocumentUseCase } from './validate-document.js';

const MINUTES = '{"title": "Q1 planning", "decisions": ["ship it"]}';

/** Decides a reply from the query id and the text of the document it is asked about. */
type Replier = (queryId: string, documentText: string) => FakeReplyPlan;

interface HarnessOptions {
  readonly policy?: Partial<Policy>;
  readonly reply: Replier;
}

async function harness(options: HarnessOptions) {
  const clock = new FakeClock();
  const repositories = createFakeRepositories(clock);
  const ids = new SequentialIdGenerator();
  const service: FakeKnowledgeService = new FakeKnowledgeService((request) => {
    const queryId = request.prompt.replace('prompt of ', '');
    const text = service.contentRead.get(request.files[0]!.document_id) ?? '';
    return options.reply(queryId, text);
  });

  await repositories.knowledge_service_config.save(
    validateEntity('knowledge_service_config', {
      knowledge_service_id: 'ks-fake',
      name: 'Fake',
      description: 'A fake knowledge service',
      service_api: 'fake',
    }),
  );
  for (const queryId of ['score-complete', 'score-clear', 'improve', 'polish']) {
    await repositories.knowledge_service_query.save(
      validateEntity('knowledge_service_query', {
        query_id: queryId,
        name: `Query ${queryId}`,
        knowledge_service_id: 'ks-fake',
        prompt: `prompt of ${queryId}`,
      }),
    );
  }
  const stored = await repositories.document.putContent(bytesOf(MINUTES));
  await repositories.document.save(
    validateEntity('document', {
      document_id: 'minutes',
      original_filename: 'minutes.txt',
      content_type: 'text/plain',
      ...stored,
    }),
  );
  await repositories.policy.save(
    validateEntity('policy', {
      policy_id: 'quality',
      title: 'Quality',
      description: 'Minutes must be complete and clear',
      validation_scores: [
        ['score-complete', 80],
        ['score-clear', 70],
      ],
      transformation_queries: ['improve', 'polish'],
      ...options.policy,
    }),
  );

  const statuses: string[] = [];
  const repository = repositories.document_policy_validation;
  const save = repository.save.bind(repository);
  repository.save = (validation: DocumentPolicyValidation) => {
    statuses.push(validation.status);
    return save(validation);
  };
  const useCase = new ValidateDocumentUseCase({
    repositories,
    clock,
    ids,
    knowledgeServices: knowledgeServiceResolver([{ name: 'fake', type: 'fake', service }]),
  });
  const run = (
    request: { document_id?: string; policy_id?: string; validation_id?: string } = {},
  ) => useCase.execute({ document_id: 'minutes', policy_id: 'quality', ...request });
  const onlyValidation = () => [...repository.records.values()][0]!;
  const contentOf = async (documentId: string) => {
    let text = '';
    for await (const chunk of await repositories.document.openContent(documentId)) {
      text += new TextDecoder().decode(chunk);
    }
    return text;
  };
  return { repositories, service, run, statuses, onlyValidation, contentOf };
}

/** Scores: low on the original, high on anything transformed (which mentions "improved"). */
const improvable: Replier = (queryId, text) => {
  const improved = text.includes('improved');
  switch (queryId) {
    case 'score-complete':
      return { answer: improved ? '**Score:** 92' : 'Score: 55' };
    case 'score-clear':
      return { answer: improved ? '88/100' : '60' };
    case 'improve':
      return { answer: JSON.stringify({ improved: 1, source: JSON.parse(text) as unknown }) };
    case 'polish':
      return {
        answer: `\`\`\`json\n${JSON.stringify({ polished: JSON.parse(text) as unknown })}\n\`\`\``,
      };
    default:
      return { answer: new Error(`unexpected query ${queryId}`) };
  }
};

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the validation to fail');
}

describe('ValidateDocumentUseCase', () => {
  it('passes a document whose scores meet the policy, with the short status sequence', async () => {
    const h = await harness({
      reply: (q) => ({ answer: q === 'score-complete' ? '85' : 'Score: 75' }),
    });
    const { validation } = await h.run();

    expect(h.statuses).toEqual(['pending', 'in_progress', 'validation_complete', 'passed']);
    expect(validation).toMatchObject({
      status: 'passed',
      passed: true,
      validation_scores: [
        ['score-complete', 85],
        ['score-clear', 75],
      ],
      transformed_document_id: null,
      post_transform_validation_scores: null,
      error_message: null,
    });
    expect(validation.completed_at).not.toBeNull();
    expect(h.service.calls.every((call) => call.outputSchema === undefined)).toBe(true);
  });

  it('fails a document below the policy when the policy has no transformations', async () => {
    const h = await harness({ policy: { transformation_queries: null }, reply: improvable });
    const { validation } = await h.run();
    expect(h.statuses).toEqual(['pending', 'in_progress', 'validation_complete', 'failed']);
    expect(validation).toMatchObject({ status: 'failed', passed: false });
  });

  it('chains the transformations, stores the result as JSON and scores it again', async () => {
    const h = await harness({ reply: improvable });
    const { validation } = await h.run();

    expect(h.statuses).toEqual([
      'pending',
      'in_progress',
      'validation_complete',
      'transformation_required',
      'transformation_in_progress',
      'transformation_complete',
      'in_progress',
      'passed',
    ]);
    expect(validation).toMatchObject({
      status: 'passed',
      passed: true,
      validation_scores: [
        ['score-complete', 55],
        ['score-clear', 60],
      ],
      post_transform_validation_scores: [
        ['score-complete', 92],
        ['score-clear', 88],
      ],
    });
    const transformed = (await h.repositories.document.get(validation.transformed_document_id!))!;
    expect(transformed).toMatchObject({
      original_filename: 'transformed_minutes.json',
      content_type: 'application/json',
      additional_metadata: {
        transformation_query_id: 'polish',
        transformation_step: 2,
        original_document_id: 'minutes',
      },
    });
    const text = await h.contentOf(transformed.document_id);
    // polish saw improve's output, which saw the original: the chain is complete.
    expect(JSON.parse(text)).toEqual({
      polished: { improved: 1, source: JSON.parse(MINUTES) as unknown },
    });
    expect(text).toBe(JSON.stringify(JSON.parse(text), null, 2));
    const intermediate = (transformed.additional_metadata as { transformed_from: string })
      .transformed_from;
    expect(h.service.contentRead.get(intermediate)).toBe(
      JSON.stringify({ improved: 1, source: JSON.parse(MINUTES) as unknown }, null, 2),
    );
  });

  it('fails after transformation when the new scores still miss the policy', async () => {
    const h = await harness({
      reply: (queryId, text) =>
        queryId === 'score-clear' ? { answer: '10' } : improvable(queryId, text),
    });
    const { validation } = await h.run();
    expect(h.statuses.at(-1)).toBe('failed');
    expect(validation).toMatchObject({
      status: 'failed',
      passed: false,
      post_transform_validation_scores: [
        ['score-complete', 92],
        ['score-clear', 10],
      ],
    });
    expect(validation.transformed_document_id).not.toBeNull();
  });

  it('records an error when a score is outside 0..100', async () => {
    const h = await harness({
      reply: (q) => ({ answer: q === 'score-clear' ? 'Score: 120' : '90' }),
    });
    const error = await failure(h.run());
    expect(error).toMatchObject({ code: 'JULEE_VALIDATION_SCORE_INVALID' });
    expect(h.statuses).toEqual(['pending', 'in_progress', 'error']);
    expect(h.onlyValidation()).toMatchObject({ status: 'error', passed: false });
    expect(h.onlyValidation().error_message).toBe(
      'Scoring query score-clear answered with the score 120, which is outside 0..100',
    );
    expect(h.onlyValidation().completed_at).not.toBeNull();
  });

  it('records an error when a transformation does not answer with JSON', async () => {
    const h = await harness({
      reply: (queryId, text) =>
        queryId === 'improve'
          ? { answer: 'Here are the improved minutes!' }
          : improvable(queryId, text),
    });
    const error = await failure(h.run());
    expect(error).toMatchObject({ code: 'JULEE_VALIDATION_TRANSFORMATION_INVALID' });
    expect(h.statuses.slice(-2)).toEqual(['transformation_in_progress', 'error']);
    expect(h.onlyValidation().error_message).toBe(
      'Transformation query improve did not answer with a JSON document',
    );
  });

  it.each([
    [{ policy_id: 'no-such-policy' }, 'Policy not found: no-such-policy'],
    [{ document_id: 'no-such-document' }, 'Document not found: no-such-document'],
  ])('records an error when %j is missing', async (request, message) => {
    const h = await harness({ reply: improvable });
    const error = await failure(h.run(request));
    expect(error.message).toBe(message);
    expect(h.statuses).toEqual(['pending', 'error']);
    expect(h.onlyValidation()).toMatchObject({
      status: 'error',
      error_message: message,
      passed: false,
    });
  });

  it('records an error when a validation query is missing', async () => {
    const h = await harness({ reply: improvable });
    await h.repositories.knowledge_service_query.delete('score-clear');
    await failure(h.run());
    expect(h.onlyValidation().error_message).toBe('Validation query not found: score-clear');
  });

  it('refuses a deprecated policy with an error record', async () => {
    const h = await harness({ policy: { status: 'deprecated' }, reply: improvable });
    await failure(h.run());
    expect(h.onlyValidation().error_message).toContain('Policy quality is deprecated');
    expect(h.service.calls).toHaveLength(0);
  });

  it('returns a finished validation again when its id is reused', async () => {
    const h = await harness({ reply: improvable });
    const first = await h.run({ validation_id: 'validation-fixed' });
    const calls = h.service.calls.length;
    const again = await h.run({ validation_id: 'validation-fixed' });
    expect(again.validation).toEqual(first.validation);
    expect(h.service.calls.length).toBe(calls);
  });

  it('refuses to reuse a validation id that belongs to another policy', async () => {
    const h = await harness({ reply: improvable });
    await h.run({ validation_id: 'validation-shared' });
    await expect(
      h.run({ validation_id: 'validation-shared', policy_id: 'another-policy' }),
    ).rejects.toMatchObject({ code: 'JULEE_CONFLICT' });
  });
});

describe('policyPassed', () => {
  const policy = {
    validation_scores: [['a', 80] as const, ['b', 0] as const],
  } as unknown as Policy;

  it('needs every required score met or exceeded', () => {
    expect(
      policyPassed(policy, [
        ['a', 80],
        ['b', 0],
      ]),
    ).toBe(true);
    expect(
      policyPassed(policy, [
        ['a', 79],
        ['b', 100],
      ]),
    ).toBe(false);
  });

  it('counts a missing score as 0', () => {
    expect(policyPassed(policy, [['a', 90]])).toBe(true);
    expect(policyPassed(policy, [['b', 90]])).toBe(false);
  });
});
