import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import assemblySchema from '../../schemas/assembly.schema.json' with { type: 'json' };
import assemblySpecificationSchema from '../../schemas/assembly-specification.schema.json' with { type: 'json' };
import documentSchema from '../../schemas/document.schema.json' with { type: 'json' };
import documentPolicyValidationSchema from '../../schemas/document-policy-validation.schema.json' with { type: 'json' };
import knowledgeServiceConfigSchema from '../../schemas/knowledge-service-config.schema.json' with { type: 'json' };
import knowledgeServiceQuerySchema from '../../schemas/knowledge-service-query.schema.json' with { type: 'json' };
import policySchema from '../../schemas/policy.schema.json' with { type: 'json' };
import { InputError } from '../errors/julee-error.js';
import { ENTITY_KEYS, type EntityName, type EntityTypes } from './entities.js';
import { BLANK_MEANS_NULL, ENTITY_RULES, type Violation } from './entity-rules.js';
import { schemaViolations } from './entity-violations.js';
import { escapeJsonPointerToken, parseJsonPointer, resolveJsonPointer } from './json-pointer.js';

export type { Violation } from './entity-rules.js';

// ajv-formats is CommonJS; under NodeNext its default import is typed as the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Rec = { [key: string]: unknown };

const ENTITY_SCHEMAS: { readonly [K in EntityName]: Readonly<Rec> } = {
  document: documentSchema,
  assembly: assemblySchema,
  assembly_specification: assemblySpecificationSchema,
  knowledge_service_config: knowledgeServiceConfigSchema,
  knowledge_service_query: knowledgeServiceQuerySchema,
  policy: policySchema,
  document_policy_validation: documentPolicyValidationSchema,
};

/** How entity kinds are named in messages. */
export const ENTITY_LABELS: { readonly [K in EntityName]: string } = {
  document: 'document',
  assembly: 'assembly',
  assembly_specification: 'assembly specification',
  knowledge_service_config: 'knowledge service config',
  knowledge_service_query: 'knowledge service query',
  policy: 'policy',
  document_policy_validation: 'document policy validation',
};

/** The JSON Schema of an entity kind (schemas/<entity>.schema.json), for the API to reuse. */
export function entitySchema(entity: EntityName): Readonly<Rec> {
  return ENTITY_SCHEMAS[entity];
}

let validators: Map<EntityName, ValidateFunction> | undefined;

function validatorFor(entity: EntityName): ValidateFunction {
  if (validators === undefined) {
    const ajv = new Ajv2020({
      allErrors: true,
      useDefaults: true,
      allowUnionTypes: true,
      strict: true,
    });
    addFormats(ajv);
    validators = new Map(
      (Object.keys(ENTITY_SCHEMAS) as EntityName[]).map((name) => [
        name,
        ajv.compile(ENTITY_SCHEMAS[name]),
      ]),
    );
  }
  return validators.get(entity)!;
}

function isPlainObject(value: unknown): value is Rec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A mutable copy of plain objects and arrays; keys whose value is undefined are left out. Values
 * JSON cannot carry (a Date, a Map, NaN, a function, undefined in a list) become violations, so
 * that what is validated is exactly what storage will hold.
 */
function copyJson(value: unknown, path: string, violations: Violation[]): unknown {
  if (Array.isArray(value)) {
    return value.map((item: unknown, index) => {
      if (item === undefined)
        violations.push({ path: `${path}/${index}`, message: 'must not be undefined' });
      return copyJson(item, `${path}/${index}`, violations);
    });
  }
  if (isPlainObject(value)) {
    const copy: Rec = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) {
        copy[key] = copyJson(item, `${path}/${escapeJsonPointerToken(key)}`, violations);
      }
    }
    return copy;
  }
  const json =
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value));
  if (!json && value !== undefined) {
    const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
    violations.push({
      path,
      message: `must be JSON data, not ${typeof value === 'number' ? String(value) : kind}`,
    });
  }
  return value;
}

/** Follows a local `$ref` ("#/$defs/x") of one of our entity schemas to its target. */
function deref(schema: unknown, root: Rec): Rec | null {
  if (!isPlainObject(schema)) return null;
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#')) return schema;
  const resolved = resolveJsonPointer(root, parseJsonPointer(ref.slice(1)));
  return resolved.found ? deref(resolved.value, root) : null;
}

