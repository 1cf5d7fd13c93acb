/* eslint-disable @typescript-eslint/no-explicit-any -- wire bodies and projected schemas are inspected loosely */
import { describe, expect, it } from 'vitest';
import { projectSchema } from './schema-projection.js';

const MINUTES = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200, default: 'x' },
    attendees: { type: 'array', items: { type: 'string', format: 'email' }, minItems: 2 },
    score: { type: 'integer', minimum: 0, maximum: 100 },
    kind: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  },
} as const;

describe('projectSchema for openai-strict', () => {
  const projection = projectSchema(MINUTES, 'openai-strict');
  const schema = projection.schema as Record<string, any>;

  it('requires every property and makes the optional ones nullable', () => {
    expect(schema.required).toEqual(['title', 'attendees', 'score', 'kind']);
    expect(schema.properties.title.type).toBe('string');
    expect(schema.properties.score.type).toEqual(['integer', 'null']);
    expect(schema.properties.kind).toEqual({
      anyOf: [{ anyOf: [{ type: 'string' }, { type: 'number' }] }, { type: 'null' }],
    });
  });

  it('closes every object and drops annotations strict mode refuses', () => {
    expect(schema.additionalProperties).toBe(false);
    expect(schema.$schema).toBeUndefined();
    expect(schema.properties.title.default).toBeUndefined();
  });

  it('keeps numeric and item bounds and moves string lengths to the description', () => {
    expect(schema.properties.score.minimum).toBe(0);
    expect(schema.properties.attendees.minItems).toBe(2);
    expect(schema.properties.title.minLength).toBeUndefined();
    expect(schema.properties.title.description).toBe(
      'Constraints: {"minLength":1,"maxLength":200}',
    );
    expect(projection.relaxed).toContain('/properties/kind: oneOf sent as anyOf');
  });

  it('refuses allOf, not, if and a root anyOf, with reasons', () => {
    expect(projectSchema({ type: 'object', properties: {}, allOf: [] }, 'openai-strict')).toEqual({
      schema: null,
      reasons: ['(root): "allOf" is not supported'],
      relaxed: [],
    });
    const reasons = projectSchema(
      {
        anyOf: [{ type: 'object', properties: { a: { not: { type: 'null' } } } }],
      },
      'openai-strict',
    ).reasons;
    expect(reasons).toContain('the root must be an object schema (type "object")');
    expect(reasons).toContain('the root must not be an anyOf');
    expect(reasons).toContain('/anyOf/0/properties/a: "not" is not supported');
  });

  it('refuses free-form objects and remote refs', () => {
    const reasons = projectSchema(
      {
        type: 'object',
        properties: { meta: { type: 'object' }, other: { $ref: 'https://example.com/s.json' } },
      },
      'openai-strict',
    ).reasons;
    expect(reasons).toEqual([
      '/properties/meta: free-form objects (no properties) are not supported',
      '/properties/other: only local "$ref"s are supported',
    ]);
  });

  it('accepts recursion through $defs', () => {
    const tree = {
      type: 'object',
      properties: { root: { $ref: '#/$defs/node' } },
      required: ['root'],
      $defs: {
        node: {
          type: 'object',
          properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } },
          required: ['children'],
        },
      },
    };
    expect(projectSchema(tree, 'openai-strict').schema).not.toBeNull();
    expect(projectSchema(tree, 'anthropic').reasons).toEqual([
      'recursive schemas ($ref cycles) are not supported',
    ]);
  });
});

describe('projectSchema for anthropic', () => {
  const projection = projectSchema(MINUTES, 'anthropic');
  const schema = projection.schema as Record<string, any>;

  it('keeps optional properties optional', () => {
    expect(schema.required).toEqual(['title']);
    expect(schema.properties.score.type).toBe('integer');
    expect(schema.additionalProperties).toBe(false);
  });

  it('moves numeric bounds and minItems above 1 to the description', () => {
    expect(schema.properties.score.minimum).toBeUndefined();
    expect(schema.properties.score.description).toBe('Constraints: {"minimum":0,"maximum":100}');
    expect(schema.properties.attendees.minItems).toBeUndefined();
    expect(schema.properties.attendees.items.format).toBe('email');
    expect(
      projectSchema(
        { type: 'object', properties: { a: { type: 'array', minItems: 1 } } },
        'anthropic',
      ).schema,
    ).toMatchObject({
      properties: { a: { minItems: 1 } },
    });
  });

  it('moves patterns with lookaround and unknown formats to the description', () => {
    const s = projectSchema(
      {
        type: 'object',
        properties: {
          a: { type: 'string', pattern: '^(?=x)x+$' },
          b: { type: 'string', pattern: '^[a-z]+$', format: 'iri' },
        },
      },
      'anthropic',
    ).schema as Record<string, any>;
    expect(s.properties.a.pattern).toBeUndefined();
    expect(s.properties.b.pattern).toBe('^[a-z]+$');
    expect(s.properties.b.format).toBeUndefined();
  });

  it('refuses object values in an enum', () => {
    expect(
      projectSchema({ type: 'object', properties: { a: { enum: [{ x: 1 }] } } }, 'anthropic')
        .reasons,
    ).toEqual(['/properties/a: enum values must be scalars']);
  });
});
