import type { ErrorObject } from 'ajv';
import type { JsonSchema } from '../plugin-api/contract.js';
import { describeValue, didYouMean, looksSecret, type Diagnostic } from './diagnostics.js';
import type { Provenance } from './interpolate.js';
import { fromPointer, toDotted, toPointer, type ConfigPath } from './pointer.js';
import { isSecretSchema, knownKeys, schemaAt } from './schema-tools.js';
import type { ConfigSource } from './source.js';

export interface SchemaErrorContext {
  readonly source: ConfigSource;
  /** Where the validated data sits in the configuration (e.g. ["repositories", "document"]). */
  readonly basePath: ConfigPath;
  readonly schema: JsonSchema;
  readonly provenance: ReadonlyMap<string, Provenance>;
  /** Names what was validated, e.g. 'options of repository plugin "minio"'. */
  readonly subject?: string;
}

/** Turns ajv errors into positioned diagnostics: one per problem, with did-you-mean hints. */
export function schemaDiagnostics(
  errors: readonly ErrorObject[],
  context: SchemaErrorContext,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  // Errors under a failed oneOf/anyOf branch are noise when a simpler error names the same place.
  const combinators = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (combinators.length > 0 && error.keyword !== 'oneOf' && error.keyword !== 'anyOf') {
      const inBranch = combinators.some(
        (c) =>
          error.schemaPath.startsWith(c.schemaPath.replace(/\/(oneOf|anyOf)$/, '')) &&
          error.schemaPath !== c.schemaPath &&
          /\/(oneOf|anyOf)\/\d+/.test(error.schemaPath),
      );
      if (inBranch) continue;
    }
    const diagnostic = toDiagnostic(error, context);
    const key = `${diagnostic.path}|${diagnostic.code}|${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(diagnostic);
  }
  return out;
}

function toDiagnostic(error: ErrorObject, context: SchemaErrorContext): Diagnostic {
  const { source, basePath, schema, provenance } = context;
  const relative = fromPointer(error.instancePath);
  const path: (string | number)[] = [...basePath, ...relative];
  const at = (p: ConfigPath, prefer: 'key' | 'value' = 'value') => source.locate(p, prefer);
  const valueSchema = schemaAt(schema, relative);
  const origin = provenance.get(toPointer(path));
  const secret =
    isSecretSchema(valueSchema) ||
    looksSecret(path[path.length - 1]) ||
    (origin?.fromFile ?? false);
  const found = secret ? '<secret value>' : describeValue(error.data);
  const base = {
    severity: 'error' as const,
    file: source.file,
    ...(secret ? { secret: true } : {}),
  };
  const originHint =
    origin === undefined
      ? undefined
      : `the value came from ${origin.refs.map((r) => `\${${r}}`).join(', ')}`;
  const params = error.params as Record<string, unknown>;

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const keyPath = [...path, key];
      const suggestion = didYouMean(key, knownKeys(valueSchema, schema));
      const allowed = knownKeys(valueSchema, schema);
      return {
        ...base,
        // An unknown key that looks like a credential may hold one: show no excerpt of its line.
        ...(/(key|secret|passw|token|credential)/i.test(key) ? { secret: true } : {}),
        code: 'JULEE_CONFIG_UNKNOWN_KEY',
        ...at(keyPath, 'key'),
        path: toDotted(keyPath),
        message: `unknown key "${key}"${context.subject ? ` in ${context.subject}` : ''}`,
        ...(allowed.length > 0 ? { expected: `one of ${allowed.join(', ')}` } : {}),
        ...(suggestion ? { hint: `did you mean "${suggestion}"?` } : {}),
      };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return {
        ...base,
        code: 'JULEE_CONFIG_MISSING_KEY',
        ...at(path, 'key'),
        path: toDotted([...path, key]),
        message: `missing required key "${key}"${context.subject ? ` in ${context.subject}` : ''}`,
      };
    }
    case 'type':
      return {
        ...base,
        code: 'JULEE_CONFIG_WRONG_TYPE',
        ...at(path),
        path: toDotted(path),
        message: 'wrong type',
        expected: article(String(params.type)),
        found,
        ...(originHint ? { hint: originHint } : {}),
      };
    case 'enum':
    case 'const': {
      const allowed = (
        error.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue]
      ).map((v) => JSON.stringify(v));
      const suggestion =
        typeof error.data === 'string' && !secret
          ? didYouMean(
              error.data,
              allowed.map((v) => v.replace(/^"|"$/g, '')),
            )
          : undefined;
      return {
        ...base,
        code: 'JULEE_CONFIG_INVALID_VALUE',
        ...at(path),
        path: toDotted(path),
        message: 'value not allowed',
        expected: `one of ${allowed.join(', ')}`,
        found,
        ...(suggestion
          ? { hint: `did you mean "${suggestion}"?` }
          : originHint
            ? { hint: originHint }
            : {}),
      };
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      const keyPath = [...path, name];
      return {
        ...base,
        code: 'JULEE_CONFIG_INVALID_VALUE',
        ...at(keyPath, 'key'),
        path: toDotted(keyPath),
        message: `invalid name "${name}"`,
        expected: 'lower-case letters, digits, "_" and "-", starting with a letter',
      };
    }
    default:
      return {
        ...base,
        code: 'JULEE_CONFIG_INVALID_VALUE',
        ...at(path),
        path: toDotted(path),
        message: error.message ?? `fails "${error.keyword}"`,
        found,
        ...(originHint ? { hint: originHint } : {}),
      };
  }
}

function article(type: string): string {
  const names = type.split(',').map((t) => {
    switch (t) {
      case 'object':
        return 'a mapping';
      case 'array':
        return 'a list';
      case 'integer':
        return 'an integer';
      default:
        return `a ${t}`;
    }
  });
  return names.join(' or ');
}
