import { InputError } from '../../errors/julee-error.js';
import type { JsonObject, KnowledgeServiceConfig, KnowledgeServiceQuery } from '../entities.js';
import type { ModelOptions } from '../knowledge-service.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function pick(
  source: JsonObject,
  where: string,
  into: Mutable<ModelOptions>,
): Mutable<ModelOptions> {
  const { model, max_tokens, temperature } = source;
  const wrong = (field: string, expected: string) =>
    new InputError(`Invalid ${where}: ${field} must be ${expected}`, {
      details: { violations: [{ path: `/${field}`, message: `must be ${expected}` }] },
    });
  if (model !== undefined && model !== null) {
    if (typeof model !== 'string' || model.trim() === '') throw wrong('model', 'a model name');
    into.model = model.trim();
  }
  if (max_tokens !== undefined && max_tokens !== null) {
    if (typeof max_tokens !== 'number' || !Number.isInteger(max_tokens) || max_tokens < 1) {
      throw wrong('max_tokens', 'a positive integer');
    }
    into.max_tokens = max_tokens;
  }
  if (temperature !== undefined && temperature !== null) {
    if (typeof temperature !== 'number' || !(temperature >= 0)) {
      throw wrong('temperature', 'a number >= 0');
    }
    into.temperature = temperature;
  }
  return into;
}

/**
 * The model options of a query: the config's `default_options`, overridden by the query's
 * `query_metadata` (model, max_tokens, temperature; other keys are service-specific and left
 * out). The service instance then checks them against what it allows.
 */
export function modelOptionsFor(
  config: KnowledgeServiceConfig,
  query: KnowledgeServiceQuery,
): ModelOptions {
  const options = pick(
    config.default_options,
    `default_options of knowledge service config ${config.knowledge_service_id}`,
    {},
  );
  return pick(query.query_metadata, `query_metadata of query ${query.query_id}`, options);
}
