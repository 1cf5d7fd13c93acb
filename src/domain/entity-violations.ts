import type { ErrorObject } from 'ajv/dist/2020.js';
import type { Violation } from './entity-rules.js';
import { SAFE_ID_PATTERN } from './ids.js';
import { escapeJsonPointerToken } from './json-pointer.js';

/** Turns ajv's errors on entity records into violations with paths and plain messages. */

function schemaViolation(error: ErrorObject): Violation {
  const params = error.params as Record<string, unknown>;
  const at = error.instancePath;
  switch (error.keyword) {
    case 'required':
      return {
        path: `${at}/${escapeJsonPointerToken(String(params['missingProperty']))}`,
        message: 'is required',
      };
    case 'additionalProperties':
      return {
        path: `${at}/${escapeJsonPointerToken(String(params['additionalProperty']))}`,
        message: 'is not a known field',
      };
    case 'enum':
      return {
        path: at,
        message: `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'type':
      return { path: at, message: `must be ${String(params['type']).split(',').join(' or ')}` };
    case 'minLength':
      return { path: at, message: 'must not be empty' };
    case 'pattern':
      return { path: at, message: patternMessage(String(params['pattern'])) };
    case 'maxItems':
    case 'items':
      if (typeof params['limit'] === 'number') {
        return { path: at, message: `must have at most ${params['limit']} item(s)` };
      }
      return { path: at, message: error.message ?? 'has items that are not allowed' };
    case 'minItems':
      return { path: at, message: `must have at least ${String(params['limit'])} item(s)` };
    case 'uniqueItems':
      return {
        path: at,
        message: `must not repeat items (items ${String(params['j'])} and ${String(params['i'])} are equal)`,
      };
    case 'false schema':
      return { path: at, message: 'is not allowed here' };
    default:
      return { path: at, message: error.message ?? `fails "${error.keyword}"` };
  }
}

export function schemaViolations(errors: readonly ErrorObject[]): Violation[] {
  // "" breaks both minLength and the non-blank pattern: report it once.
  const empty = new Set(errors.filter((e) => e.keyword === 'minLength').map((e) => e.instancePath));
  return errors
    .filter((e) => !(e.keyword === 'pattern' && empty.has(e.instancePath)))
    .map(schemaViolation);
}

/** What each pattern of the entity schemas means, in words. */
const PATTERN_MESSAGES: Record<string, string> = {
  '\\S': 'must not be blank',
  [SAFE_ID_PATTERN.source]:
    'must be an id: letters, digits, ".", "-" or "_", starting with a letter or digit, not ' +
    'ending with a dot, without ".."',
  '^1220[0-9a-f]{64}$': 'must be a SHA-256 multihash in lower-case hex ("1220" + 64 hex digits)',
  '^(?!\\.{1,2}$)[^/\\\\\\u0000-\\u001F\\u007F]+$':
    'must be a file name without path separators or control characters',
  '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\\s*;.*)?$':
    'must be a MIME type such as "text/plain" or "text/plain; charset=utf-8"',
  '^[a-z][a-z0-9-]*$':
    'must be a plugin type: lower-case letters, digits and "-", starting with a letter',
  '^[a-z][a-z0-9_-]*$':
    'must be a service instance name: lower-case letters, digits, "-" and "_", starting with a letter',
};

export function patternMessage(pattern: string): string {
  return PATTERN_MESSAGES[pattern] ?? `must match the pattern ${pattern}`;
}
