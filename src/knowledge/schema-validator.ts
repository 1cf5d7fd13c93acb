import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonObject, JsonValue } from '../domain/entities.js';
import { KnowledgeServiceError } from '../errors/knowledge-errors.js';
import { canonicalJson } from './canonical-json.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Draft = '2020-12' | '2019-09' | 'draft-07';

/** The JSON Schema version a schema declares with `$schema`; 2020-12 when it declares none. */
export function schemaDraft(schema: JsonObject): Draft {
  const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (declared.includes('draft-07') || declared.includes('draft-06')) return 'draft-07';
  if (declared.includes('2019-09')) return '2019-09';
  return '2020-12';
}

function createAjv(draft: Draft): Ajv {
  // User schemas may carry keywords ajv does not know (x-..., examples in odd places): not strict.
  const options = { allErrors: true, strict: false, allowUnionTypes: true, validateFormats: true };
  const ajv =
    draft === 'draft-07'
      ? new Ajv(options)
      : draft === '2019-09'
        ? new Ajv2019(options)
        : new Ajv2020(options);
  addFormats(ajv);
  return ajv;
}

/** Validates answers against an output schema; compiled validators are cached by schema text. */
export class OutputSchemaValidator {
  private readonly ajv = new Map<Draft, Ajv>();
  private readonly compiled = new Map<string, ValidateFunction>();

  /** Violations of `schema` by `value`, each as "<instance path>: <message>"; empty when valid. */
  validate(schema: JsonObject, value: JsonValue): string[] {
    const validate = this.compile(schema);
    if (validate(value)) return [];
    return (validate.errors ?? []).map(describeError);
  }

  /** Compiles the schema now, so that a broken schema fails before any provider call. */
  compile(schema: JsonObject): ValidateFunction {
    const key = canonicalJson(schema);
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const draft = schemaDraft(schema);
    let ajv = this.ajv.get(draft);
    if (!ajv) {
      ajv = createAjv(draft);
      this.ajv.set(draft, ajv);
    }
    let validate: ValidateFunction;
    try {
      // The ajv class already follows the declared draft, and ajv knows only the exact meta-schema
      // URIs; `$id` values are registered per ajv instance. Compile a copy without either.
      const { $schema: _schema, $id: _id, ...body } = schema;
      validate = ajv.compile(body);
    } catch (error) {
      throw new KnowledgeServiceError(
        'JULEE_KNOWLEDGE_INVALID_SCHEMA',
        `output schema cannot be compiled: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (this.compiled.size >= 256) {
      // ajv keeps every compiled schema too; start afresh rather than grow without bound.
      this.compiled.clear();
      this.ajv.clear();
    }
    this.compiled.set(key, validate);
    return validate;
  }
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return `${where}: must NOT have additional property "${String(params.additionalProperty)}"`;
  }
  if (error.keyword === 'enum') {
    return `${where}: must be one of ${JSON.stringify(params.allowedValues)}`;
  }
  return `${where}: ${error.message ?? error.keyword}`;
}
