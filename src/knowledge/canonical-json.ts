import type { JsonValue } from '../domain/entities.js';
import { multihashOf } from '../domain/content-hash.js';

/** JSON text with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** SHA-256 multihash of a value's canonical JSON (schemas, projected schemas). */
export function jsonHash(value: JsonValue | Readonly<Record<string, unknown>>): string {
  return multihashOf(canonicalJson(value));
}
