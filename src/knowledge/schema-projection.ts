import type { JsonObject, JsonValue } from '../domain/entities.js';

/**
 * The structured-output subsets of JSON Schema that providers enforce natively.
 * - `openai-strict`: OpenAI `strict: true` (Chat Completions `response_format`, Responses
 *   `text.format`): every property required, `additionalProperties: false` everywhere, no
 *   `allOf`/`not`/`if`, string lengths unsupported, size limits.
 * - `anthropic`: Messages `output_config.format`: `additionalProperties: false` everywhere, no
 *   numeric or length bounds, `minItems` only 0 or 1, no recursion, simple patterns only.
 */
export type StructuredOutputDialect = 'openai-strict' | 'anthropic';

export interface SchemaProjection {
  /** The schema to send natively, or null when the schema does not fit the dialect. */
  readonly schema: JsonObject | null;
  /** Why the schema does not fit (empty when it fits). */
  readonly reasons: readonly string[];
  /**
   * Constraints dropped (and restated in `description`) or loosened so that the schema fits.
   * The answer is still validated against the original schema, so nothing is lost.
   */
  readonly relaxed: readonly string[];
}

const ANNOTATIONS_KEPT = new Set(['title', 'description']);
const ANNOTATIONS_DROPPED = new Set([
  '$schema',
  '$id',
  '$comment',
  'default',
  'examples',
  'readOnly',
  'writeOnly',
  'deprecated',
  'contentMediaType',
  'contentEncoding',
]);
/** Keywords whose meaning cannot be kept by dropping them: such a schema goes as instructions. */
const STRUCTURAL_UNSUPPORTED = new Set([
  'allOf',
  'not',
  'if',
  'then',
  'else',
  'dependentRequired',
  'dependentSchemas',
  'dependencies',
  'patternProperties',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
  'minContains',
  'maxContains',
  'prefixItems',
  'additionalItems',
  '$dynamicRef',
  '$dynamicAnchor',
  '$recursiveRef',
  '$recursiveAnchor',
  '$anchor',
]);
const NUMERIC_BOUNDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
const OPENAI_FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
]);
const ANTHROPIC_FORMATS = new Set([...OPENAI_FORMATS, 'uri']);
const OPENAI_MAX_DEPTH = 10;
const OPENAI_MAX_PROPERTIES = 5000;
const OPENAI_MAX_ENUM_VALUES = 1000;

interface Context {
  readonly dialect: StructuredOutputDialect;
  readonly root: JsonObject;
  readonly reasons: string[];
  readonly relaxed: string[];
  propertyCount: number;
}

/** Projects `schema` onto a provider's structured-output subset, or says why it does not fit. */
export function projectSchema(
  schema: JsonObject,
  dialect: StructuredOutputDialect,
): SchemaProjection {
  const ctx: Context = { dialect, root: schema, reasons: [], relaxed: [], propertyCount: 0 };
  if (!isObjectSchema(schema)) {
    ctx.reasons.push('the root must be an object schema (type "object")');
  }
  if (dialect === 'anthropic' && hasRecursion(schema)) {
    ctx.reasons.push('recursive schemas ($ref cycles) are not supported');
  }
  const projected = projectNode(schema, '', 0, ctx);
  if (dialect === 'openai-strict' && ctx.propertyCount > OPENAI_MAX_PROPERTIES) {
    ctx.reasons.push(`more than ${OPENAI_MAX_PROPERTIES} properties`);
  }
  const fits = ctx.reasons.length === 0 && projected !== null && typeof projected === 'object';
  return {
    schema: fits ? (projected as JsonObject) : null,
    reasons: ctx.reasons,
    relaxed: fits ? ctx.relaxed : [],
  };
}

function isObjectSchema(schema: JsonObject): boolean {
  return (
    schema.type === 'object' || (schema.type === undefined && isPlainObject(schema.properties))
  );
}

function isPlainObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Array.isArray, typed for JSON values (the built-in narrows readonly arrays to any[]). */
function isJsonArray(value: JsonValue | undefined): value is readonly JsonValue[] {
  return Array.isArray(value);
}

function at(path: string): string {
  return path === '' ? '(root)' : path;
}

