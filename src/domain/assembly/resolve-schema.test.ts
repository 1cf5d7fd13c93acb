import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../entities.js';
import { StaticRemoteSchemaRepository } from '../remote-schema.js';
import { jsonMultihash } from './canonical-json.js';
import { resolveAssemblySchema } from './resolve-schema.js';

const URL_ = 'https://schemas.example.org/doc.json';

const documentSchema: JsonObject = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { whole: { type: 'string' } },
  definitions: { Name: { type: 'string' } },
  $defs: {
    Shared: { type: 'integer' },
    'Odd Name': {
      type: 'object',
      properties: { name: { $ref: '#/definitions/Name' }, count: { $ref: '#/$defs/Shared' } },
      $defs: { Shared: { type: 'number' } },
    },
  },
};

const remote = () => new StaticRemoteSchemaRepository({ [URL_]: documentSchema });

describe('resolveAssemblySchema', () => {
  it('uses an inline schema as it is', async () => {
    const inline = { type: 'object' };
    await expect(resolveAssemblySchema(inline, undefined)).resolves.toEqual({
      schema: inline,
      source: { kind: 'inline' },
    });
  });

  it('bundles the parent definitions into the fragment, its own entries winning', async () => {
    const { schema, source } = await resolveAssemblySchema(
      { $ref: `${URL_}#/$defs/Odd%20Name` },
      remote(),
    );
    expect(schema['$defs']).toEqual({
      Shared: { type: 'number' },
      'Odd Name': (documentSchema['$defs'] as JsonObject)['Odd Name'],
    });
    expect(schema['definitions']).toEqual({ Name: { type: 'string' } });
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    expect(source).toEqual({
      kind: 'remote',
      url: URL_,
      fragment: '/$defs/Odd Name',
      document_hash: jsonMultihash(documentSchema),
    });
  });

  it('uses the whole fetched document when the reference has no fragment', async () => {
    const { schema } = await resolveAssemblySchema({ $ref: URL_ }, remote());
    expect(schema).toEqual(documentSchema);
  });

  it.each([
    [`${URL_}#Name`, 'its fragment must be a JSON Pointer'],
    [`${URL_}#/$defs/Nope`, 'its fragment names nothing in the fetched document'],
    [`${URL_}#/$defs/Shared/type`, 'its fragment does not name a schema object'],
    [`${URL_}#/properties`, 'the schema it names is not usable'],
  ])('refuses %s', async (ref, reason) => {
    await expect(resolveAssemblySchema({ $ref: ref }, remote())).rejects.toMatchObject({
      code: 'JULEE_ASSEMBLY_SPECIFICATION_INVALID',
      message: expect.stringContaining(reason) as unknown,
    });
  });

  it('refuses a reference when no remote schema repository is configured', async () => {
    await expect(resolveAssemblySchema({ $ref: URL_ }, undefined)).rejects.toMatchObject({
      code: 'JULEE_ASSEMBLY_SPECIFICATION_INVALID',
      message: expect.stringContaining('no remote schema repository is configured') as unknown,
    });
  });
});
