import { describe, expect, it } from 'vitest';
import { InputError } from '../errors/julee-error.js';
import { ENTITY_NAMES, type AssemblySpecification, type Policy } from './entities.js';
import { entitySchema, updateEntity, validateEntity } from './entity-validation.js';
import { patternMessage } from './entity-violations.js';
import { SAFE_ID_PATTERN } from './ids.js';

const HASH = `1220${'ab'.repeat(32)}`;

const document = {
  document_id: 'doc-1',
  original_filename: 'notes.txt',
  content_type: 'text/plain',
  size_bytes: 12,
  content_multihash: HASH,
};

const policy = {
  policy_id: 'policy-1',
  title: 'Quality',
  description: 'Checks quality',
  validation_scores: [['quality-query', 80]],
};

const meetingSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    meeting_info: { type: 'object', properties: { title: { type: 'string' } } },
    'a/b~c': { type: 'string' },
    agenda_items: { type: 'array', items: [{ type: 'object' }] },
  },
};

const spec = {
  assembly_specification_id: 'spec-1',
  name: 'Meeting minutes',
  applicability: 'Meeting transcripts',
  jsonschema: meetingSchema,
  knowledge_service_queries: { '/properties/meeting_info': 'extract-meeting-info-query' },
};

/** The violations validateEntity reports, as "path message" strings. */
function violationsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const violations = (error as InputError).details?.['violations'] as {
      path: string;
      message: string;
    }[];
    return violations.map((v) => `${v.path} ${v.message}`);
  }
  throw new Error('expected an InputError');
}

