import { ENTITY_KEYS, type EntityName, type EntityTypes } from '../domain/entities.js';
import { validateEntity } from '../domain/entity-validation.js';
import { assertSafeId, isSafeId } from '../domain/ids.js';
import type { Clock, EntityRepository, ListOptions, Page } from '../domain/repositories.js';
import { InputError, IntegrityError } from '../errors/julee-error.js';
import type { ObjectStore } from './object-store.js';
import { mapConcurrently, storageCall } from './storage-call.js';

/** Page size when `list` is called without a limit, and the largest limit it accepts. */
export const MAX_LIST_LIMIT = 1000;
/** How many objects `getMany` and `list` read at the same time. */
const READ_CONCURRENCY = 16;
const JSON_CONTENT_TYPE = 'application/json';
const KEY_SUFFIX = '.json';

/** Entity kinds whose records carry `created_at` and `updated_at` set by `save`. */
const TIMESTAMPED: { readonly [K in EntityName]: boolean } = {
  document: true,
  assembly: true,
  assembly_specification: true,
  knowledge_service_config: true,
  knowledge_service_query: true,
  policy: true,
  document_policy_validation: false,
};

/** The object key of an entity's JSON record: `<id>.json` at the root of the entity's store. */
export function entityKey(id: string): string {
  return id + KEY_SUFFIX;
}

/** The id whose record lives at this key, or null for a key that holds no entity record. */
export function idFromEntityKey(key: string): string | null {
  if (!key.endsWith(KEY_SUFFIX)) return null;
  const id = key.slice(0, -KEY_SUFFIX.length);
  return isSafeId(id) ? id : null;
}

type EntityRecord = { readonly [field: string]: unknown };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** An entity repository that keeps one JSON object per entity in an ObjectStore. */
export class ObjectStoreEntityRepository<K extends EntityName> implements EntityRepository<
  EntityTypes[K]
> {
  protected readonly idField: string;

  constructor(
    protected readonly entity: K,
    protected readonly store: ObjectStore,
    protected readonly clock: Clock,
  ) {
    this.idField = ENTITY_KEYS[entity].idField;
  }

  async get(id: string): Promise<EntityTypes[K] | null> {
    assertSafeId(id, `${this.entity} id`);
    return this.read(id);
  }

  async getMany(ids: readonly string[]): Promise<ReadonlyMap<string, EntityTypes[K] | null>> {
    for (const id of ids) assertSafeId(id, `${this.entity} id`);
    const unique = [...new Set(ids)];
    const found = await mapConcurrently(unique, READ_CONCURRENCY, (id) => this.read(id));
    return new Map(unique.map((id, index) => [id, found[index] ?? null]));
  }

  async save(entity: EntityTypes[K]): Promise<EntityTypes[K]> {
    const input = validateEntity(this.entity, entity) as unknown as EntityRecord;
    const id = input[this.idField];
    assertSafeId(id, `${this.entity} id`);
    await this.checkBeforeSave(input as unknown as EntityTypes[K]);

    let record = input;
    if (TIMESTAMPED[this.entity]) {
      const stored = (await this.read(id)) as EntityRecord | null;
      const now = this.clock.now().toISOString();
      record = {
        ...input,
        created_at: stored?.['created_at'] ?? input['created_at'] ?? now,
        updated_at: now,
      };
    }

    const json = JSON.stringify(record);
    const key = entityKey(id);
    const saved = this.validateStored(key, id, JSON.parse(json));
    await storageCall('put', key, () =>
      this.store.put(key, encoder.encode(json), JSON_CONTENT_TYPE),
    );
    return saved;
  }

  async list(options: ListOptions = {}): Promise<Page<EntityTypes[K]>> {
    const offset = options.offset ?? 0;
    const limit = options.limit ?? MAX_LIST_LIMIT;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new InputError(`invalid list offset ${offset}: expected an integer >= 0`);
    }
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new InputError(`invalid list limit ${limit}: expected an integer >= 1`);
    }

    const ids = await this.listIds();
    const pageIds = ids.slice(offset, offset + Math.min(limit, MAX_LIST_LIMIT));
    const found = await mapConcurrently(pageIds, READ_CONCURRENCY, (id) => this.read(id));
    // A null here is an entity deleted between the listing and the read: it is gone, not an error.
    const items = found.filter((item): item is EntityTypes[K] => item !== null);
    return { items, total: ids.length };
  }

  async delete(id: string): Promise<boolean> {
    assertSafeId(id, `${this.entity} id`);
    const key = entityKey(id);
    return storageCall('delete', key, () => this.store.delete(key));
  }

  /** Checks an entity against what else is stored before it is written; throws to refuse it. */
  protected checkBeforeSave(_entity: EntityTypes[K]): Promise<void> {
    return Promise.resolve();
  }

  /** Every stored id, in ascending order. */
  private async listIds(): Promise<string[]> {
    const ids = await storageCall('list', '', async () => {
      const found: string[] = [];
      for await (const key of this.store.list('')) {
        const id = idFromEntityKey(key);
        if (id !== null) found.push(id);
      }
      return found;
    });
    return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private async read(id: string): Promise<EntityTypes[K] | null> {
    const key = entityKey(id);
    const bytes = await storageCall('get', key, () => this.store.get(key));
    if (bytes === null) return null;

    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(bytes));
    } catch (error) {
      throw new IntegrityError(`stored ${this.entity} "${id}" at key "${key}" is not valid JSON`, {
        cause: error,
        details: { entity: this.entity, id, key },
      });
    }
    return this.validateStored(key, id, value);
  }

  private validateStored(key: string, id: string, value: unknown): EntityTypes[K] {
    const details = { entity: this.entity, id, key };
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new IntegrityError(`stored ${this.entity} "${id}" at key "${key}" is not an object`, {
        details,
      });
    }
    if ((value as EntityRecord)[this.idField] !== id) {
      throw new IntegrityError(
        `stored ${this.entity} at key "${key}" does not have ${this.idField} "${id}"`,
        { details },
      );
    }
    try {
      return validateEntity(this.entity, value);
    } catch (error) {
      throw new IntegrityError(`stored ${this.entity} "${id}" at key "${key}" is not valid`, {
        cause: error,
        details,
      });
    }
  }
}
