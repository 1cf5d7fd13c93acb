import { multihashOf } from '../content-hash.js';

/**
 * JSON text with the keys of every object sorted (by UTF-16 code units, as RFC 8785 sorts them)
 * and no whitespace, so that equal values always give equal text. Keys whose value is undefined
 * are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) {
      Object.defineProperty(sorted, key, {
        value: sortKeys(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return sorted;
}

/** SHA-256 multihash (hex) of a value's canonical JSON: the hash of a schema or an answer. */
export function jsonMultihash(value: unknown): string {
  return multihashOf(canonicalJson(value));
}
