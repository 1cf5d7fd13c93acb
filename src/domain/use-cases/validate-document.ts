import { ConflictError, InputError, NotFoundError } from '../../errors/julee-error.js';
import { runBounded } from '../assembly/bounded-parallel.js';
import { DocumentRegistrar } from '../assembly/document-registrar.js';
import { PipelineError } from '../assembly/pipeline-errors.js';
import { modelOptionsFor } from '../assembly/query-options.js';
import { parseScore } from '../assembly/score-parsing.js';
import type { KnowledgeServiceResolver } from '../assembly/service-resolver.js';
import { textSource } from '../assembly/text-source.js';
import type {
  Document,
  DocumentPolicyValidation,
  JsonValue,
  KnowledgeServiceQuery,
  Policy,
  ScorePair,
} from '../entities.js';
import { updateEntity, validateEntity } from '../entity-validation.js';
import type { KnowledgeService } from '../knowledge-service.js';
import type { UseCaseDeps } from './use-case-deps.js';

export interface ValidateDocumentRequest {
  readonly document_id: string;
  readonly policy_id: string;
  /**
   * Id to store the validation under, so that a retried activity or workflow reuses it; generated
   * when left out. A finished validation (passed or failed) with this id is returned as it is.
   */
  readonly validation_id?: string;
  /** Cancels the run; the validation then ends with status `error`. */
  readonly signal?: AbortSignal;
}

export interface ValidateDocumentResponse {
  readonly validation: DocumentPolicyValidation;
}

export interface ValidateDocumentDeps extends UseCaseDeps {
  readonly knowledgeServices: KnowledgeServiceResolver;
}

export interface ValidateDocumentOptions {
  /** Scoring queries in flight at once; default 4. */
  readonly max_parallel_queries?: number;
}

/** A query with the service that answers it. */
interface BoundQuery {
  readonly query: KnowledgeServiceQuery;
  readonly service: KnowledgeService;
  readonly options: ReturnType<typeof modelOptionsFor>;
}

const RETIRED_STATUSES = new Set(['deprecated', 'inactive']);
const MAX_MESSAGE_LENGTH = 4000;

/** Passed iff every required score is met; a score that is missing counts as 0. */
export function policyPassed(policy: Policy, scores: readonly ScorePair[]): boolean {
  const actual = new Map(scores);
  return policy.validation_scores.every(
    ([queryId, required]) => (actual.get(queryId) ?? 0) >= required,
  );
}

/** The JSON document in a transformation answer (an answer wrapped in a Markdown fence is unwrapped). */
function transformationJson(answer: JsonValue, queryId: string): JsonValue {
  const text = typeof answer === 'string' ? answer.trim() : null;
  const fenced = text === null ? null : /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(text);
  try {
    if (text === null) throw new Error('not text');
    return JSON.parse(fenced === null ? text : fenced[1]!) as JsonValue;
  } catch (error) {
    throw new PipelineError(
      'JULEE_VALIDATION_TRANSFORMATION_INVALID',
      `Transformation query ${queryId} did not answer with a JSON document`,
      { cause: error, details: { query_id: queryId } },
    );
  }
}

function transformedFilename(original: string): string {
  const dot = original.lastIndexOf('.');
  const stem = dot > 0 ? original.slice(0, dot) : original;
  return `transformed_${stem.slice(0, 255 - 'transformed_.json'.length)}.json`;
}

/**
 * Scores a document against a policy and, when it fails and the policy has transformations,
 * transforms it and scores the result (spec section 4.2). Statuses, each saved as it is reached:
 * pending → in_progress → validation_complete → passed|failed, or … validation_complete →
 * transformation_required → transformation_in_progress → transformation_complete → in_progress →
 * passed|failed; any failure after the record exists → error (with error_message, passed false).
 *
 * Differences from Julee, on purpose: the record is created before the document and the policy are
 * looked up, so their absence is recorded; `deprecated` and `inactive` policies are refused;
 * scores are parsed from answers such as "Score: 80" and refused outside 0..100; transformations
 * are chained (each transforms the previous one's output, read back from the repository, never
 * carried in memory), every output must be JSON and is stored as an application/json document.
 */
