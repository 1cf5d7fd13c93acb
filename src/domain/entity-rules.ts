import type { EntityName } from './entities.js';
import { checkJsonSchema } from './json-schema-check.js';
import {
  escapeJsonPointerToken,
  jsonPointerSyntaxError,
  parseJsonPointer,
  resolveJsonPointer,
} from './json-pointer.js';

/**
 * The rules of the entities that JSON Schema cannot express. Each rule gets the record after
 * trimming and defaults (it may still break the schema: rules check the types they rely on) and
 * returns its violations. Paths are JSON Pointers into the record.
 */

export interface Violation {
  readonly path: string;
  readonly message: string;
}

type Rec = { readonly [key: string]: unknown };

/** Optional text fields where a blank value means "none" and is stored as null. */
export const BLANK_MEANS_NULL: { readonly [K in EntityName]?: readonly string[] } = {
  assembly: ['error_message'],
  document_policy_validation: ['error_message'],
  knowledge_service_query: ['assistant_prompt'],
};

function isObject(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function uniqueScoreIds(record: Rec, field: string): Violation[] {
  const pairs = record[field];
  if (!Array.isArray(pairs)) return [];
  const firstIndex = new Map<string, number>();
  const violations: Violation[] = [];
  pairs.forEach((pair: unknown, index) => {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') return;
    const queryId = pair[0];
    const first = firstIndex.get(queryId);
    if (first === undefined) {
      firstIndex.set(queryId, index);
    } else {
      violations.push({
        path: `/${field}/${index}/0`,
        message: `repeats query id "${queryId}" of item ${first}; each query may appear once`,
      });
    }
  });
  return violations;
}

/** A bare reference `{ "$ref": "<absolute URL>" }`, stored as given and resolved at assembly. */
function isBareRef(schema: Rec): boolean {
  const keys = Object.keys(schema);
  return keys.length === 1 && keys[0] === '$ref';
}

function jsonschemaViolations(schema: Rec): Violation[] {
  if (isBareRef(schema)) {
    const ref = schema['$ref'];
    if (typeof ref !== 'string' || ref.trim() === '') {
      return [{ path: '/jsonschema/$ref', message: 'must be a non-empty URL' }];
    }
    if (!URL.canParse(ref)) {
      return [
        { path: '/jsonschema/$ref', message: 'must be an absolute URL, e.g. https://…#/$defs/X' },
      ];
    }
    return [];
  }
  return checkJsonSchema(schema).map((problem) => ({
    path: `/jsonschema${problem.path}`,
    message: problem.message,
  }));
}

function pointerViolations(schema: Rec | null, queries: Rec): Violation[] {
  const violations: Violation[] = [];
  const inline = schema !== null && !isBareRef(schema);
  for (const pointer of Object.keys(queries)) {
    const path = `/knowledge_service_queries/${escapeJsonPointerToken(pointer)}`;
    const syntaxError = jsonPointerSyntaxError(pointer);
    if (syntaxError !== null) {
      violations.push({
        path,
        message: `key is not a JSON Pointer into the schema: ${syntaxError}`,
      });
      continue;
    }
    if (!inline) continue;
    const resolved = resolveJsonPointer(schema, parseJsonPointer(pointer));
    if (!resolved.found) {
      const hint = pointer === '/' ? ' ("/" names a member called ""; the root is "")' : '';
      violations.push({ path, message: `key "${pointer}" does not exist in the schema${hint}` });
    } else if (!isObject(resolved.value)) {
      violations.push({
        path,
        message: `key "${pointer}" must point to a schema or a "properties" object, not a ${
          Array.isArray(resolved.value) ? 'list' : typeof resolved.value
        }`,
      });
    }
  }
  return violations;
}

function assemblySpecificationRules(record: Rec): Violation[] {
  const schema = isObject(record['jsonschema']) ? record['jsonschema'] : null;
  const violations = schema === null ? [] : jsonschemaViolations(schema);
  const queries = record['knowledge_service_queries'];
  if (isObject(queries)) violations.push(...pointerViolations(schema, queries));
  return violations;
}

/** The extra rules of one entity kind. */
export const ENTITY_RULES: { readonly [K in EntityName]?: (record: Rec) => Violation[] } = {
  assembly_specification: assemblySpecificationRules,
  policy: (record) => uniqueScoreIds(record, 'validation_scores'),
  document_policy_validation: (record) => [
    ...uniqueScoreIds(record, 'validation_scores'),
    ...uniqueScoreIds(record, 'post_transform_validation_scores'),
  ],
};
