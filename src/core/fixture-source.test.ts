import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, NotFoundError } from '../errors/julee-error.js';
import { multihashOf } from '../domain/content-hash.js';
import {
  createFakeRepositories,
  FakeClock,
  SequentialIdGenerator,
  type FakeRepositories,
} from '../domain/testing-fakes.js';
import {
  FixtureLoadError,
  InitializeSystemDataUseCase,
} from '../domain/use-cases/initialize-system-data.js';
import { defaultFixturesDirectory, DirectoryFixtureSource } from './fixture-source.js';

let repositories: FakeRepositories;
let clock: FakeClock;

function initializer(directory: string) {
  return new InitializeSystemDataUseCase(
    { repositories, clock, ids: new SequentialIdGenerator() },
    new DirectoryFixtureSource(directory),
  );
}

beforeEach(() => {
  clock = new FakeClock();
  repositories = createFakeRepositories(clock);
});

describe('the demo fixtures', () => {
  it('all load without a problem', async () => {
    const result = await initializer(defaultFixturesDirectory()).execute();
    expect(result.problems).toEqual([]);
    expect(result.missing).toEqual([]);
    const ids = (entity: string) =>
      result.created.filter((e) => e.entity === entity).map((e) => e.id);
    expect(ids('knowledge_service_config')).toEqual([
      'anthropic-4.5-as-a-knowledge-service',
      'anthropic-claude-haiku',
    ]);
    expect(ids('knowledge_service_query')).toEqual(
      expect.arrayContaining([
        'generate-dpp',
        'extract-meeting-info-query',
        'extract-agenda-items-query',
        'extract-action-items-query',
      ]),
    );
    expect(ids('document')).toEqual([
      'product-spec-sheet',
      'meeting-transcript-q1-planning',
      'customer-feedback-survey-q4',
      'project-requirements-doc',
    ]);
    expect(ids('assembly_specification')).toEqual([
      'meeting-minutes-assembly',
      'dpp-0.6.0-assembly',
    ]);
    expect(ids('policy')).toEqual(['meeting-minutes-quality-policy']);
  });

  it('load idempotently', async () => {
    await initializer(defaultFixturesDirectory()).execute();
    const again = await initializer(defaultFixturesDirectory()).execute();
    expect(again.created).toEqual([]);
    expect(again.existing).toHaveLength(16);
  });

  it('store documents with the size and hash of their files', async () => {
    await initializer(defaultFixturesDirectory()).execute();
    for (const [id, file] of [
      ['product-spec-sheet', 'product-spec-sheet-v17.pdf'],
      ['meeting-transcript-q1-planning', 'q1_planning_meeting.txt'],
    ] as const) {
      const bytes = await readFile(join(defaultFixturesDirectory(), file));
      const document = await repositories.document.get(id);
      expect(document?.size_bytes).toBe(bytes.length);
      expect(document?.content_multihash).toBe(multihashOf(bytes));
    }
    const requirements = await repositories.document.get('project-requirements-doc');
    expect(requirements).toMatchObject({
      status: 'registered',
      content_type: 'text/markdown; charset=utf-8',
      knowledge_service_id: 'anthropic-4.5-as-a-knowledge-service',
      assembly_types: ['technical_specification'],
    });
  });

  it('describe the specifications of spec section 4.3', async () => {
    await initializer(defaultFixturesDirectory()).execute();
    const minutes = await repositories.assembly_specification.get('meeting-minutes-assembly');
    expect(minutes?.jsonschema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    expect(minutes?.knowledge_service_queries).toEqual({
      '/properties/meeting_info': 'extract-meeting-info-query',
      '/properties/agenda_items': 'extract-agenda-items-query',
      '/properties/action_items': 'extract-action-items-query',
    });
    const dpp = await repositories.assembly_specification.get('dpp-0.6.0-assembly');
    expect(dpp?.jsonschema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(dpp?.jsonschema['$defs'] as object)).toEqual(
      expect.arrayContaining(['CredentialIssuer', 'ProductPassport']),
    );
    expect(dpp?.knowledge_service_queries).toEqual({ '/properties': 'generate-dpp' });
    const queries = await repositories.knowledge_service_query.list();
    const extraction = queries.items.filter((q) => q.query_id.startsWith('extract-'));
    expect(extraction.every((q) => q.assistant_prompt === '{')).toBe(true);
  });

  it('ship a well-formed one-page PDF', async () => {
    const pdf = await readFile(join(defaultFixturesDirectory(), 'product-spec-sheet-v17.pdf'));
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-1.')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
    const table = /xref\s+0 (\d+)\s+([\s\S]*?)trailer/.exec(text.slice(startxref))!;
    const offsets = table[2]!.trim().split(/\s*\n/).slice(1);
    expect(offsets).toHaveLength(Number(table[1]) - 1);
    offsets.forEach((entry, index) => {
      const offset = Number(entry.slice(0, 10));
      expect(text.slice(offset, offset + 10)).toMatch(new RegExp(`^${index + 1} 0 obj`));
    });
    expect(text).toContain('/Count 1');
    expect(text).toContain('(ThermaCore SP100 Insulated Wall Panel) Tj');
  });
});

describe('DirectoryFixtureSource', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'julee-fixtures-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function parseError(name: string, text: string): Promise<InputError> {
    await writeFile(join(directory, name), text);
    try {
      await new DirectoryFixtureSource(directory).readData(name);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return error as InputError;
    }
    throw new Error('expected a parse error');
  }

  it('parses YAML and JSON files and returns undefined for a missing one', async () => {
    await writeFile(join(directory, 'a.yaml'), 'list:\n  - [x, 1]\n');
    await writeFile(join(directory, 'b.json'), '{"list": [["x", 1]]}');
    const source = new DirectoryFixtureSource(directory);
    expect(await source.readData('a.yaml')).toEqual({ list: [['x', 1]] });
    expect(await source.readData('b.json')).toEqual({ list: [['x', 1]] });
    expect(await source.readData('none.yaml')).toBeUndefined();
  });

  it('reports syntax errors and duplicate keys with line and column', async () => {
    const duplicate = await parseError('dup.yaml', 'a: 1\nb: 2\na: 3\n');
    expect(duplicate.message).toMatch(/dup\.yaml: 3:1 Map keys must be unique/);
    const json = await parseError('bad.json', '{\n  "a": [1, 2\n}\n');
    expect(json.message).toMatch(/bad\.json: \d+:\d+ /);
  });

  it('refuses names that leave the directory', async () => {
    const source = new DirectoryFixtureSource(directory);
    await expect(source.readData('../etc/passwd')).rejects.toThrow(InputError);
    await expect(source.openBytes('/etc/passwd')).rejects.toThrow(InputError);
  });

  it('streams content files and reports a missing one as not found', async () => {
    await writeFile(join(directory, 'c.txt'), 'content');
    const source = new DirectoryFixtureSource(directory);
    const chunks: Uint8Array[] = [];
    for await (const chunk of await source.openBytes('c.txt')) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('content');
    await expect(source.openBytes('absent.txt')).rejects.toThrow(NotFoundError);
  });

  it('names the file and the entry of a broken fixture', async () => {
    await writeFile(
      join(directory, 'knowledge_service_configs.yaml'),
      'knowledge_services:\n' +
        '  - knowledge_service_id: ks-ok\n    name: OK\n    description: fine\n    service_api: scripted\n' +
        '  - knowledge_service_id: ks-bad\n    name: Bad\n    description: broken\n    service_api: scripted\n' +
        '    metadata: { model: claude }\n',
    );
    let caught: unknown;
    try {
      await initializer(directory).execute();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FixtureLoadError);
    expect((caught as FixtureLoadError).message).toContain(
      'knowledge_service_configs.yaml entry 1 (id "ks-bad"): Invalid knowledge service config ' +
        '"ks-bad": /metadata is not a known field',
    );
    expect(await repositories.knowledge_service_config.get('ks-ok')).not.toBeNull();
  });
});
