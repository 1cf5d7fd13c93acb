import type { JsonObject, JsonValue } from '../domain/entities.js';
import type {
  QueryAttempt,
  QueryRequest,
  QueryResult,
  TokenUsage,
} from '../domain/knowledge-service.js';
import { KnowledgeServiceError } from '../errors/knowledge-errors.js';
import { parseJsonAnswer } from './answer-parser.js';
import { jsonHash } from './canonical-json.js';
import { listViolations, repairRequest, schemaInstructions } from './prompts.js';
import type {
  CallDocument,
  ConversationTurn,
  KnowledgeProvider,
  ProviderAnswer,
  ProviderCall,
} from './provider.js';
import { dropNullOptionals } from './optional-nulls.js';
import { projectSchema, type StructuredOutputDialect } from './schema-projection.js';
import type { OutputSchemaValidator } from './schema-validator.js';

/** The model options a query runs with, after defaults and the instance's limits. */
export interface ResolvedModelOptions {
  readonly model: string;
  readonly maxTokens: number;
  readonly temperature: number | undefined;
}

export interface StructuredQueryInput {
  readonly provider: KnowledgeProvider;
  readonly serviceInstance: string;
  readonly request: QueryRequest;
  readonly options: ResolvedModelOptions;
  readonly documents: readonly CallDocument[];
  readonly maxRepairs: number;
  readonly validator: OutputSchemaValidator;
  readonly signal: AbortSignal;
  /** Runs one provider call (the service wraps it in its concurrency limit and error mapping). */
  readonly invoke: (call: ProviderCall) => Promise<ProviderAnswer>;
  readonly now?: () => number;
}

interface SchemaPlan {
  readonly mode: QueryResult['structured_output_mode'];
  readonly nativeSchema: JsonObject | null;
  readonly notes: readonly string[];
}

function planSchema(
  dialect: StructuredOutputDialect | null,
  schema: JsonObject | undefined,
): SchemaPlan {
  if (!schema) return { mode: 'none', nativeSchema: null, notes: [] };
  if (!dialect) {
    return { mode: 'instructions', nativeSchema: null, notes: ['no native structured output'] };
  }
  const projection = projectSchema(schema, dialect);
  return projection.schema
    ? { mode: 'native', nativeSchema: projection.schema, notes: projection.relaxed }
    : { mode: 'instructions', nativeSchema: null, notes: projection.reasons };
}

/**
 * Runs a query: sends the schema natively or as instructions, parses and validates every answer
 * against the original schema, and re-asks (as a fresh user turn after the bad answer) at most
 * `maxRepairs` times. Throws KnowledgeServiceError carrying the attempts made so far.
 */
