import { describe, expect, it } from 'vitest';
import { InputError } from '../errors/julee-error.js';
import {
  escapeJsonPointerToken,
  formatJsonPointer,
  jsonPointerSyntaxError,
  parseJsonPointer,
  resolveJsonPointer,
} from './json-pointer.js';

describe('json-pointer', () => {
  it('parses "" as the root and "/" as the member named ""', () => {
    expect(parseJsonPointer('')).toEqual([]);
    expect(parseJsonPointer('/')).toEqual(['']);
  });

  it('unescapes ~1 before ~0', () => {
    expect(parseJsonPointer('/a~1b/c~0d/~01')).toEqual(['a/b', 'c~d', '~1']);
  });

  it('round-trips tokens through formatJsonPointer', () => {
    const tokens = ['properties', 'a/b', '~x', '', '0'];
    expect(parseJsonPointer(formatJsonPointer(tokens))).toEqual(tokens);
    expect(escapeJsonPointerToken('~/')).toBe('~0~1');
  });

  it('rejects strings that are not pointers', () => {
    expect(jsonPointerSyntaxError('properties')).toMatch(/starts with "\/"/);
    expect(jsonPointerSyntaxError('/a~2')).toMatch(/"~" must be followed/);
    expect(jsonPointerSyntaxError('/a~')).toMatch(/"~" must be followed/);
    expect(() => parseJsonPointer('#/a')).toThrow(InputError);
  });

  it('resolves members and array indexes, and reports where it stops', () => {
    const document = { a: { 'b/c': [10, { d: null }] }, '': 'empty' };
    expect(resolveJsonPointer(document, parseJsonPointer('/a/b~1c/1/d'))).toEqual({
      found: true,
      value: null,
    });
    expect(resolveJsonPointer(document, parseJsonPointer('/'))).toEqual({
      found: true,
      value: 'empty',
    });
    expect(resolveJsonPointer(document, parseJsonPointer('/a/b~1c/01'))).toEqual({
      found: false,
      missingAt: 2,
    });
    expect(resolveJsonPointer(document, parseJsonPointer('/a/b~1c/-'))).toEqual({
      found: false,
      missingAt: 2,
    });
    expect(resolveJsonPointer(document, parseJsonPointer('/a/toString'))).toEqual({
      found: false,
      missingAt: 1,
    });
  });
});
