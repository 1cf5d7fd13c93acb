import { InputError } from '../errors/julee-error.js';

/**
 * JSON Pointers (RFC 6901): `""` is the whole document, `"/a/b"` the member `b` of the member `a`,
 * `"/"` the member named "" (not the root). In a token `~1` stands for `/` and `~0` for `~`.
 */

/** Why a string is not a JSON Pointer, or null when it is one. */
export function jsonPointerSyntaxError(pointer: string): string | null {
  if (pointer === '') return null;
  if (!pointer.startsWith('/')) return 'a JSON Pointer is "" or starts with "/"';
  if (/~(?![01])/.test(pointer))
    return '"~" must be followed by "0" or "1" ("~0" is "~", "~1" is "/")';
  return null;
}

/** The unescaped reference tokens of a pointer. Throws InputError when it is not a pointer. */
export function parseJsonPointer(pointer: string): string[] {
  const error = jsonPointerSyntaxError(pointer);
  if (error !== null) {
    throw new InputError(`Invalid JSON Pointer ${JSON.stringify(pointer)}: ${error}`, {
      details: { pointer },
    });
  }
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Escapes one reference token (`~` → `~0`, `/` → `~1`). */
export function escapeJsonPointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The pointer of a list of unescaped tokens. */
export function formatJsonPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((token) => `/${escapeJsonPointerToken(String(token))}`).join('');
}

export type PointerResolution =
  | { readonly found: true; readonly value: unknown }
  | { readonly found: false; readonly missingAt: number };

/**
 * Follows reference tokens through a JSON value. Array members are addressed by decimal index
 * without leading zeros; "-" (past the end) never resolves. `missingAt` is the index of the first
 * token that does not resolve.
 */
export function resolveJsonPointer(
  document: unknown,
  tokens: readonly string[],
): PointerResolution {
  let current: unknown = document;
  for (const [index, token] of tokens.entries()) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= current.length) {
        return { found: false, missingAt: index };
      }
      current = current[Number(token)];
    } else if (
      typeof current === 'object' &&
      current !== null &&
      Object.prototype.hasOwnProperty.call(current, token)
    ) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return { found: false, missingAt: index };
    }
  }
  return { found: true, value: current };
}
