import type { JsonObject, JsonValue } from '../entities.js';
import { formatJsonPointer, parseJsonPointer, resolveJsonPointer } from '../json-pointer.js';
import { PipelineError } from './pipeline-errors.js';

/**
 * Where the answer of one query goes in the assembled data. `path` holds data keys (unescaped),
 * never schema keywords.
 * - `merge`: the answer is an object whose members are copied into the object at `path` (the
 *   root for `""` and `/properties`);
 * - `set`: the answer is `{ <key>: value }` and `value` is stored at `path` (whose last key is
 *   `key`): the single-property wrapper of the output schema is unwrapped;
 * - `append`: the answer is `{ <key>: [items] }` and the items are appended to the list at `path`
 *   (created when missing): a pointer to an array's `items` schema asks for items of that list.
 */
export type AnswerPlacement =
  | { readonly kind: 'merge'; readonly path: readonly string[] }
  | { readonly kind: 'set'; readonly path: readonly string[]; readonly key: string }
  | { readonly kind: 'append'; readonly path: readonly string[]; readonly key: string };

export interface PointerPlan {
  /** The schema pointer, as written in the specification. */
  readonly pointer: string;
  /** The standalone schema the query's answer must satisfy. */
  readonly outputSchema: JsonObject;
  readonly placement: AnswerPlacement;
  /** JSON Pointer of the data location, for messages and provenance. */
  readonly dataPointer: string;
}

type Rec = { readonly [key: string]: JsonValue };

/** Root keywords a standalone output schema keeps: identification, documentation, definitions. */
const KEPT_ROOT_KEYWORDS = ['$schema', '$id', 'title', 'description', '$comment'] as const;
const DEFINITION_KEYWORDS = ['$defs', 'definitions'] as const;
/** Keywords whose sub-schemas describe the same value as their parent (no data step). */
const SAME_VALUE_LISTS = new Set(['allOf', 'anyOf', 'oneOf']);
const SAME_VALUE_SCHEMAS = new Set(['then', 'else']);

function isObject(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unusable(pointer: string, reason: string): PipelineError {
  return new PipelineError(
    'JULEE_ASSEMBLY_SPECIFICATION_INVALID',
    `Schema pointer ${JSON.stringify(pointer)} cannot be assembled: ${reason}`,
    { details: { pointer } },
  );
}

/** The data location a schema pointer addresses, from its reference tokens. */
function placementOf(pointer: string, tokens: readonly string[]): AnswerPlacement {
  const path: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    if (token === 'properties') {
      if (next === undefined) return { kind: 'merge', path };
      path.push(next);
      i++;
    } else if (token === 'items') {
      if (next !== undefined) {
        throw unusable(
          pointer,
          'a pointer into the schema of list items is not supported; map the list ' +
            '(…/properties/<name>) or its items (…/properties/<name>/items) instead',
        );
      }
      if (path.length === 0) throw unusable(pointer, 'the assembled document is an object');
      return { kind: 'append', path, key: path[path.length - 1]! };
    } else if (SAME_VALUE_LISTS.has(token) && next !== undefined && /^\d+$/.test(next)) {
      i++;
    } else if (!SAME_VALUE_SCHEMAS.has(token)) {
      throw unusable(
        pointer,
        `"${token}" does not name a place in the data; a pointer follows "properties", ` +
          '"items", "allOf"/"anyOf"/"oneOf" and "then"/"else"',
      );
    }
  }
  return path.length === 0 ? { kind: 'merge', path } : { kind: 'set', path, key: path.at(-1)! };
}

/** The root's identification, documentation and definitions, for a standalone schema. */
function rootAnnotations(root: JsonObject, pointer: string): Record<string, JsonValue> {
  const kept: Record<string, JsonValue> = {};
  for (const keyword of KEPT_ROOT_KEYWORDS) {
    const value = root[keyword];
    if (value !== undefined) kept[keyword] = value;
  }
  if (typeof kept['title'] === 'string') kept['title'] = `${kept['title']} - ${pointer}`;
  return kept;
}

function withDefinitions(schema: Record<string, JsonValue>, root: JsonObject): JsonObject {
  for (const keyword of DEFINITION_KEYWORDS) {
    const value = root[keyword];
    if (value !== undefined && schema[keyword] === undefined) schema[keyword] = value;
  }
  return schema;
}

function standaloneSchema(
  root: JsonObject,
  pointer: string,
  tokens: readonly string[],
  target: JsonValue,
  placement: AnswerPlacement,
): JsonObject {
  if (placement.kind === 'merge') {
    if (tokens.at(-1) === 'properties') {
      const owner = resolveJsonPointer(root, tokens.slice(0, -1));
      const required = owner.found && isObject(owner.value) ? owner.value['required'] : undefined;
      return withDefinitions(
        {
          ...rootAnnotations(root, pointer),
          type: 'object',
          properties: target,
          ...(Array.isArray(required) ? { required } : {}),
          additionalProperties: false,
        },
        root,
      );
    }
    // The pointer names a schema of the whole value at `path` (allOf/0, then, ...).
    return withDefinitions({ ...rootAnnotations(root, pointer), ...(target as Rec) }, root);
  }
  const property = placement.kind === 'append' ? { type: 'array', items: target } : target;
  return withDefinitions(
    {
      ...rootAnnotations(root, pointer),
      type: 'object',
      properties: { [placement.key]: property },
      required: [placement.key],
      additionalProperties: false,
    },
    root,
  );
}

/**
 * Plans one mapping of a specification: the standalone output schema its query answers with and
 * where the answer lands in the data. For `""` the schema is the root schema itself. Otherwise it
 * is an object schema that keeps the root's `$schema`, `$id`, title (suffixed with the pointer),
 * description and `$defs`/`definitions`, has `additionalProperties: false`, and holds either the
 * single required property named after the data key (`/properties/a/properties/b` → `b`, stored
 * at `a.b`), or the whole `properties` map for a pointer ending in `properties` (with the `required`
 * of the object that owns the map). Root validation keywords (allOf, if, ...) are not copied: they
 * constrain the whole document and are enforced when it is validated.
 */
export function planPointer(root: JsonObject, pointer: string): PointerPlan {
  let tokens: string[];
  try {
    tokens = parseJsonPointer(pointer);
  } catch (error) {
    throw unusable(pointer, (error as Error).message);
  }
  if (tokens.length === 0) {
    return {
      pointer,
      outputSchema: { ...root },
      placement: { kind: 'merge', path: [] },
      dataPointer: '',
    };
  }
  const resolved = resolveJsonPointer(root, tokens);
  if (!resolved.found) {
    const at = formatJsonPointer(tokens.slice(0, resolved.missingAt + 1));
    throw unusable(pointer, `the schema has nothing at ${at}`);
  }
  const target = resolved.value as JsonValue;
  const placement = placementOf(pointer, tokens);
  const needsObject = placement.kind === 'merge';
  if (needsObject ? !isObject(target) : !isObject(target) && typeof target !== 'boolean') {
    throw unusable(pointer, `it points to a ${Array.isArray(target) ? 'list' : typeof target}`);
  }
  return {
    pointer,
    outputSchema: standaloneSchema(root, pointer, tokens, target, placement),
    placement,
    dataPointer: formatJsonPointer(placement.path),
  };
}