export async function runStructuredQuery(input: StructuredQueryInput): Promise<QueryResult> {
  const { provider, request, validator } = input;
  const now = input.now ?? (() => performance.now());
  const schema = request.outputSchema;
  if (schema) validator.compile(schema);

  const dialect = provider.dialect(input.options.model);
  const plan = planSchema(dialect, schema);
  const prompt =
    plan.mode === 'instructions' && schema
      ? request.prompt + schemaInstructions(schema)
      : request.prompt;
  const wanted = request.assistantPrompt ?? null;
  const prefill =
    wanted !== null && wanted !== '' && provider.supportsPrefill(plan.nativeSchema !== null)
      ? wanted
      : null;

  const turns: ConversationTurn[] = [{ role: 'user', text: prompt }];
  const attempts: QueryAttempt[] = [];
  const started = now();
  const fail = (error: KnowledgeServiceError): KnowledgeServiceError =>
    attempts.length === 0
      ? error
      : new KnowledgeServiceError(error.code, error.message, {
          cause: error.cause,
          details: error.details,
          retryAfterMs: error.retryAfterMs,
          attempts: [...attempts],
        });

  for (let attempt = 0; ; attempt++) {
    const callStarted = now();
    let answer: ProviderAnswer;
    try {
      answer = await input.invoke({
        model: input.options.model,
        maxTokens: input.options.maxTokens,
        temperature: input.options.temperature,
        documents: input.documents,
        turns: [...turns],
        prefill,
        nativeSchema: plan.nativeSchema,
        signal: input.signal,
      });
    } catch (error) {
      throw error instanceof KnowledgeServiceError ? fail(error) : error;
    }
    const latency = Math.round(now() - callStarted);
    const fullText = (prefill ?? '') + answer.text;
    const record = (errors: string[]): QueryAttempt => ({
      model: answer.model,
      stop_reason: answer.stopReason,
      usage: answer.usage,
      latency_ms: latency,
      request_id: answer.requestId,
      raw_text: fullText,
      errors,
    });

    const stopped = checkOutcome(answer, input);
    if (stopped) {
      attempts.push(record([stopped.message]));
      throw fail(stopped);
    }
    if (!schema) {
      attempts.push(record([]));
      return result(input, plan, fullText, answer, attempts, now() - started);
    }

    const parsed = parseJsonAnswer(answer.text, prefill);
    let errors: string[];
    let value: JsonValue = null;
    if (parsed.ok) {
      value =
        plan.mode === 'native' && dialect === 'openai-strict'
          ? dropNullOptionals(parsed.value, schema)
          : parsed.value;
      errors = validator.validate(schema, value);
    } else {
      errors = [parsed.error];
    }
    attempts.push(record(errors));
    if (errors.length === 0) return result(input, plan, value, answer, attempts, now() - started);

    if (attempt >= input.maxRepairs) {
      throw new KnowledgeServiceError(
        'JULEE_KNOWLEDGE_SCHEMA_VIOLATION',
        `the answer of service "${input.serviceInstance}" breaks the output schema after ` +
          `${attempts.length} attempt(s): ${listViolations(errors)}`,
        {
          details: {
            provider: provider.provider,
            service_instance: input.serviceInstance,
            violations: errors,
            attempts: attempts.length,
          },
          attempts: [...attempts],
        },
      );
    }
    turns.push(
      { role: 'assistant', text: fullText },
      { role: 'user', text: repairRequest(errors) },
    );
  }
}

function checkOutcome(
  answer: ProviderAnswer,
  input: StructuredQueryInput,
): KnowledgeServiceError | null {
  const base = {
    provider: input.provider.provider,
    service_instance: input.serviceInstance,
    model: answer.model,
    stop_reason: answer.stopReason,
    request_id: answer.requestId,
  };
  if (answer.outcome === 'truncated') {
    return new KnowledgeServiceError(
      'JULEE_KNOWLEDGE_TRUNCATED',
      `the answer of service "${input.serviceInstance}" was cut off at max_tokens ` +
        `(${input.options.maxTokens}, stop reason "${answer.stopReason ?? 'unknown'}")`,
      { details: { ...base, max_tokens: input.options.maxTokens } },
    );
  }
  if (answer.outcome === 'refused') {
    return new KnowledgeServiceError(
      'JULEE_KNOWLEDGE_REFUSED',
      `the model of service "${input.serviceInstance}" declined to answer`,
      { details: base },
    );
  }
  return null;
}

function result(
  input: StructuredQueryInput,
  plan: SchemaPlan,
  response: JsonValue,
  last: ProviderAnswer,
  attempts: readonly QueryAttempt[],
  elapsed: number,
): QueryResult {
  return {
    response,
    service_instance: input.serviceInstance,
    provider: input.provider.provider,
    model: last.model,
    stop_reason: last.stopReason,
    usage: sumUsage(attempts.map((a) => a.usage)),
    latency_ms: Math.round(elapsed),
    structured_output_mode: plan.mode,
    attempts,
    projected_schema_hash: plan.nativeSchema ? jsonHash(plan.nativeSchema) : null,
    structured_output_notes: plan.notes,
  };
}

/** Token usage summed field by field; optional fields appear when any attempt reported them. */
export function sumUsage(usages: readonly TokenUsage[]): TokenUsage {
  const total: Record<string, number> = { input_tokens: 0, output_tokens: 0 };
  for (const usage of usages) {
    for (const [key, value] of Object.entries(usage)) {
      if (typeof value === 'number') total[key] = (total[key] ?? 0) + value;
    }
  }
  return total as unknown as TokenUsage;
}