function projectNode(node: JsonValue, path: string, depth: number, ctx: Context): JsonValue {
  if (typeof node === 'boolean' || !isPlainObject(node)) {
    ctx.reasons.push(`${at(path)}: boolean schemas are not supported`);
    return node;
  }
  if (ctx.dialect === 'openai-strict' && depth > OPENAI_MAX_DEPTH) {
    ctx.reasons.push(`${at(path)}: nested deeper than ${OPENAI_MAX_DEPTH} levels`);
    return node;
  }
  const out: Record<string, JsonValue> = {};
  const moved: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (STRUCTURAL_UNSUPPORTED.has(key)) {
      ctx.reasons.push(`${at(path)}: "${key}" is not supported`);
    } else if (ANNOTATIONS_DROPPED.has(key)) {
      continue;
    } else if (ANNOTATIONS_KEPT.has(key) || key === 'type' || key === 'const') {
      out[key] = value;
    } else if (key === 'enum') {
      out.enum = checkEnum(value, path, ctx);
    } else if (key === 'properties' || key === '$defs' || key === 'definitions') {
      out[key] = projectMap(value, `${path}/${key}`, depth, ctx);
      if (key === 'properties' && isPlainObject(value)) {
        ctx.propertyCount += Object.keys(value).length;
      }
    } else if (key === 'items') {
      if (isJsonArray(value)) ctx.reasons.push(`${at(path)}: tuple "items" are not supported`);
      else out.items = projectNode(value, `${path}/items`, depth + 1, ctx);
    } else if (key === 'anyOf' || key === 'oneOf') {
      out.anyOf = projectList(value, `${path}/${key}`, depth, ctx);
      if (key === 'oneOf') ctx.relaxed.push(`${at(path)}: oneOf sent as anyOf`);
      if (path === '' && ctx.dialect === 'openai-strict') {
        ctx.reasons.push('the root must not be an anyOf');
      }
    } else if (key === '$ref') {
      if (typeof value !== 'string' || !value.startsWith('#')) {
        ctx.reasons.push(`${at(path)}: only local "$ref"s are supported`);
      }
      out.$ref = value;
    } else if (key === 'required' || key === 'additionalProperties') {
      continue; // handled with the object shape below
    } else if (!projectConstraint(key, value, out, moved, ctx)) {
      // An unknown keyword (an extension such as x-...): harmless to drop, ajv still sees it.
      continue;
    }
  }
  if (isObjectNode(node)) shapeObject(node, out, path, ctx);
  if (Object.keys(moved).length > 0) {
    const note = `Constraints: ${JSON.stringify(moved)}`;
    out.description = typeof out.description === 'string' ? `${out.description} (${note})` : note;
    ctx.relaxed.push(`${at(path)}: ${Object.keys(moved).join(', ')} moved to the description`);
  }
  return out;
}

/** Keeps, drops (into `moved`) or refuses a value constraint. Returns false for unknown keys. */
function projectConstraint(
  key: string,
  value: JsonValue,
  out: Record<string, JsonValue>,
  moved: Record<string, JsonValue>,
  ctx: Context,
): boolean {
  const openai = ctx.dialect === 'openai-strict';
  if (NUMERIC_BOUNDS.includes(key)) {
    if (openai) out[key] = value;
    else moved[key] = value;
  } else if (key === 'minLength' || key === 'maxLength') {
    moved[key] = value;
  } else if (key === 'minProperties' || key === 'maxProperties' || key === 'uniqueItems') {
    moved[key] = value;
  } else if (key === 'minItems') {
    if (openai || value === 0 || value === 1) out[key] = value;
    else moved[key] = value;
  } else if (key === 'maxItems') {
    if (openai) out[key] = value;
    else moved[key] = value;
  } else if (key === 'format') {
    const supported = openai ? OPENAI_FORMATS : ANTHROPIC_FORMATS;
    if (typeof value === 'string' && supported.has(value)) out[key] = value;
    else moved[key] = value;
  } else if (key === 'pattern') {
    if (openai || (typeof value === 'string' && isSimplePattern(value))) out[key] = value;
    else moved[key] = value;
  } else {
    return false;
  }
  return true;
}

function isObjectNode(node: JsonObject): boolean {
  const type = node.type;
  return (
    type === 'object' || (isJsonArray(type) && type.includes('object')) || 'properties' in node
  );
}

/** additionalProperties: false everywhere; for OpenAI strict, every property required. */
function shapeObject(
  node: JsonObject,
  out: Record<string, JsonValue>,
  path: string,
  ctx: Context,
): void {
  const properties = isPlainObject(out.properties) ? out.properties : {};
  const additional = node.additionalProperties;
  if (additional !== undefined && additional !== false) {
    if (Object.keys(properties).length === 0) {
      ctx.reasons.push(`${at(path)}: free-form objects (additionalProperties) are not supported`);
    } else if (
      additional !== true &&
      !(isPlainObject(additional) && Object.keys(additional).length === 0)
    ) {
      ctx.reasons.push(`${at(path)}: additionalProperties with a schema is not supported`);
    } else {
      ctx.relaxed.push(`${at(path)}: additional properties not offered`);
    }
  } else if (
    Object.keys(properties).length === 0 &&
    node.type === 'object' &&
    !('properties' in node)
  ) {
    ctx.reasons.push(`${at(path)}: free-form objects (no properties) are not supported`);
  }
  out.additionalProperties = false;

  const required = isJsonArray(node.required)
    ? node.required.filter((name): name is string => typeof name === 'string')
    : [];
  if (ctx.dialect === 'anthropic') {
    if (required.length > 0) out.required = required;
    return;
  }
  const names = Object.keys(properties);
  const strict: Record<string, JsonValue> = {};
  for (const name of names) {
    if (required.includes(name)) {
      strict[name] = properties[name]!;
    } else {
      strict[name] = nullable(properties[name]!);
      ctx.relaxed.push(`${path}/properties/${name}: optional, sent as required and nullable`);
    }
  }
  if (names.length > 0) out.properties = strict;
  out.required = names;
}

