import { describe, expect, it } from 'vitest';
import { InputError } from '../errors/julee-error.js';
import { ENTITY_KEYS, ENTITY_NAMES } from './entities.js';
import { assertSafeId, isSafeId, RandomIdGenerator } from './ids.js';

describe('RandomIdGenerator', () => {
  it('gives each entity kind its prefix followed by a v4 uuid', () => {
    const ids = new RandomIdGenerator();
    for (const entity of ENTITY_NAMES) {
      const id = ids.newId(entity);
      const prefix = ENTITY_KEYS[entity].prefix;
      expect(id.startsWith(prefix)).toBe(true);
      expect(id.slice(prefix.length)).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(isSafeId(id)).toBe(true);
    }
  });

  it('does not repeat ids', () => {
    const ids = new RandomIdGenerator();
    const made = new Set(Array.from({ length: 1000 }, () => ids.newId('document')));
    expect(made.size).toBe(1000);
  });
});

describe('assertSafeId', () => {
  it('accepts ids of letters, digits, dots, dashes and underscores', () => {
    for (const id of [
      'doc-1',
      'anthropic-4.5-as-a-knowledge-service',
      'A_b.c-9',
      'x'.repeat(200),
    ]) {
      expect(() => assertSafeId(id)).not.toThrow();
    }
  });

  it.each([
    ['', 'must not be empty'],
    ['x'.repeat(201), 'must be at most 200 characters'],
    ['a/b', 'must not contain a path separator'],
    ['a\\b', 'must not contain a path separator'],
    ['..', 'must not contain ".."'],
    ['a..b', 'must not contain ".."'],
    ['.hidden', 'must not start with a dot'],
    ['trailing.', 'must not end with a dot'],
    ['a\u0000b', 'must not contain control characters'],
    ['line\nbreak', 'must not contain control characters'],
    ['has space', 'must start with a letter or digit and contain only'],
    ['a%2Fb', 'must start with a letter or digit and contain only'],
    ['-flag', 'must start with a letter or digit and contain only'],
    ['urn:x', 'must start with a letter or digit and contain only'],
    ['café', 'must start with a letter or digit and contain only'],
  ])('rejects %j', (id, reason) => {
    expect(isSafeId(id)).toBe(false);
    let caught: unknown;
    try {
      assertSafeId(id, 'document id');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).code).toBe('JULEE_INPUT_INVALID');
    expect((caught as InputError).message).toContain(reason);
    expect((caught as InputError).message).toMatch(/^Invalid document id/);
  });

  it('rejects values that are not strings', () => {
    expect(() => assertSafeId(42)).toThrow('must be a string, not number');
    expect(() => assertSafeId(null)).toThrow('must be a string, not null');
  });

  it('quotes at most 64 characters of a rejected id, escaped', () => {
    let caught: unknown;
    try {
      assertSafeId(`\u001b[31m${'x'.repeat(300)}`);
    } catch (error) {
      caught = error;
    }
    const message = (caught as InputError).message;
    expect(message).not.toContain('\u001b');
    expect(message).toContain('\\u001b[31m');
    expect(message.length).toBeLessThan(200);
  });
});
