import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENTITY_KEYS, ENTITY_NAMES, type EntityName } from '../domain/entities.js';
import { describeDocumentContent } from './document-conformance.js';
import {
  expectCode,
  expectRefusedOrAbsent,
  HOSTILE_IDS,
  idOf,
  makeSample,
  newId,
  repositoryOf,
  tick,
  type EntityRecord,
  type RepositoryConformanceFactory,
  type RepositoryConformanceOptions,
  type RepositoryConformanceSubject,
} from './conformance-support.js';
import { hasTimestamps, MARKER_FIELD, sampleEntity } from './sample-entities.js';

/**
 * Registers the repository conformance suite with vitest: every repository plugin, built-in or
 * third-party, passes it. Call it at the top level of a test file. The factory runs before each
 * test and must return fresh, empty repositories for the kinds under test (all seven unless
 * `options.entities` names fewer) and a cleanup; the optional hooks let the suite damage stored
 * data to check that integrity errors are reported.
 *
 * @example
 * runRepositoryConformance('my-plugin', async () => {
 *   const instance = await plugin.create({}, { ...context, entity: 'policy' });
 *   await instance.start?.(new AbortController().signal);
 *   return { repositories: { policy: instance.repository }, cleanup: () => instance.stop?.() };
 * }, { entities: ['policy'] });
 */
export function runRepositoryConformance<S extends RepositoryConformanceSubject>(
  name: string,
  factory: RepositoryConformanceFactory<S>,
  options: RepositoryConformanceOptions<S> = {},
): void {
  const kinds = options.entities ?? ENTITY_NAMES;
  const context: { subject?: S } = {};
  const subject = (): S => {
    if (context.subject === undefined) throw new Error('the conformance factory has not run');
    return context.subject;
  };

  describe(`repository conformance: ${name}`, () => {
    beforeEach(async () => {
      context.subject = await factory();
    });
    afterEach(async () => {
      const current = context.subject;
      context.subject = undefined;
      await current?.cleanup?.();
    });

    for (const kind of kinds) {
      describe(kind, () => describeEntity(kind, subject, options));
    }
    if (kinds.includes('document')) {
      describe('document content', () => describeDocumentContent(subject, options));
    }
  });
}

