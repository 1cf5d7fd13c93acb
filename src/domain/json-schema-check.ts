import { Ajv, type ErrorObject } from 'ajv/dist/ajv.js';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { escapeJsonPointerToken } from './json-pointer.js';

/** An ajv instance of any supported draft. */
export type JsonSchemaAjv = Ajv | Ajv2019 | Ajv2020;

// ajv-formats is CommonJS; under NodeNext its default import is typed as the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The JSON Schema drafts an assembly specification may be written in. */
export const JSON_SCHEMA_DRAFTS = ['2020-12', '2019-09', 'draft-07'] as const;
export type JsonSchemaDraft = (typeof JSON_SCHEMA_DRAFTS)[number];

const META_SCHEMA_IDS: { readonly [D in JsonSchemaDraft]: string } = {
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
  '2019-09': 'https://json-schema.org/draft/2019-09/schema',
  'draft-07': 'http://json-schema.org/draft-07/schema#',
};

/** A problem found in a schema; `path` is a JSON Pointer into the schema ("" is its root). */
export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * The draft a schema is written in, from its `$schema` (2020-12 when absent). `http`/`https` and a
 * trailing `#` do not matter. Null when `$schema` names a draft that is not supported.
 */
export function jsonSchemaDraftOf(schema: {
  readonly [key: string]: unknown;
}): JsonSchemaDraft | null {
  const declared = schema['$schema'];
  if (declared === undefined) return '2020-12';
  if (typeof declared !== 'string') return null;
  const normalised = declared
    .trim()
    .replace(/^http:/, 'https:')
    .replace(/#$/, '');
  for (const draft of JSON_SCHEMA_DRAFTS) {
    if (META_SCHEMA_IDS[draft].replace(/^http:/, 'https:').replace(/#$/, '') === normalised) {
      return draft;
    }
  }
  return null;
}

/**
 * A new ajv instance for one draft, with the standard formats, every error reported and unknown
 * keywords allowed (JSON Schema permits them). Callers compile their own schemas into it. With
 * `checkSchemas: false` the instance does not check schemas against the meta-schema when it
 * compiles them, which makes compiling many times faster (for schemas checked before).
 */
export function createJsonSchemaAjv(
  draft: JsonSchemaDraft,
  { checkSchemas = true }: { checkSchemas?: boolean } = {},
): JsonSchemaAjv {
  const options = {
    allErrors: true,
    strict: false,
    logger: false as const,
    ...(checkSchemas ? {} : { meta: false, validateSchema: false }),
  };
  const ajv =
    draft === '2020-12'
      ? new Ajv2020(options)
      : draft === '2019-09'
        ? new Ajv2019(options)
        : new Ajv(options);
  addFormats(ajv);
  return ajv;
}

const metaValidators = new Map<JsonSchemaDraft, JsonSchemaAjv>();

function metaSchemaProblems(schema: object, draft: JsonSchemaDraft): SchemaProblem[] {
  let ajv = metaValidators.get(draft);
  if (ajv === undefined) {
    ajv = createJsonSchemaAjv(draft);
    metaValidators.set(draft, ajv);
  }
  const validate = ajv.getSchema(META_SCHEMA_IDS[draft]);
  if (validate === undefined) {
    return [{ path: '', message: `the ${draft} meta-schema is not available` }];
  }
  if (validate(schema) === true) return [];
  const errors = validate.errors ?? [];
  // An anyOf/oneOf failure is explained by the errors of its branches; keep those alone.
  const explained = errors.filter(
    (e) =>
      !['anyOf', 'oneOf'].includes(e.keyword) ||
      !errors.some((other) => other !== e && other.instancePath.startsWith(e.instancePath)),
  );
  return dedupe(explained.map(metaError));
}

function metaError(error: ErrorObject): SchemaProblem {
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    return {
      path: error.instancePath,
      message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
    };
  }
  return { path: error.instancePath, message: error.message ?? `fails "${error.keyword}"` };
}

function dedupe(problems: SchemaProblem[]): SchemaProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function compileProblems(schema: { readonly [key: string]: unknown }, draft: JsonSchemaDraft) {
  // A fresh instance per schema: two specifications may well declare the same `$id`.
  const ajv = createJsonSchemaAjv(draft, { checkSchemas: false });
  const copy: { [key: string]: unknown } = { ...schema };
  delete copy['$schema'];
  try {
    ajv.compile(copy);
    return [];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [{ path: '', message: `cannot be compiled: ${reason}` }];
  }
}

const CACHE_LIMIT = 256;
const cache = new Map<string, readonly SchemaProblem[]>();

/**
 * Checks an inline JSON Schema: it must declare a supported draft (or none: 2020-12), have a root
 * `type`, be valid against its draft's meta-schema and compile (every local `$ref` resolves).
 * Returns every problem found, none for a good schema. Results are cached by the schema's JSON text,
 * so checking the same schema on every read is cheap.
 */
export function checkJsonSchema(schema: {
  readonly [key: string]: unknown;
}): readonly SchemaProblem[] {
  const key = JSON.stringify(schema);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;

  const problems = uncachedCheck(schema);
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(key, problems);
  return problems;
}

function uncachedCheck(schema: { readonly [key: string]: unknown }): readonly SchemaProblem[] {
  const draft = jsonSchemaDraftOf(schema);
  if (draft === null) {
    const supported = JSON_SCHEMA_DRAFTS.map((d) => META_SCHEMA_IDS[d]).join(', ');
    return [
      {
        path: `/${escapeJsonPointerToken('$schema')}`,
        message: `names an unsupported JSON Schema draft; use one of ${supported}`,
      },
    ];
  }
  const problems: SchemaProblem[] = [];
  if (!('type' in schema)) {
    problems.push({ path: '', message: 'must have a root "type" (e.g. "type": "object")' });
  }
  const metaProblems = metaSchemaProblems(schema, draft);
  problems.push(...metaProblems);
  if (metaProblems.length === 0) problems.push(...compileProblems(schema, draft));
  return Object.freeze(problems.map((p) => Object.freeze(p)));
}
