import { describe, expect, it } from 'vitest';
import { dropNullOptionals } from './optional-nulls.js';

describe('dropNullOptionals', () => {
  const schema = {
    type: 'object',
    required: ['a'],
    properties: {
      a: { type: ['string', 'null'] },
      b: { type: 'string' },
      c: { type: ['string', 'null'] },
      items: { type: 'array', items: { $ref: '#/$defs/item' } },
    },
    $defs: { item: { type: 'object', properties: { x: { type: 'number' } } } },
  };

  it('removes nulls of optional properties that do not accept null, at any depth', () => {
    expect(
      dropNullOptionals({ a: null, b: null, c: null, items: [{ x: null }, { x: 1 }] }, schema),
    ).toEqual({ a: null, c: null, items: [{}, { x: 1 }] });
  });
});