export class ValidateDocumentUseCase {
  private readonly maxParallelQueries: number;

  constructor(
    private readonly deps: ValidateDocumentDeps,
    options: ValidateDocumentOptions = {},
  ) {
    const limit = options.max_parallel_queries ?? 4;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new InputError(`max_parallel_queries must be a positive integer, not ${limit}`);
    }
    this.maxParallelQueries = limit;
  }

  async execute(request: ValidateDocumentRequest): Promise<ValidateDocumentResponse> {
    const repository = this.deps.repositories.document_policy_validation;
    const id = request.validation_id ?? this.deps.ids.newId('document_policy_validation');
    if (request.validation_id !== undefined) {
      const existing = await repository.get(id);
      if (
        existing !== null &&
        (existing.input_document_id !== request.document_id ||
          existing.policy_id !== request.policy_id)
      ) {
        throw new ConflictError(`Validation ${id} already exists for another document or policy`, {
          details: { entity: 'document_policy_validation', id },
        });
      }
      if (existing?.status === 'passed' || existing?.status === 'failed') {
        return { validation: existing };
      }
    }
    const record = await repository.save(
      validateEntity('document_policy_validation', {
        validation_id: id,
        input_document_id: request.document_id,
        policy_id: request.policy_id,
        status: 'pending',
        validation_scores: [],
        transformed_document_id: null,
        post_transform_validation_scores: null,
        started_at: this.now(),
        completed_at: null,
        error_message: null,
        passed: null,
      }),
    );
    const run = new ValidationRun(this.deps, record, this.maxParallelQueries, request.signal);
    try {
      return { validation: await run.execute() };
    } catch (error) {
      await run.recordError(error);
      throw error;
    }
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}

class ValidationRun {
  private readonly registrar: DocumentRegistrar;

  constructor(
    private readonly deps: ValidateDocumentDeps,
    private record: DocumentPolicyValidation,
    private readonly maxParallelQueries: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.registrar = new DocumentRegistrar(deps.repositories.document, signal);
  }

  async execute(): Promise<DocumentPolicyValidation> {
    const document = await this.load('document', this.record.input_document_id, 'Document');
    const policy = await this.load('policy', this.record.policy_id, 'Policy');
    if (RETIRED_STATUSES.has(policy.status)) {
      throw new InputError(
        `Policy ${policy.policy_id} is ${policy.status} and cannot be used; only active and ` +
          'draft policies validate documents',
        { details: { violations: [{ path: '/status', message: 'must be active or draft' }] } },
      );
    }
    await this.update({ status: 'in_progress' });

    const scoring = await this.bind(
      policy.validation_scores.map(([queryId]) => queryId),
      'Validation query',
    );
    const transformations = await this.bind(
      policy.transformation_queries ?? [],
      'Transformation query',
    );
    const scores = await this.score(scoring, document);
    await this.update({ validation_scores: scores, status: 'validation_complete' });
    const passed = policyPassed(policy, scores);
    if (passed || transformations.length === 0) return this.finish(passed, {});

    await this.update({ status: 'transformation_required' });
    await this.update({ status: 'transformation_in_progress' });
    const transformed = await this.transform(transformations, document);
    await this.update({
      transformed_document_id: transformed.document_id,
      status: 'transformation_complete',
    });
    await this.update({ status: 'in_progress' });
    const after = await this.score(scoring, transformed);
    return this.finish(policyPassed(policy, after), { post_transform_validation_scores: after });
  }