function acceptsStrings(schema: Rec): boolean {
  const type = schema['type'];
  if (type === undefined) {
    const options = schema['enum'];
    return Array.isArray(options) && options.some((option) => typeof option === 'string');
  }
  return type === 'string' || (Array.isArray(type) && type.includes('string'));
}

/**
 * Trims the strings the schema declares as strings, in place. Objects the schema leaves free-form
 * (metadata, the inline JSON Schema of a specification, provenance) are not entered.
 */
function trimStrings(value: unknown, schemaNode: unknown, root: Rec): unknown {
  const schema = deref(schemaNode, root);
  if (schema === null) return value;
  if (typeof value === 'string') return acceptsStrings(schema) ? value.trim() : value;
  if (Array.isArray(value)) {
    const prefix = Array.isArray(schema['prefixItems']) ? schema['prefixItems'] : [];
    return value.map((item, index) =>
      trimStrings(item, index < prefix.length ? prefix[index] : schema['items'], root),
    );
  }
  if (!isPlainObject(value)) return value;
  const properties = isPlainObject(schema['properties']) ? schema['properties'] : {};
  const others = schema['additionalProperties'];
  for (const key of Object.keys(value)) {
    const sub = Object.hasOwn(properties, key) ? properties[key] : others;
    if (sub !== undefined) value[key] = trimStrings(value[key], sub, root);
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

function describe(entity: EntityName, record: unknown): string {
  const label = ENTITY_LABELS[entity];
  const id = isPlainObject(record) ? record[ENTITY_KEYS[entity].idField] : undefined;
  return typeof id === 'string' && id !== ''
    ? `${label} ${JSON.stringify(id.slice(0, 200))}`
    : label;
}

function invalid(entity: EntityName, record: unknown, violations: Violation[]): InputError {
  const listed = violations
    .map((v) => `${v.path === '' ? '(record)' : v.path} ${v.message}`)
    .join('; ');
  return new InputError(`Invalid ${describe(entity, record)}: ${listed}`, {
    details: { entity, violations },
  });
}

/**
 * Validates a record of an entity kind against its JSON Schema (schemas/<entity>.schema.json) and
 * the rules JSON Schema cannot express (entity-rules.ts). Strings are trimmed first, defaults
 * applied, blank optional texts stored as null. Returns a deep-frozen copy; the input is not
 * changed. Throws InputError (JULEE_INPUT_INVALID) listing every violation with its path, also in
 * `details.violations` as `{ path, message }`.
 */
export function validateEntity<K extends EntityName>(entity: K, value: unknown): EntityTypes[K] {
  if (!isPlainObject(value)) {
    throw invalid(entity, value, [{ path: '', message: 'must be an object' }]);
  }
  const schema = ENTITY_SCHEMAS[entity];
  const nonJson: Violation[] = [];
  const record = trimStrings(copyJson(value, '', nonJson), schema, schema) as Rec;
  if (nonJson.length > 0) throw invalid(entity, record, nonJson);
  for (const field of BLANK_MEANS_NULL[entity] ?? []) {
    if (record[field] === '') record[field] = null;
  }

  const validate = validatorFor(entity);
  const violations = validate(record) ? [] : schemaViolations(validate.errors ?? []);
  violations.push(...(ENTITY_RULES[entity]?.(record) ?? []));
  if (violations.length > 0) throw invalid(entity, record, violations);
  return deepFreeze(record) as unknown as EntityTypes[K];
}

/**
 * The entity with `changes` applied, validated again as a whole (Julee's copy-with-update skips
 * validation). Fields absent from `changes`, or undefined there, keep their value; a null sets the
 * field to null. The id cannot change. Throws InputError like validateEntity.
 */
export function updateEntity<K extends EntityName>(
  entity: K,
  current: EntityTypes[K],
  changes: { readonly [field: string]: unknown },
): EntityTypes[K] {
  const idField = ENTITY_KEYS[entity].idField;
  const currentId = (current as unknown as Rec)[idField];
  const requested = changes[idField];
  const newId = typeof requested === 'string' ? requested.trim() : requested;
  if (newId !== undefined && newId !== currentId) {
    throw invalid(entity, current, [
      { path: `/${idField}`, message: `cannot be changed (from ${JSON.stringify(currentId)})` },
    ]);
  }
  const merged: Rec = { ...(current as unknown as Rec) };
  for (const [field, value] of Object.entries(changes)) {
    if (value !== undefined) merged[field] = value;
  }
  return validateEntity(entity, merged);
}