describe('validateEntity', () => {
  it('applies the defaults of the schema', () => {
    expect(validateEntity('document', document)).toEqual({
      ...document,
      status: 'captured',
      knowledge_service_id: null,
      assembly_types: [],
      additional_metadata: {},
      created_at: null,
      updated_at: null,
    });
    const stored = validateEntity('policy', policy);
    expect(stored.status).toBe('active');
    expect(stored.version).toBe('0.1.0');
    expect(stored.transformation_queries).toBeNull();
  });

  it('trims string fields, ids and score query ids but not free-form objects', () => {
    const stored = validateEntity('document', {
      ...document,
      document_id: '  doc-1 ',
      original_filename: '\tnotes.txt\n',
      assembly_types: [' minutes '],
      additional_metadata: { note: '  kept as is  ' },
    });
    expect(stored.document_id).toBe('doc-1');
    expect(stored.original_filename).toBe('notes.txt');
    expect(stored.assembly_types).toEqual(['minutes']);
    expect(stored.additional_metadata).toEqual({ note: '  kept as is  ' });

    const scored = validateEntity('policy', { ...policy, validation_scores: [[' q ', 1]] });
    expect(scored.validation_scores).toEqual([['q', 1]]);
  });

  it('rejects blank required strings after trimming', () => {
    expect(violationsOf(() => validateEntity('policy', { ...policy, title: '   ' }))).toEqual([
      '/title must not be empty',
    ]);
  });

  it('stores a blank optional text as null', () => {
    const query = validateEntity('knowledge_service_query', {
      query_id: 'q',
      name: 'n',
      knowledge_service_id: 'ks',
      prompt: 'p',
      assistant_prompt: '  ',
    });
    expect(query.assistant_prompt).toBeNull();
    const validation = validateEntity('document_policy_validation', {
      validation_id: 'v',
      input_document_id: 'd',
      policy_id: 'p',
      error_message: ' ',
    });
    expect(validation.error_message).toBeNull();
  });

  it('returns a deep-frozen copy and leaves the input alone', () => {
    const input = { ...document, additional_metadata: { nested: { list: [1] } } };
    const stored = validateEntity('document', input);
    expect(stored).not.toBe(input);
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored.additional_metadata)).toBe(true);
    expect(
      Object.isFrozen((stored.additional_metadata['nested'] as { list: unknown[] }).list),
    ).toBe(true);
    expect(Object.isFrozen(input)).toBe(false);
    expect('status' in input).toBe(false);
  });

  it('leaves out fields whose value is undefined', () => {
    expect(validateEntity('document', { ...document, status: undefined }).status).toBe('captured');
  });

  it('lists every violation with its path in the message and the details', () => {
    let caught: unknown;
    try {
      validateEntity('document', {
        ...document,
        size_bytes: 0,
        content_multihash: 'sha256-abc',
        status: 'lost',
        colour: 'red',
        original_filename: undefined,
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    const error = caught as InputError;
    expect(error.code).toBe('JULEE_INPUT_INVALID');
    expect(error.message).toMatch(/^Invalid document "doc-1": /);
    for (const part of [
      '/original_filename is required',
      '/colour is not a known field',
      '/size_bytes must be > 0',
      '/content_multihash must be a SHA-256 multihash',
      '/status must be one of "captured"',
    ]) {
      expect(error.message).toContain(part);
    }
    expect(error.details?.['violations']).toHaveLength(5);
  });

  it('rejects values that JSON cannot carry', () => {
    expect(
      violationsOf(() =>
        validateEntity('document', {
          ...document,
          additional_metadata: { when: new Date(0), ratio: Number.NaN, list: [1, undefined] },
        }),
      ),
    ).toEqual([
      '/additional_metadata/when must be JSON data, not Date',
      '/additional_metadata/ratio must be JSON data, not NaN',
      '/additional_metadata/list/1 must not be undefined',
    ]);
  });

  it('rejects a record that is not an object', () => {
    expect(violationsOf(() => validateEntity('policy', ['not', 'a', 'record']))).toEqual([
      ' must be an object',
    ]);
  });

  it('rejects hostile ids and file names', () => {
    expect(
      violationsOf(() => validateEntity('document', { ...document, document_id: '../x' })),
    ).toEqual([
      '/document_id must be an id: letters, digits, ".", "-" or "_", starting with a letter or digit, not ending with a dot, without ".."',
    ]);
    expect(
      violationsOf(() => validateEntity('document', { ...document, original_filename: 'a/b.txt' })),
    ).toEqual([
      '/original_filename must be a file name without path separators or control characters',
    ]);
    expect(
      violationsOf(() =>
        validateEntity('document', { ...document, original_filename: 'a\u0000.txt' }),
      ),
    ).toHaveLength(1);
  });

  it('uses the id pattern of ids.ts in every entity schema', () => {
    for (const entity of ENTITY_NAMES) {
      const defs = entitySchema(entity)['$defs'] as { id: { pattern: string; maxLength: number } };
      expect(defs.id.pattern).toBe(SAFE_ID_PATTERN.source);
      expect(defs.id.maxLength).toBe(200);
    }
  });

  it('has a documented, closed schema with its $id for every entity', () => {
    for (const entity of ENTITY_NAMES) {
      const schema = entitySchema(entity);
      expect(schema['$id']).toBe(
        `https://julee.dev/schemas/${entity.replace(/_/g, '-')}.schema.json`,
      );
      expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema['additionalProperties']).toBe(false);
      const properties = Object.entries(schema['properties'] as Record<string, object>);
      for (const [field, property] of properties) {
        expect(property, `${entity}.${field}`).toHaveProperty('description');
      }
    }
  });

  it('explains every pattern of the entity schemas in words', () => {
    const patterns = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'pattern' && typeof value === 'string') patterns.add(value);
          else collect(value);
        }
      }
    };
    ENTITY_NAMES.forEach((entity) => collect(entitySchema(entity)));
    expect(patterns.size).toBeGreaterThanOrEqual(7);
    for (const pattern of patterns) expect(patternMessage(pattern)).not.toMatch(/^must match/);
  });

  describe('policy', () => {
    it('requires at least one validation score', () => {
      expect(
        violationsOf(() => validateEntity('policy', { ...policy, validation_scores: [] })),
      ).toEqual(['/validation_scores must have at least 1 item(s)']);
    });

    it('requires scores to be integers from 0 to 100 in two-element pairs', () => {
      const scores = [['a', 101], ['b', -1], ['c', 2.5], ['d'], ['e', 1, 2]];
      expect(
        violationsOf(() => validateEntity('policy', { ...policy, validation_scores: scores })),
      ).toEqual([
        '/validation_scores/0/1 must be <= 100',
        '/validation_scores/1/1 must be >= 0',
        '/validation_scores/2/1 must be integer',
        '/validation_scores/3 must have at least 2 item(s)',
        '/validation_scores/4 must have at most 2 item(s)',
      ]);
    });

    it('rejects a query id scored twice', () => {
      const scores = [
        ['a', 10],
        ['b', 20],
        [' a', 30],
      ];
      expect(
        violationsOf(() => validateEntity('policy', { ...policy, validation_scores: scores })),
      ).toEqual([
        '/validation_scores/2/0 repeats query id "a" of item 0; each query may appear once',
      ]);
    });

    it('rejects repeated transformation queries', () => {
      expect(
        violationsOf(() =>
          validateEntity('policy', { ...policy, transformation_queries: ['t', ' t'] }),
        ),
      ).toEqual(['/transformation_queries must not repeat items (items 0 and 1 are equal)']);
    });
  });

  describe('document policy validation', () => {
    it('checks the score pairs after transformation too', () => {
      expect(
        violationsOf(() =>
          validateEntity('document_policy_validation', {
            validation_id: 'v',
            input_document_id: 'd',
            policy_id: 'p',
            validation_scores: [],
            post_transform_validation_scores: [
              ['q', 1],
              ['q', 2],
            ],
          }),
        ),
      ).toEqual([
        '/post_transform_validation_scores/1/0 repeats query id "q" of item 0; each query may appear once',
      ]);
    });

    it('rejects an empty validation id', () => {
      expect(
        violationsOf(() =>
          validateEntity('document_policy_validation', {
            validation_id: ' ',
            input_document_id: 'd',
            policy_id: 'p',
          }),
        ),
      ).toEqual(['/validation_id must not be empty']);
    });
  });

  describe('assembly specification', () => {
    it('accepts a draft-07 schema with pointers into it, escapes included', () => {
      const stored = validateEntity('assembly_specification', {
        ...spec,
        knowledge_service_queries: {
          '': 'whole-query',
          '/properties/meeting_info/properties/title': 'title-query',
          '/properties/a~1b~0c': 'escaped-query',
          '/properties/agenda_items/items/0': 'array-query',
        },
      });
      expect(stored.status).toBe('active');
      expect(Object.keys(stored.knowledge_service_queries)).toHaveLength(4);
    });

    it('accepts a 2020-12 schema and one without $schema', () => {
      const schema = {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        $defs: { Item: { type: 'string' } },
        properties: { items: { type: 'array', prefixItems: [{ $ref: '#/$defs/Item' }] } },
      };
      expect(() =>
        validateEntity('assembly_specification', {
          ...spec,
          jsonschema: schema,
          knowledge_service_queries: {},
        }),
      ).not.toThrow();
      const { $schema: _ignored, ...bare } = schema;
      expect(() =>
        validateEntity('assembly_specification', {
          ...spec,
          jsonschema: bare,
          knowledge_service_queries: {},
        }),
      ).not.toThrow();
    });

    it('rejects a schema without a root type', () => {
      const jsonschema = { properties: { a: { type: 'string' } } };
      expect(
        violationsOf(() =>
          validateEntity('assembly_specification', {
            ...spec,
            jsonschema,
            knowledge_service_queries: {},
          }),
        ),
      ).toEqual(['/jsonschema must have a root "type" (e.g. "type": "object")']);
    });

    it('rejects a schema that breaks the meta-schema of its draft', () => {
      const jsonschema = { type: 'object', properties: { a: { type: 'text' } }, required: 'a' };
      const found = violationsOf(() =>
        validateEntity('assembly_specification', {
          ...spec,
          jsonschema,
          knowledge_service_queries: {},
        }),
      );
      expect(found).toContain('/jsonschema/required must be array');
      expect(found.some((v) => v.startsWith('/jsonschema/properties/a/type '))).toBe(true);
    });

    it('checks a draft-07 schema against draft-07, not 2020-12', () => {
      // In draft-07 "items" may be a list of schemas; in 2020-12 it must be one schema.
      const listItems = { type: 'array', items: [{ type: 'string' }] };
      expect(() =>
        validateEntity('assembly_specification', {
          ...spec,
          jsonschema: { $schema: 'http://json-schema.org/draft-07/schema', ...listItems },
          knowledge_service_queries: {},
        }),
      ).not.toThrow();
      expect(
        violationsOf(() =>
          validateEntity('assembly_specification', {
            ...spec,
            jsonschema: listItems,
            knowledge_service_queries: {},
          }),
        ),
      ).toContain('/jsonschema/items must be object,boolean');
    });

    it('rejects an unsupported draft and a schema with a dangling $ref', () => {
      expect(
        violationsOf(() =>
          validateEntity('assembly_specification', {
            ...spec,
            jsonschema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' },
            knowledge_service_queries: {},
          }),
        )[0],
      ).toMatch(/^\/jsonschema\/\$schema names an unsupported JSON Schema draft/);
      expect(
        violationsOf(() =>
          validateEntity('assembly_specification', {
            ...spec,
            jsonschema: { type: 'object', properties: { a: { $ref: '#/$defs/Missing' } } },
            knowledge_service_queries: {},
          }),
        )[0],
      ).toMatch(/^\/jsonschema cannot be compiled: can't resolve reference #\/\$defs\/Missing/);
    });

    it('accepts a bare $ref verbatim and checks only pointer syntax for it', () => {
      const stored = validateEntity('assembly_specification', {
        ...spec,
        jsonschema: { $ref: 'https://schemas.example/dpp.json#/$defs/Passport' },
        knowledge_service_queries: { '/properties/anything': 'q' },
      });
      expect(stored.jsonschema).toEqual({
        $ref: 'https://schemas.example/dpp.json#/$defs/Passport',
      });
      expect(
        violationsOf(() =>
          validateEntity('assembly_specification', {
            ...spec,
            jsonschema: { $ref: 'not a url' },
            knowledge_service_queries: { properties: 'q' },
          }),
        ),
      ).toEqual([
        '/jsonschema/$ref must be an absolute URL, e.g. https://…#/$defs/X',
        '/knowledge_service_queries/properties key is not a JSON Pointer into the schema: a JSON Pointer is "" or starts with "/"',
      ]);
    });

    it('rejects pointers that do not resolve in an inline schema, "/" included', () => {
      expect(
        violationsOf(() =>
          validateEntity('assembly_specification', {
            ...spec,
            knowledge_service_queries: {
              '/': 'q1',
              '/properties/missing': 'q2',
              '/properties/a/b~0c': 'q3',
              '/properties/agenda_items/items/1': 'q4',
              '/properties/~2': 'q5',
              '/type': 'q6',
            },
          }),
        ),
      ).toEqual([
        '/knowledge_service_queries/~1 key "/" does not exist in the schema ("/" names a member called ""; the root is "")',
        '/knowledge_service_queries/~1properties~1missing key "/properties/missing" does not exist in the schema',
        '/knowledge_service_queries/~1properties~1a~1b~00c key "/properties/a/b~0c" does not exist in the schema',
        '/knowledge_service_queries/~1properties~1agenda_items~1items~11 key "/properties/agenda_items/items/1" does not exist in the schema',
        '/knowledge_service_queries/~1properties~1~02 key is not a JSON Pointer into the schema: "~" must be followed by "0" or "1" ("~0" is "~", "~1" is "/")',
        '/knowledge_service_queries/~1type key "/type" must point to a schema or a "properties" object, not a string',
      ]);
    });

    it('rejects an empty query id', () => {
      expect(
        violationsOf(() =>
          validateEntity('assembly_specification', {
            ...spec,
            knowledge_service_queries: { '/properties/meeting_info': ' ' },
          }),
        ),
      ).toEqual(['/knowledge_service_queries/~1properties~1meeting_info must not be empty']);
    });
  });
});

