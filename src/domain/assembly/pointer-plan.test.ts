import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../entities.js';
import { PipelineError } from './pipeline-errors.js';
import { planPointer } from './pointer-plan.js';

const root: JsonObject = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://example.org/minutes.json',
  title: 'Minutes',
  description: 'Meeting minutes',
  type: 'object',
  properties: {
    meeting_info: {
      type: 'object',
      properties: {
        title: { type: 'string' },
        'a/b~c': { type: 'integer' },
        venue: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
      required: ['title'],
      additionalProperties: false,
    },
    tags: { type: 'array', items: { type: 'string' } },
    extra: { allOf: [{ type: 'object', properties: { note: { type: 'string' } } }] },
  },
  required: ['meeting_info'],
  allOf: [{ required: ['tags'] }],
  $defs: { Person: { type: 'object' } },
  definitions: { Legacy: { type: 'string' } },
};

describe('planPointer', () => {
  it('asks for a wrapped property and stores its value at the property for /properties/x', () => {
    const plan = planPointer(root, '/properties/meeting_info');
    expect(plan.placement).toEqual({ kind: 'set', path: ['meeting_info'], key: 'meeting_info' });
    expect(plan.dataPointer).toBe('/meeting_info');
    expect(plan.outputSchema).toEqual({
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'https://example.org/minutes.json',
      title: 'Minutes - /properties/meeting_info',
      description: 'Meeting minutes',
      type: 'object',
      properties: { meeting_info: (root['properties'] as JsonObject)['meeting_info'] },
      required: ['meeting_info'],
      additionalProperties: false,
      $defs: root['$defs'],
      definitions: root['definitions'],
    });
  });

  it('leaves the root validation keywords out of a standalone schema', () => {
    const plan = planPointer(root, '/properties/tags');
    expect(plan.outputSchema).not.toHaveProperty('allOf');
    expect(plan.outputSchema['required']).toEqual(['tags']);
  });

  it('maps nested properties segments to nested data keys', () => {
    const plan = planPointer(root, '/properties/meeting_info/properties/venue/properties/city');
    expect(plan.placement).toEqual({
      kind: 'set',
      path: ['meeting_info', 'venue', 'city'],
      key: 'city',
    });
    expect(plan.dataPointer).toBe('/meeting_info/venue/city');
    expect(plan.outputSchema['properties']).toEqual({ city: { type: 'string' } });
  });

  it('decodes ~1 and ~0 in property names', () => {
    const plan = planPointer(root, '/properties/meeting_info/properties/a~1b~0c');
    expect(plan.placement).toEqual({ kind: 'set', path: ['meeting_info', 'a/b~c'], key: 'a/b~c' });
    expect(plan.dataPointer).toBe('/meeting_info/a~1b~0c');
    expect(plan.outputSchema['required']).toEqual(['a/b~c']);
  });

  it('uses the root schema unchanged for the root pointer and merges the answer', () => {
    const plan = planPointer(root, '');
    expect(plan.outputSchema).toEqual(root);
    expect(plan.placement).toEqual({ kind: 'merge', path: [] });
  });

  it('asks for the whole properties map with the root required for /properties', () => {
    const plan = planPointer(root, '/properties');
    expect(plan.placement).toEqual({ kind: 'merge', path: [] });
    expect(plan.outputSchema['properties']).toEqual(root['properties']);
    expect(plan.outputSchema['required']).toEqual(['meeting_info']);
    expect(plan.outputSchema['additionalProperties']).toBe(false);
  });

  it('takes required from the owning object for a nested properties map', () => {
    const plan = planPointer(root, '/properties/meeting_info/properties');
    expect(plan.placement).toEqual({ kind: 'merge', path: ['meeting_info'] });
    expect(plan.outputSchema['required']).toEqual(['title']);
  });

  it('asks for a list of items under the array name for an items pointer', () => {
    const plan = planPointer(root, '/properties/tags/items');
    expect(plan.placement).toEqual({ kind: 'append', path: ['tags'], key: 'tags' });
    expect(plan.outputSchema['properties']).toEqual({
      tags: { type: 'array', items: { type: 'string' } },
    });
    expect(plan.outputSchema['required']).toEqual(['tags']);
  });

  it('names the wrapper after the data key, not the last pointer token, through allOf', () => {
    const plan = planPointer(root, '/properties/extra/allOf/0');
    expect(plan.placement).toEqual({ kind: 'set', path: ['extra'], key: 'extra' });
    expect(plan.outputSchema['required']).toEqual(['extra']);
  });

  it.each([
    ['/properties/missing', 'the schema has nothing at /properties/missing'],
    ['/$defs/Person', '"$defs" does not name a place in the data'],
    ['/properties/meeting_info/additionalProperties', '"additionalProperties" does not name'],
    ['/properties/tags/items/type', 'a pointer into the schema of list items is not supported'],
    ['/required', '"required" does not name a place in the data'],
    ['properties/tags', 'a JSON Pointer is "" or starts with "/"'],
  ])('refuses %s with a clear error', (pointer, message) => {
    let caught: unknown;
    try {
      planPointer(root, pointer);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PipelineError);
    expect((caught as PipelineError).code).toBe('JULEE_ASSEMBLY_SPECIFICATION_INVALID');
    expect((caught as Error).message).toContain(message);
  });
});
