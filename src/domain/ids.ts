import { randomUUID } from 'node:crypto';
import { InputError } from '../errors/julee-error.js';
import { ENTITY_KEYS, type EntityName } from './entities.js';
import type { IdGenerator } from './repositories.js';

/** Longest id accepted anywhere: `<id>.json` and temporary file names stay under 255 bytes. */
export const MAX_ID_LENGTH = 200;

/**
 * Letters, digits, ".", "-" and "_"; starts with a letter or digit, does not end with a dot and
 * holds no "..". Such an id is never a path segment like "." or "..", never contains a separator,
 * a percent escape or a control character. Ids are case-sensitive: on a case-insensitive file
system "doc-A" and "doc-a" would share a file, so the filesystem plugin needs a case-sensitive
one (Linux file systems are). The
 * entity schemas (schemas/*.schema.json, `$defs/id`) carry the same pattern.
 */
export const SAFE_ID_PATTERN = /^(?!.*\.\.)[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_-])?$/;

/** Whether an id is safe to become a file name, an object key or part of a URL path. */
export function isSafeId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= MAX_ID_LENGTH && SAFE_ID_PATTERN.test(id);
}

/** Why an id is unsafe, or null when it is safe. */
function unsafeIdReason(id: unknown): string | null {
  if (typeof id !== 'string') return `must be a string, not ${id === null ? 'null' : typeof id}`;
  if (id.length === 0) return 'must not be empty';
  if (id.length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters`;
  if (/[/\\]/.test(id)) return 'must not contain a path separator';
  // eslint-disable-next-line no-control-regex -- detecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(id)) return 'must not contain control characters';
  if (id.includes('..')) return 'must not contain ".."';
  if (id.startsWith('.')) return 'must not start with a dot';
  if (id.endsWith('.')) return 'must not end with a dot';
  if (!SAFE_ID_PATTERN.test(id)) {
    return 'must start with a letter or digit and contain only letters, digits, ".", "-" and "_"';
  }
  return null;
}

/**
 * Throws InputError (JULEE_INPUT_INVALID) unless `id` is a safe id (see SAFE_ID_PATTERN). Storage
 * plugins call it before an id becomes a key or a file name. The message quotes at most the first
 * 64 characters of the rejected id, JSON-escaped, so control characters cannot reach a log.
 */
export function assertSafeId(id: unknown, what = 'id'): asserts id is string {
  const reason = unsafeIdReason(id);
  if (reason === null) return;
  const shown = typeof id === 'string' ? ` ${JSON.stringify(id.slice(0, 64))}` : '';
  throw new InputError(`Invalid ${what}${shown}: an id ${reason}`, {
    details: {
      violations: [{ path: '', message: `an id ${reason}` }],
      length: typeof id === 'string' ? id.length : null,
    },
  });
}

/** The default id generator: `<prefix><uuid v4>`, e.g. `doc-0b6c…`, `spec-…`, `query-…`. */
export class RandomIdGenerator implements IdGenerator {
  newId(entity: EntityName): string {
    return `${ENTITY_KEYS[entity].prefix}${randomUUID()}`;
  }
}