function describeEntity<S extends RepositoryConformanceSubject>(
  kind: EntityName,
  subject: () => S,
  options: RepositoryConformanceOptions<S>,
): void {
  const repository = () => repositoryOf(subject(), kind);

  const { breakStorage } = options;
  if (breakStorage !== undefined) {
    it('surfaces a failing backend as StorageError, never as empty results or null', async () => {
      const saved = await repository().save(
        await makeSample(subject(), kind, newId(kind, 'broken-backend')),
      );
      const id = (saved as unknown as Record<string, string>)[ENTITY_KEYS[kind].idField]!;
      await breakStorage(subject(), kind);
      await expect(repository().list()).rejects.toMatchObject({ code: 'JULEE_STORAGE_FAILED' });
      await expect(repository().get(id)).rejects.toMatchObject({ code: 'JULEE_STORAGE_FAILED' });
      await expect(repository().getMany([id])).rejects.toMatchObject({
        code: 'JULEE_STORAGE_FAILED',
      });
    });
  }

  it('round-trips an entity through save and get', async () => {
    const input = await makeSample(subject(), kind, newId(kind, 'round-trip'));
    const saved = await repository().save(input);
    const { created_at: _c, updated_at: _u, ...fields } = input;

    expect(saved).toMatchObject(fields);
    expect(await repository().get(idOf(kind, input))).toEqual(saved);
  });

  it('returns null for an id that was never saved', async () => {
    expect(await repository().get(newId(kind, 'missing'))).toBeNull();
  });

  it('lists in ascending id order with offset, limit and total', async () => {
    const suffixes = ['b', '10', 'a', '9', 'B', '001', 'z-1', 'z.1', 'z_1', 'm'];
    const ids = suffixes.map((suffix) => newId(kind, suffix));
    for (const [index, id] of ids.entries()) {
      await repository().save(await makeSample(subject(), kind, id, index % 3));
    }
    const sorted = [...ids].sort();

    const pages = [];
    for (let offset = 0; offset < ids.length; offset += 4) {
      const page = await repository().list({ offset, limit: 4 });
      expect(page.total).toBe(ids.length);
      pages.push(...page.items.map((item) => idOf(kind, item)));
    }
    expect(pages).toEqual(sorted);
    expect((await repository().list()).items.map((item) => idOf(kind, item))).toEqual(sorted);
    expect(await repository().list({ offset: ids.length + 5, limit: 3 })).toEqual({
      items: [],
      total: ids.length,
    });
  });

  it('lists nothing, with a total of 0, when empty', async () => {
    expect(await repository().list({ offset: 0, limit: 10 })).toEqual({ items: [], total: 0 });
  });

  it('returns exactly the requested ids from getMany, null for the missing ones', async () => {
    const first = await repository().save(await makeSample(subject(), kind, newId(kind, 'one')));
    const second = await repository().save(await makeSample(subject(), kind, newId(kind, 'two')));
    const missing = newId(kind, 'none');
    const requested = [newId(kind, 'two'), missing, newId(kind, 'one'), newId(kind, 'two')];

    const found = await repository().getMany(requested);

    expect([...found.keys()].sort()).toEqual([missing, newId(kind, 'one'), newId(kind, 'two')]);
    expect(found.get(newId(kind, 'one'))).toEqual(first);
    expect(found.get(newId(kind, 'two'))).toEqual(second);
    expect(found.get(missing)).toBeNull();
    expect((await repository().getMany([])).size).toBe(0);
  });

  it('keeps every one of many concurrent saves', async () => {
    const ids = Array.from({ length: 40 }, (_, index) => newId(kind, `c${index}`));
    const contended = newId(kind, 'contended');
    const samples = await Promise.all(ids.map((id) => makeSample(subject(), kind, id)));
    const versions = await Promise.all(
      Array.from({ length: 8 }, (_, variant) => makeSample(subject(), kind, contended, variant)),
    );

    await Promise.all([...samples, ...versions].map((entity) => repository().save(entity)));

    const page = await repository().list();
    expect(page.total).toBe(ids.length + 1);
    expect(page.items.map((item) => idOf(kind, item))).toEqual([...ids, contended].sort());
    const winner = await repository().get(contended);
    const markers = versions.map((v) => v[MARKER_FIELD[kind]]);
    expect(markers).toContain(winner?.[MARKER_FIELD[kind]]);
  });

  it('deletes an entity and reports whether it existed', async () => {
    const kept = await repository().save(await makeSample(subject(), kind, newId(kind, 'kept')));
    const gone = await repository().save(await makeSample(subject(), kind, newId(kind, 'gone')));

    expect(await repository().delete(idOf(kind, gone))).toBe(true);
    expect(await repository().get(idOf(kind, gone))).toBeNull();
    expect(await repository().delete(idOf(kind, gone))).toBe(false);
    expect(await repository().delete(newId(kind, 'never'))).toBe(false);
    expect(await repository().list()).toEqual({ items: [kept], total: 1 });
  });

  it('replaces an entity saved again under the same id', async () => {
    const id = newId(kind, 'replaced');
    await repository().save(await makeSample(subject(), kind, id, 1));
    const second = await repository().save(await makeSample(subject(), kind, id, 2));

    expect(await repository().get(id)).toEqual(second);
    expect(second[MARKER_FIELD[kind]]).toBe('marker-2');
    expect((await repository().list()).total).toBe(1);
  });

  it('refuses hostile ids and stores nothing for them', async () => {
    const valid = await makeSample(subject(), kind, newId(kind, 'valid'));
    for (const id of HOSTILE_IDS) {
      const hostile = { ...valid, [ENTITY_KEYS[kind].idField]: id };
      await expectCode(repository().save(hostile), 'JULEE_INPUT_INVALID');
      await expectRefusedOrAbsent(repository().get(id), (value) => value === null);
      await expectRefusedOrAbsent(repository().delete(id), (value) => value === false);
      await expectRefusedOrAbsent(repository().getMany([id]), (value) =>
        [...(value as Map<string, unknown>).values()].every((item) => item === null),
      );
    }
    expect((await repository().list()).total).toBe(0);
  });

  if (hasTimestamps(kind)) {
    it('sets created_at once and updated_at on every save', async () => {
      const id = newId(kind, 'stamped');
      const before = Date.now();
      const first = (await repository().save(await makeSample(subject(), kind, id))) as {
        created_at: string;
        updated_at: string;
      };
      const after = Date.now();
      expect(Date.parse(first.created_at)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(first.created_at)).toBeLessThanOrEqual(after);
      expect(first.updated_at).toBe(first.created_at);

      await tick();
      const second = (await repository().save(await makeSample(subject(), kind, id))) as {
        created_at: string;
        updated_at: string;
      };
      expect(second.created_at).toBe(first.created_at);
      expect(Date.parse(second.updated_at)).toBeGreaterThan(Date.parse(first.updated_at));
      expect(await repository().get(id)).toEqual(second);
    });
  } else {
    it('stores the entity without inventing timestamps', async () => {
      const input = sampleEntity(kind, newId(kind, 'plain'), 0) as unknown as EntityRecord;
      const saved = await repository().save(input);
      expect(saved).toEqual(input);
      expect(saved).not.toHaveProperty('created_at');
    });
  }

  const { overwriteEntity } = options;
  if (overwriteEntity !== undefined) {
    it('reports a stored record that is not valid JSON as an integrity error', async () => {
      const id = newId(kind, 'corrupt');
      await repository().save(await makeSample(subject(), kind, id));
      await overwriteEntity(subject(), kind, id, new TextEncoder().encode('{"broken": '));

      await expectCode(repository().get(id), 'JULEE_STORAGE_INTEGRITY');
      await expectCode(repository().getMany([id]), 'JULEE_STORAGE_INTEGRITY');
      await expectCode(repository().list(), 'JULEE_STORAGE_INTEGRITY');
    });

    it('reports a stored record with another id as an integrity error', async () => {
      const id = newId(kind, 'swapped');
      const other = await repository().save(await makeSample(subject(), kind, newId(kind, 'x')));
      await repository().save(await makeSample(subject(), kind, id));
      await overwriteEntity(subject(), kind, id, new TextEncoder().encode(JSON.stringify(other)));

      await expectCode(repository().get(id), 'JULEE_STORAGE_INTEGRITY');
    });
  }
}