describe('updateEntity', () => {
  it('merges the changes and validates the result again', () => {
    const current = validateEntity('policy', policy);
    const updated: Policy = updateEntity('policy', current, { title: ' Better ', status: 'draft' });
    expect(updated.title).toBe('Better');
    expect(updated.status).toBe('draft');
    expect(updated.validation_scores).toEqual(current.validation_scores);
    expect(Object.isFrozen(updated)).toBe(true);
    expect(current.title).toBe('Quality');
  });

  it('rejects changes that make the entity invalid', () => {
    const current = validateEntity('policy', policy);
    expect(violationsOf(() => updateEntity('policy', current, { validation_scores: [] }))).toEqual([
      '/validation_scores must have at least 1 item(s)',
    ]);
    const currentSpec: AssemblySpecification = validateEntity('assembly_specification', spec);
    expect(
      violationsOf(() =>
        updateEntity('assembly_specification', currentSpec, {
          jsonschema: { type: 'object', properties: {} },
        }),
      ),
    ).toEqual([
      '/knowledge_service_queries/~1properties~1meeting_info key "/properties/meeting_info" does not exist in the schema',
    ]);
  });

  it('sets a field to null on null and keeps it on undefined', () => {
    const current = validateEntity('policy', { ...policy, transformation_queries: ['t'] });
    expect(
      updateEntity('policy', current, { transformation_queries: undefined }).transformation_queries,
    ).toEqual(['t']);
    expect(
      updateEntity('policy', current, { transformation_queries: null }).transformation_queries,
    ).toBeNull();
  });

  it('refuses to change the id', () => {
    const current = validateEntity('policy', policy);
    expect(violationsOf(() => updateEntity('policy', current, { policy_id: 'policy-2' }))).toEqual([
      '/policy_id cannot be changed (from "policy-1")',
    ]);
    expect(updateEntity('policy', current, { policy_id: ' policy-1 ' }).policy_id).toBe('policy-1');
  });
});
