import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from '../plugin-api/contract.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** Keywords julee adds to JSON Schema for configuration. */
const ANNOTATIONS: { keyword: string; schemaType: ('string' | 'boolean')[] }[] = [
  { keyword: 'x-secret', schemaType: ['boolean'] },
  { keyword: 'x-env', schemaType: ['string'] },
  { keyword: 'x-deprecated', schemaType: ['string', 'boolean'] },
];

/**
 * One ajv instance for trusted configuration: all errors at once, defaults filled in, strict about
 * the schemas themselves (a typo in a plugin's schema is the plugin author's bug, caught at load).
 */
export function createConfigAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    useDefaults: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    verbose: true,
    coerceTypes: false,
  });
  addFormats(ajv);
  for (const annotation of ANNOTATIONS) {
    ajv.addKeyword({ keyword: annotation.keyword, schemaType: annotation.schemaType });
  }
  return ajv;
}

export type { ErrorObject, ValidateFunction };

type Schema = { readonly [key: string]: unknown };

function asSchema(value: unknown): Schema | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Schema)
    : undefined;
}

/** Follows a local `$ref` ("#/$defs/x") inside the root schema. */
function deref(schema: Schema, root: Schema): Schema {
  let current = schema;
  for (let hops = 0; hops < 16 && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref;
    if (!ref.startsWith('#/')) break;
    let target: unknown = root;
    for (const part of ref.slice(2).split('/')) {
      target = asSchema(target)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    const next = asSchema(target);
    if (!next) break;
    current = {
      ...next,
      ...Object.fromEntries(Object.entries(current).filter(([k]) => k !== '$ref')),
    };
  }
  return current;
}

/** The sub-schema that governs a property of an object schema, if any. */
export function propertySchema(schema: Schema, key: string, root: Schema): Schema | undefined {
  const s = deref(schema, root);
  const direct = asSchema(asSchema(s.properties)?.[key]);
  if (direct) return deref(direct, root);
  const patterns = asSchema(s.patternProperties);
  if (patterns) {
    for (const [pattern, sub] of Object.entries(patterns)) {
      if (new RegExp(pattern, 'u').test(key) && asSchema(sub)) return deref(asSchema(sub)!, root);
    }
  }
  const additional = asSchema(s.additionalProperties);
  return additional ? deref(additional, root) : undefined;
}

/** The sub-schema at a data path (keys and indexes), or undefined when the schema has none. */
export function schemaAt(root: Schema, path: readonly (string | number)[]): Schema | undefined {
  let current: Schema | undefined = deref(root, root);
  for (const segment of path) {
    if (!current) return undefined;
    if (typeof segment === 'number' || /^\d+$/.test(String(segment))) {
      const items = asSchema(current.items);
      if (items && !asSchema(current.properties)) {
        current = deref(items, root);
        continue;
      }
    }
    current = propertySchema(current, String(segment), root);
  }
  return current;
}

/** The JSON types a schema accepts ("string", "integer", ...); empty when unconstrained. */
export function expectedTypes(schema: Schema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.map(String);
  if (Array.isArray(schema.enum)) {
    return [...new Set(schema.enum.map((v) => (v === null ? 'null' : typeof v)))];
  }
  return [];
}

export function isSecretSchema(schema: Schema | undefined): boolean {
  return schema?.['x-secret'] === true;
}

/** The property names an object schema allows, for did-you-mean on unknown keys. */
export function knownKeys(schema: Schema | undefined, root: Schema): string[] {
  if (!schema) return [];
  return Object.keys(asSchema(deref(schema, root).properties) ?? {});
}

/**
 * Fills options that config.yaml leaves out from the environment variables their schema names
 * with `x-env`, creating parent mappings as needed. Reports each filled path.
 */
export function applyEnvDefaults(
  schema: JsonSchema,
  data: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  onApplied: (path: string[], variable: string) => void,
  root: JsonSchema = schema,
  path: string[] = [],
): void {
  const s = deref(schema, root);
  const properties = asSchema(s.properties);
  if (!properties) return;
  for (const [key, raw] of Object.entries(properties)) {
    const sub = asSchema(raw) ? deref(asSchema(raw)!, root) : undefined;
    if (!sub) continue;
    const variable = sub['x-env'];
    if (typeof variable === 'string' && data[key] === undefined) {
      const value = env[variable];
      if (value !== undefined && value !== '') {
        data[key] = normaliseEnvValue(value, sub);
        onApplied([...path, key], variable);
      }
      continue;
    }
    if (expectedTypes(sub).includes('object') || asSchema(sub.properties)) {
      const existing = data[key];
      if (existing === undefined) {
        const child: Record<string, unknown> = {};
        applyEnvDefaults(sub, child, env, onApplied, root, [...path, key]);
        if (Object.keys(child).length > 0) data[key] = child;
      } else if (existing !== null && typeof existing === 'object' && !Array.isArray(existing)) {
        applyEnvDefaults(sub, existing as Record<string, unknown>, env, onApplied, root, [
          ...path,
          key,
        ]);
      }
    }
  }
}

function normaliseEnvValue(value: string, schema: Schema): unknown {
  const types = expectedTypes(schema);
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string')) {
    const lower = value.toLowerCase();
    if (schema.enum.includes(lower)) return lower;
    // Python-style level names from the seed's environment (LOG_LEVEL=WARNING).
    if (lower === 'warning' && schema.enum.includes('warn')) return 'warn';
    if (lower === 'critical' && schema.enum.includes('fatal')) return 'fatal';
  }
  if (types.includes('string')) return value;
  if (types.includes('integer') || types.includes('number')) {
    const n = Number(value);
    return Number.isNaN(n) ? value : n;
  }
  if (types.includes('boolean')) {
    if (/^(true|yes|on|1)$/i.test(value)) return true;
    if (/^(false|no|off|0)$/i.test(value)) return false;
  }
  return value;
}

/** Every path in `data` whose schema marks it secret. */
export function secretPaths(
  schema: JsonSchema,
  data: unknown,
  root: JsonSchema = schema,
  path: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (isSecretSchema(schema)) {
    out.push(path);
    return out;
  }
  if (Array.isArray(data)) {
    const items = asSchema(deref(schema, root).items);
    if (items)
      data.forEach((item, i) => secretPaths(deref(items, root), item, root, [...path, i], out));
  } else if (data !== null && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) {
      const sub = propertySchema(schema, key, root);
      if (sub) secretPaths(sub, value, root, [...path, key], out);
    }
  }
  return out;
}
