import type { JsonObject, JsonValue } from '../entities.js';
import { checkJsonSchema } from '../json-schema-check.js';
import { parseJsonPointer, resolveJsonPointer } from '../json-pointer.js';
import type { RemoteSchemaRepository } from '../remote-schema.js';
import { jsonMultihash } from './canonical-json.js';
import { PipelineError } from './pipeline-errors.js';

/** Where the schema of an assembly came from. */
export type SchemaSource =
  | { readonly kind: 'inline' }
  | {
      readonly kind: 'remote';
      readonly url: string;
      /** The JSON Pointer of the fragment, "" for the whole document. */
      readonly fragment: string;
      /** SHA-256 multihash of the fetched document's canonical JSON. */
      readonly document_hash: string;
    };

export interface ResolvedSchema {
  readonly schema: JsonObject;
  readonly source: SchemaSource;
}

type Rec = { readonly [key: string]: JsonValue };

/** Definition sections bundled from the fetched document into the referenced sub-schema. */
const DEFINITION_KEYWORDS = ['$defs', 'definitions'] as const;

function isObject(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The URL of a bare `{ "$ref": "<url>" }` schema, or null for an inline schema. */
export function bareRefOf(schema: JsonObject): string | null {
  const keys = Object.keys(schema);
  const ref = schema['$ref'];
  return keys.length === 1 && typeof ref === 'string' ? ref : null;
}

function invalid(ref: string, reason: string, cause?: unknown): PipelineError {
  return new PipelineError(
    'JULEE_ASSEMBLY_SPECIFICATION_INVALID',
    `Schema reference ${JSON.stringify(ref)} cannot be used: ${reason}`,
    { cause, details: { ref } },
  );
}

function fragmentTokens(ref: string, fragment: string): string[] {
  let decoded: string;
  try {
    decoded = decodeURIComponent(fragment);
  } catch (error) {
    throw invalid(ref, 'its fragment is not correctly percent-encoded', error);
  }
  if (decoded !== '' && !decoded.startsWith('/')) {
    throw invalid(ref, 'its fragment must be a JSON Pointer ("#/$defs/Name"), not an anchor');
  }
  try {
    return parseJsonPointer(decoded);
  } catch (error) {
    throw invalid(ref, (error as Error).message, error);
  }
}

/**
 * The sub-schema a fragment names, made standalone: the fetched document's `$defs` and
 * `definitions` are bundled into it (the sub-schema's own entries win), so that its internal
 * `#/$defs/...` references still resolve, and it inherits the document's `$schema` when it
 * declares none, so that it is validated by the draft it was written in.
 */
function standaloneTarget(ref: string, document: JsonObject, tokens: string[]): JsonObject {
  if (tokens.length === 0) return document;
  const resolved = resolveJsonPointer(document, tokens);
  if (!resolved.found) throw invalid(ref, 'its fragment names nothing in the fetched document');
  if (!isObject(resolved.value)) throw invalid(ref, 'its fragment does not name a schema object');
  const schema: Record<string, JsonValue> = { ...resolved.value };
  for (const keyword of DEFINITION_KEYWORDS) {
    const parent = document[keyword];
    if (!isObject(parent)) continue;
    const own = schema[keyword];
    schema[keyword] = { ...parent, ...(isObject(own) ? own : {}) };
  }
  if (schema['$schema'] === undefined && typeof document['$schema'] === 'string') {
    schema['$schema'] = document['$schema'];
  }
  return schema;
}

/**
 * The JSON Schema an assembly runs with. An inline schema is used as it is. A bare
 * `{ "$ref": "<url>#<fragment>" }` is fetched now through the RemoteSchemaRepository (at every
 * assembly, so published fixes are picked up; the repository may cache), its fragment applied as
 * a JSON Pointer and the result bundled (see standaloneTarget); the result must be a usable JSON
 * Schema. Failures are PipelineError JULEE_ASSEMBLY_SPECIFICATION_INVALID, or the repository's
 * RemoteSchemaError.
 */
export async function resolveAssemblySchema(
  jsonschema: JsonObject,
  remote: RemoteSchemaRepository | undefined,
  signal?: AbortSignal,
): Promise<ResolvedSchema> {
  const ref = bareRefOf(jsonschema);
  if (ref === null) return { schema: jsonschema, source: { kind: 'inline' } };
  if (remote === undefined) {
    throw invalid(ref, 'no remote schema repository is configured to fetch it');
  }
  const hash = ref.indexOf('#');
  const url = hash === -1 ? ref : ref.slice(0, hash);
  const tokens = fragmentTokens(ref, hash === -1 ? '' : ref.slice(hash + 1));
  const document = await remote.fetch(url, signal === undefined ? {} : { signal });
  const schema = standaloneTarget(ref, document, tokens);
  const problems = checkJsonSchema(schema);
  if (problems.length > 0) {
    const listed = problems
      .slice(0, 10)
      .map((p) => `${p.path === '' ? '(root)' : p.path} ${p.message}`)
      .join('; ');
    throw invalid(ref, `the schema it names is not usable: ${listed}`);
  }
  return {
    schema,
    source: {
      kind: 'remote',
      url,
      fragment: tokens.length === 0 ? '' : decodeURIComponent(ref.slice(hash + 1)),
      document_hash: jsonMultihash(document),
    },
  };
}
