import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import { toDotted, toPointer, type ConfigPath } from './pointer.js';
import { setOwn, type ConfigSource } from './source.js';

/** Where an interpolated value came from, kept for diagnostics and for type conversion. */
export interface Provenance {
  /** The references in the value, e.g. ["env:PORT"] or ["file:/run/secrets/key"]. */
  readonly refs: readonly string[];
  /** True when the whole value was one reference (so it may be converted to a number/boolean). */
  readonly whole: boolean;
  /** True when part of the value was read from a file. */
  readonly fromFile: boolean;
}

export interface InterpolationOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative `${file:...}` paths resolve against this directory. */
  readonly baseDir: string;
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Resolves `${VAR}`, `${env:VAR}`, `${VAR:-default}`, `${VAR:?message}`, `${file:path}` and the
 * `$$` escape inside string values (never keys), after parsing, so a value can never inject YAML.
 * Returns the provenance of every interpolated value by JSON Pointer.
 */
export function interpolate(
  source: ConfigSource,
  options: InterpolationOptions,
  diagnostics: Diagnostic[],
): Map<string, Provenance> {
  const provenance = new Map<string, Provenance>();
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('$')) return value;
      const result = interpolateString(value, options, (message, hint) => {
        const { line, col } = source.locate(path);
        diagnostics.push({
          code: 'JULEE_CONFIG_ENV',
          severity: 'error',
          file: source.file,
          line,
          col,
          path: toDotted(path),
          message,
          ...(hint === undefined ? {} : { hint }),
        });
      });
      if (result.refs.length > 0) provenance.set(toPointer(path), result);
      return result.value;
    }
    if (Array.isArray(value)) {
      return value.map((item, index) => walk(item, [...path, index]));
    }
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value))
        setOwn(out, key, walk(child, [...path, key]));
      return out;
    }
    return value;
  };
  source.data = walk(source.data, []);
  return provenance;
}

interface StringResult extends Provenance {
  readonly value: string;
}

function interpolateString(
  text: string,
  options: InterpolationOptions,
  report: (message: string, hint?: string) => void,
): StringResult {
  let out = '';
  const refs: string[] = [];
  let fromFile = false;
  let references = 0;
  let literal = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch !== '$') {
      out += ch;
      literal = true;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      literal = true;
      i += 2;
      continue;
    }
    if (next !== '{') {
      out += '$';
      literal = true;
      i++;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    if (end < 0) {
      report(
        'unterminated reference: "${" has no closing "}"',
        'write "$$" for a literal dollar sign',
      );
      return { value: text, refs, whole: false, fromFile };
    }
    const body = text.slice(i + 2, end);
    references++;
    const resolved = resolveReference(body, options, report);
    if (resolved !== undefined) {
      out += resolved.value;
      refs.push(resolved.ref);
      fromFile ||= resolved.ref.startsWith('file:');
    }
    i = end + 1;
  }
  return { value: out, refs, whole: references === 1 && !literal, fromFile };
}

function resolveReference(
  body: string,
  options: InterpolationOptions,
  report: (message: string, hint?: string) => void,
): { value: string; ref: string } | undefined {
  if (body.startsWith('file:')) {
    const target = body.slice('file:'.length).trim();
    if (target === '') {
      report('empty file reference "${file:}"', 'name the file, e.g. ${file:/run/secrets/api_key}');
      return undefined;
    }
    const path = isAbsolute(target) ? target : resolve(options.baseDir, target);
    try {
      return { value: readFileSync(path, 'utf8').replace(/\r?\n$/, ''), ref: `file:${target}` };
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      report(`cannot read the file referenced by \${file:${target}} (${reason})`);
      return undefined;
    }
  }
  const expression = body.startsWith('env:') ? body.slice('env:'.length) : body;
  const match = /^([^:]*)(?::([-?])([\s\S]*))?$/.exec(expression);
  const name = match?.[1] ?? '';
  if (!VAR_NAME.test(name)) {
    report(
      `"\${${body}}" is not a valid reference`,
      'use ${NAME}, ${NAME:-default}, ${NAME:?message} or ${file:path}; write "$$" for a literal "$"',
    );
    return undefined;
  }
  const operator = match?.[2];
  const argument = match?.[3] ?? '';
  const value = options.env[name];
  const unset = value === undefined || value === '';
  if (!unset) return { value, ref: `env:${name}` };
  if (operator === '-') return { value: argument, ref: `env:${name}` };
  if (operator === '?') {
    report(
      `environment variable ${name} is not set: ${argument === '' ? 'it is required' : argument}`,
    );
    return undefined;
  }
  report(
    `environment variable ${name} is not set`,
    `set ${name}, or give a default with \${${name}:-default}`,
  );
  return undefined;
}

/** Converts an interpolated string to the type its schema expects (environment values are text). */
export function convertInterpolated(value: string, expected: readonly string[]): unknown {
  if (expected.includes('string')) return value;
  if ((expected.includes('integer') || expected.includes('number')) && value.trim() !== '') {
    const number = Number(value);
    if (!Number.isNaN(number)) return number;
  }
  if (expected.includes('boolean')) {
    if (/^(true|yes|on|1)$/i.test(value)) return true;
    if (/^(false|no|off|0)$/i.test(value)) return false;
  }
  if (expected.includes('null') && value === '') return null;
  return value;
}

export type { ConfigPath };