  async recordError(error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const message = this.signal?.aborted === true ? `Validation cancelled: ${reason}` : reason;
    try {
      await this.update({
        status: 'error',
        error_message:
          message.length > MAX_MESSAGE_LENGTH
            ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…`
            : message,
        passed: false,
        completed_at: this.deps.clock.now().toISOString(),
      });
    } catch (saveError) {
      // The run's own error is what the caller must see; the failed update travels as its cause.
      if (error instanceof Error && error.cause === undefined) {
        Object.defineProperty(error, 'cause', { value: saveError, configurable: true });
      }
    }
  }

  private async finish(
    passed: boolean,
    changes: Partial<DocumentPolicyValidation>,
  ): Promise<DocumentPolicyValidation> {
    return this.update({
      ...changes,
      status: passed ? 'passed' : 'failed',
      passed,
      completed_at: this.deps.clock.now().toISOString(),
    });
  }

  private async update(changes: Partial<DocumentPolicyValidation>) {
    const next = updateEntity('document_policy_validation', this.record, changes);
    this.record = await this.deps.repositories.document_policy_validation.save(next);
    return this.record;
  }

  private async load<K extends 'document' | 'policy'>(entity: K, id: string, label: string) {
    const found = (await this.deps.repositories[entity].get(id)) as
      (K extends 'document' ? Document : Policy) | null;
    if (found === null) {
      throw new NotFoundError(`${label} not found: ${id}`, { details: { entity, id } });
    }
    return found;
  }

  /** The queries with their services, in the given order. */
  private async bind(queryIds: readonly string[], label: string): Promise<BoundQuery[]> {
    const queries = this.deps.repositories.knowledge_service_query;
    const configs = this.deps.repositories.knowledge_service_config;
    const bound: BoundQuery[] = [];
    for (const queryId of queryIds) {
      const query = await queries.get(queryId);
      if (query === null) {
        throw new NotFoundError(`${label} not found: ${queryId}`, {
          details: { entity: 'knowledge_service_query', id: queryId },
        });
      }
      const config = await configs.get(query.knowledge_service_id);
      if (config === null) {
        throw new NotFoundError(
          `Knowledge service config not found: ${query.knowledge_service_id}`,
          {
            details: { entity: 'knowledge_service_config', id: query.knowledge_service_id },
          },
        );
      }
      const options = modelOptionsFor(config, query);
      bound.push({ query, service: this.deps.knowledgeServices(config), options });
    }
    return bound;
  }

  private async ask(bound: BoundQuery, document: Document, signal?: AbortSignal) {
    const registration = await this.registrar.register(bound.service, document);
    const result = await bound.service.executeQuery(
      {
        prompt: bound.query.prompt,
        files: [registration],
        options: bound.options,
        assistantPrompt: bound.query.assistant_prompt,
        openContent: this.registrar.openContent,
      },
      signal === undefined ? this.registrar.callOptions() : { signal },
    );
    return result.response;
  }

  /** Every scoring query on the document, in parallel up to the limit; scores in policy order. */
  private async score(scoring: readonly BoundQuery[], document: Document): Promise<ScorePair[]> {
    const stop = new AbortController();
    const signal =
      this.signal === undefined ? stop.signal : AbortSignal.any([this.signal, stop.signal]);
    const outcomes = await runBounded(scoring, this.maxParallelQueries, signal, async (bound) => {
      try {
        return parseScore(await this.ask(bound, document, signal), bound.query.query_id);
      } catch (error) {
        stop.abort(error);
        throw error;
      }
    });
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) throw stop.signal.reason ?? failure.reason;
    if (signal.aborted) throw signal.reason;
    return outcomes.map((outcome, index) => [
      scoring[index]!.query.query_id,
      (outcome as { value: number }).value,
    ]);
  }

  /** The transformations in order, each on the previous output; returns the last output. */
  private async transform(transformations: readonly BoundQuery[], original: Document) {
    let current = original;
    for (const [index, bound] of transformations.entries()) {
      const value = transformationJson(await this.ask(bound, current), bound.query.query_id);
      const stored = await this.deps.repositories.document.putContent(
        textSource(JSON.stringify(value, null, 2)),
        this.registrar.callOptions(),
      );
      const now = this.deps.clock.now().toISOString();
      current = await this.deps.repositories.document.save(
        validateEntity('document', {
          document_id: this.deps.ids.newId('document'),
          original_filename: transformedFilename(original.original_filename),
          content_type: 'application/json',
          ...stored,
          status: 'captured',
          knowledge_service_id: null,
          assembly_types: [],
          additional_metadata: {
            validation_id: this.record.validation_id,
            policy_id: this.record.policy_id,
            original_document_id: original.document_id,
            transformed_from: current.document_id,
            transformation_query_id: bound.query.query_id,
            transformation_step: index + 1,
          },
          created_at: now,
          updated_at: now,
        }),
      );
    }
    return current;
  }
}
