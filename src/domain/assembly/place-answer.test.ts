import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../entities.js';
import { placeAnswer, type MutableJsonObject } from './place-answer.js';
import { PipelineError } from './pipeline-errors.js';
import { planPointer } from './pointer-plan.js';

const schema: JsonObject = {
  type: 'object',
  properties: {
    info: {
      type: 'object',
      properties: { title: { type: 'string' }, 'a/b': { type: 'string' } },
    },
    tags: { type: 'array', items: { type: 'string' } },
    name: { type: 'string' },
  },
};

function place(assembled: MutableJsonObject, pointer: string, answer: JsonValue): void {
  placeAnswer(assembled, planPointer(schema, pointer), answer, 'q1');
}

function placeError(
  assembled: MutableJsonObject,
  pointer: string,
  answer: JsonValue,
): PipelineError {
  try {
    place(assembled, pointer, answer);
  } catch (error) {
    return error as PipelineError;
  }
  throw new Error('expected placeAnswer to throw');
}

describe('placeAnswer', () => {
  it('unwraps the single-property wrapper a model answers with', () => {
    const assembled: MutableJsonObject = {};
    place(assembled, '/properties/info', { info: { title: 'Q1 planning' } });
    expect(assembled).toEqual({ info: { title: 'Q1 planning' } });
  });

  it('stores nested and escaped pointers at their data location', () => {
    const assembled: MutableJsonObject = {};
    place(assembled, '/properties/info/properties/title', { title: 'Kick-off' });
    place(assembled, '/properties/info/properties/a~1b', { 'a/b': 'slash' });
    expect(assembled).toEqual({ info: { title: 'Kick-off', 'a/b': 'slash' } });
  });

  it('merges root and /properties answers shallowly, later mappings winning', () => {
    const assembled: MutableJsonObject = {};
    place(assembled, '', { name: 'first', info: { title: 'a' } });
    place(assembled, '/properties', { name: 'second' });
    expect(assembled).toEqual({ name: 'second', info: { title: 'a' } });
  });

  it('appends list items to the list at the data location', () => {
    const assembled: MutableJsonObject = {};
    place(assembled, '/properties/tags', { tags: ['x'] });
    place(assembled, '/properties/tags/items', { tags: ['y', 'z'] });
    expect(assembled).toEqual({ tags: ['x', 'y', 'z'] });
  });

  it('creates no key named "items" or "properties"', () => {
    const assembled: MutableJsonObject = {};
    place(assembled, '/properties/tags/items', { tags: ['y'] });
    place(assembled, '/properties/info/properties', { title: 't' });
    expect(assembled).toEqual({ tags: ['y'], info: { title: 't' } });
  });

  it('copies answers, so that later placements do not change them', () => {
    const answer = { info: { title: 'original' } };
    const assembled: MutableJsonObject = {};
    place(assembled, '/properties/info', Object.freeze(answer));
    place(assembled, '/properties/info/properties/title', { title: 'changed' });
    expect(answer.info.title).toBe('original');
    expect(assembled).toEqual({ info: { title: 'changed' } });
  });

  it('stores a "__proto__" member as data, never as a prototype', () => {
    const assembled: MutableJsonObject = {};
    place(assembled, '', JSON.parse('{"__proto__": {"polluted": true}}') as JsonValue);
    expect(Object.keys(assembled)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(assembled)).toBe(Object.prototype);
  });

  it.each([
    ['', ['not', 'an object'], 'the answer is a list, not an object'],
    ['/properties', 'text', 'the answer is string, not an object'],
    ['/properties/info', { title: 'unwrapped' }, 'the answer has no member "info"'],
    ['/properties/tags/items', { tags: 'y' }, '"tags" is string, not a list'],
  ] as const)('refuses an answer for %j that does not fit', (pointer, answer, reason) => {
    const error = placeError({}, pointer, answer);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error.code).toBe('JULEE_ASSEMBLY_ANSWER_UNPLACEABLE');
    expect(error.message).toContain('query "q1"');
    expect(error.message).toContain(reason);
  });

  it('refuses to walk through a value an earlier answer stored', () => {
    const assembled: MutableJsonObject = { info: 'a string' };
    const error = placeError(assembled, '/properties/info/properties/title', { title: 'x' });
    expect(error.message).toContain('an earlier answer put string at /info, not an object');
  });
});
