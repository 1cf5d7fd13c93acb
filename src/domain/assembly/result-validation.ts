import type { ErrorObject, ValidateFunction } from 'ajv/dist/ajv.js';
import type { JsonObject, JsonValue } from '../entities.js';
import { createJsonSchemaAjv, jsonSchemaDraftOf } from '../json-schema-check.js';
import { escapeJsonPointerToken } from '../json-pointer.js';
import { canonicalJson } from './canonical-json.js';
import { PipelineError } from './pipeline-errors.js';

/** One way the assembled data breaks the schema; `path` is a JSON Pointer into the data. */
export interface ResultViolation {
  readonly path: string;
  readonly message: string;
}

/** At most this many violations are listed in a message (all are in the error's details). */
const LISTED_VIOLATIONS = 20;
const CACHE_LIMIT = 32;
const compiled = new Map<string, ValidateFunction>();

function compile(schema: JsonObject): ValidateFunction {
  const key = canonicalJson(schema);
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;

  const draft = jsonSchemaDraftOf(schema);
  if (draft === null) {
    throw new PipelineError(
      'JULEE_ASSEMBLY_SPECIFICATION_INVALID',
      `The assembly schema declares an unsupported JSON Schema draft: ${JSON.stringify(schema['$schema'])}`,
    );
  }
  // A fresh instance per schema: two specifications may declare the same `$id`. The instance
  // already follows the draft, so the `$schema` URI (http or https, with or without "#") goes.
  const ajv = createJsonSchemaAjv(draft);
  const { $schema: _declared, ...body } = schema;
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(body);
  } catch (error) {
    throw new PipelineError(
      'JULEE_ASSEMBLY_SPECIFICATION_INVALID',
      `The assembly schema cannot be compiled: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, validate);
  return validate;
}

function violationOf(error: ErrorObject): ResultViolation {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const member = escapeJsonPointerToken(String(params['missingProperty']));
    return { path: `${error.instancePath}/${member}`, message: 'is required' };
  }
  if (error.keyword === 'additionalProperties') {
    const member = escapeJsonPointerToken(String(params['additionalProperty']));
    return { path: `${error.instancePath}/${member}`, message: 'is not allowed by the schema' };
  }
  if (error.keyword === 'enum') {
    const allowed = (params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v));
    return { path: error.instancePath, message: `must be one of ${allowed.join(', ')}` };
  }
  return { path: error.instancePath, message: error.message ?? `fails "${error.keyword}"` };
}

/**
 * Every way `data` breaks `schema` (the full, resolved schema of the specification), empty when
 * it conforms. The draft is the one `$schema` declares (2020-12 when none; draft-07 and 2019-09
 * too). `format` keywords are asserted, as the knowledge services assert them on each answer.
 * Throws PipelineError JULEE_ASSEMBLY_SPECIFICATION_INVALID when the schema cannot be compiled.
 */
export function resultViolations(schema: JsonObject, data: JsonValue): ResultViolation[] {
  const validate = compile(schema);
  if (validate(data) === true) return [];
  return (validate.errors ?? []).map(violationOf);
}

/** Throws PipelineError JULEE_ASSEMBLY_RESULT_INVALID listing the violations, if any. */
export function assertResultConforms(
  schema: JsonObject,
  data: JsonValue,
  context: { readonly assembly_id: string; readonly assembly_specification_id: string },
): void {
  const violations = resultViolations(schema, data);
  if (violations.length === 0) return;
  const listed = violations
    .slice(0, LISTED_VIOLATIONS)
    .map((v) => `${v.path === '' ? '(root)' : v.path} ${v.message}`);
  if (violations.length > LISTED_VIOLATIONS) {
    listed.push(`and ${violations.length - LISTED_VIOLATIONS} more`);
  }
  throw new PipelineError(
    'JULEE_ASSEMBLY_RESULT_INVALID',
    `Assembled data of assembly ${context.assembly_id} does not conform to the JSON Schema of ` +
      `specification ${context.assembly_specification_id}: ${listed.join('; ')}`,
    { details: { ...context, violations } },
  );
}
