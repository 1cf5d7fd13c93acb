import { describe, expect, it } from 'vitest';
import { KnowledgeServiceError } from '../errors/knowledge-errors.js';
import { OutputSchemaValidator, schemaDraft } from './schema-validator.js';

describe('OutputSchemaValidator', () => {
  const validator = new OutputSchemaValidator();

  it('validates against 2020-12 by default and lists every violation with its path', () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      required: ['a', 'b'],
      properties: {
        a: { type: 'string' },
        b: { enum: ['x', 'y'] },
        when: { type: 'string', format: 'date' },
      },
    };
    expect(validator.validate(schema, { a: 'ok', b: 'x', when: '2026-01-31' })).toEqual([]);
    expect(validator.validate(schema, { a: 1, b: 'z', when: 'soon', extra: true })).toEqual([
      '(root): must NOT have additional property "extra"',
      '/a: must be string',
      '/b: must be one of ["x","y"]',
      '/when: must match format "date"',
    ]);
  });

  it('honours draft-07 schemas with definitions', () => {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { n: { $ref: '#/definitions/positive' } },
      definitions: { positive: { type: 'number', exclusiveMinimum: 0 } },
    };
    expect(schemaDraft(schema)).toBe('draft-07');
    expect(validator.validate(schema, { n: 0 })).toEqual(['/n: must be > 0']);
  });

  it('compiles two schemas with the same $id', () => {
    const a = { $id: 'https://example.com/s', type: 'object', required: ['a'] };
    const b = { $id: 'https://example.com/s', type: 'object', required: ['b'] };
    expect(validator.validate(a, {})).toEqual(["(root): must have required property 'a'"]);
    expect(validator.validate(b, {})).toEqual(["(root): must have required property 'b'"]);
  });

  it('refuses a schema it cannot compile with a non-retryable error', () => {
    let error: unknown;
    try {
      validator.compile({ type: 'object', properties: { a: { $ref: '#/$defs/none' } } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KnowledgeServiceError);
    expect(error).toMatchObject({ code: 'JULEE_KNOWLEDGE_INVALID_SCHEMA', retryable: false });
  });
});