/** The schema that also accepts null (how OpenAI strict mode expresses an optional property). */
function nullable(schema: JsonValue): JsonValue {
  if (!isPlainObject(schema)) return schema;
  const type = schema.type;
  if (typeof type === 'string' && !('$ref' in schema) && !('anyOf' in schema)) {
    const result: Record<string, JsonValue> = {
      ...schema,
      type: type === 'null' ? type : [type, 'null'],
    };
    if (isJsonArray(schema.enum) && !schema.enum.includes(null))
      result.enum = [...schema.enum, null];
    return result;
  }
  if (isJsonArray(type) && !('$ref' in schema) && !('anyOf' in schema)) {
    const result: Record<string, JsonValue> = {
      ...schema,
      type: type.includes('null') ? type : [...type, 'null'],
    };
    if (isJsonArray(schema.enum) && !schema.enum.includes(null))
      result.enum = [...schema.enum, null];
    return result;
  }
  return { anyOf: [schema, { type: 'null' }] };
}

function projectMap(value: JsonValue, path: string, depth: number, ctx: Context): JsonValue {
  if (!isPlainObject(value)) return value;
  const out: Record<string, JsonValue> = {};
  const childDepth = path.endsWith('/properties') ? depth + 1 : depth;
  for (const [name, child] of Object.entries(value)) {
    if (child === undefined) continue;
    out[name] = projectNode(child, `${path}/${escapePointer(name)}`, childDepth, ctx);
  }
  return out;
}

function projectList(value: JsonValue, path: string, depth: number, ctx: Context): JsonValue {
  if (!isJsonArray(value)) return value;
  return value.map((child, index) => projectNode(child, `${path}/${index}`, depth, ctx));
}

function checkEnum(value: JsonValue, path: string, ctx: Context): JsonValue {
  if (!isJsonArray(value)) return value;
  if (ctx.dialect === 'openai-strict' && value.length > OPENAI_MAX_ENUM_VALUES) {
    ctx.reasons.push(`${at(path)}: enum with more than ${OPENAI_MAX_ENUM_VALUES} values`);
  }
  if (ctx.dialect === 'anthropic' && value.some((v) => v !== null && typeof v === 'object')) {
    ctx.reasons.push(`${at(path)}: enum values must be scalars`);
  }
  return value;
}

/** A regex without lookaround or backreferences (what constrained decoding can compile). */
function isSimplePattern(pattern: string): boolean {
  return !/\(\?[=!<]|\\[1-9]|\\k</.test(pattern);
}

function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Whether the schema is recursive: a graph whose nodes are `$ref` targets, with an edge from T to
 * every target referenced inside T's subtree, has a cycle.
 */
function hasRecursion(root: JsonObject): boolean {
  const pairs: { holder: string; target: string }[] = [];
  collectRefs(root, '#', pairs);
  const targets = new Set(pairs.map((p) => p.target));
  const within = (pointer: string, ancestor: string): boolean =>
    pointer === ancestor || pointer.startsWith(`${ancestor}/`);
  const edges = new Map<string, string[]>();
  for (const target of targets) {
    edges.set(
      target,
      pairs.filter((p) => within(p.holder, target)).map((p) => p.target),
    );
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const cyclic = (node: string): boolean => {
    const seen = state.get(node);
    if (seen === 'visiting') return true;
    if (seen === 'done') return false;
    state.set(node, 'visiting');
    for (const next of edges.get(node) ?? []) if (cyclic(next)) return true;
    state.set(node, 'done');
    return false;
  };
  return [...targets].some(cyclic);
}

function collectRefs(
  node: JsonValue,
  pointer: string,
  pairs: { holder: string; target: string }[],
): void {
  if (isJsonArray(node)) {
    node.forEach((child, i) => collectRefs(child, `${pointer}/${i}`, pairs));
    return;
  }
  if (!isPlainObject(node)) return;
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#')) {
    pairs.push({ holder: pointer, target: node.$ref.replace(/\/$/, '') });
  }
  for (const [key, child] of Object.entries(node)) {
    if (child !== undefined && key !== 'enum' && key !== 'const') {
      collectRefs(child, `${pointer}/${escapePointer(key)}`, pairs);
    }
  }
}
