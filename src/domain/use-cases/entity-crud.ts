import { ConflictError, InputError, NotFoundError } from '../../errors/julee-error.js';
import { ENTITY_KEYS, type EntityName, type EntityTypes } from '../entities.js';
import { ENTITY_LABELS, entitySchema, updateEntity, validateEntity } from '../entity-validation.js';
import { assertSafeId } from '../ids.js';
import type { EntityRepository } from '../repositories.js';
import { missingReferences } from './entity-references.js';
import { repositoryFor, type UseCaseDeps } from './use-case-deps.js';

/**
 * Create, read, update, delete and list, once for every entity kind: each use case is built with
 * the kind it works on, e.g. `new GetEntityUseCase(deps, 'policy')`. Every change is validated
 * again as a whole. `created_at` and `updated_at` belong to the server: what a caller sends for
 * them is ignored.
 */

/** Fields of a record as a caller sends them (snake_case, unvalidated). */
export type EntityFields = { readonly [field: string]: unknown };

/** Pages are numbered from 1 and hold 1 to 100 items, 50 unless asked. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

const SERVER_TIMESTAMPS = ['created_at', 'updated_at'] as const;

/** Document fields that only capture computes and nothing may change afterwards. */
const CONTENT_FIELDS = ['content_multihash', 'size_bytes'] as const;

function hasTimestamps(entity: EntityName): boolean {
  const properties = entitySchema(entity)['properties'] as Record<string, unknown>;
  return 'updated_at' in properties;
}

function withoutServerTimestamps(fields: EntityFields): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...fields };
  for (const field of SERVER_TIMESTAMPS) delete copy[field];
  return copy;
}

function capitalised(entity: EntityName): string {
  const label = ENTITY_LABELS[entity];
  return label.charAt(0).toUpperCase() + label.slice(1);
}

abstract class EntityUseCase<K extends EntityName> {
  protected readonly repository: EntityRepository<EntityTypes[K]>;

  constructor(
    protected readonly deps: UseCaseDeps,
    protected readonly entity: K,
  ) {
    this.repository = repositoryFor(deps.repositories, entity);
  }

  protected checkId(id: unknown): string {
    assertSafeId(id, `${ENTITY_LABELS[this.entity]} id`);
    return id;
  }

  protected async load(id: string): Promise<EntityTypes[K]> {
    const found = await this.repository.get(id);
    if (found === null) {
      throw new NotFoundError(`${capitalised(this.entity)} not found: ${id}`, {
        details: { entity: this.entity, id },
      });
    }
    return found;
  }

  protected now(): string {
    return this.deps.clock.now().toISOString();
  }

  /** Refuses a record that refers to entities that do not exist (a query id, a document id). */
  protected async checkReferences(record: EntityTypes[K]): Promise<void> {
    const violations = await missingReferences(
      this.deps.repositories,
      this.entity,
      record as unknown as Record<string, unknown>,
    );
    if (violations.length > 0) {
      const id = (record as unknown as Record<string, unknown>)[ENTITY_KEYS[this.entity].idField];
      throw new InputError(
        `Invalid ${ENTITY_LABELS[this.entity]} ${JSON.stringify(id)}: ` +
          violations.map((v) => `${v.path} ${v.message}`).join('; '),
        { details: { entity: this.entity, violations } },
      );
    }
  }
}

export interface CreateEntityRequest {
  /** The new record's fields. Its id is generated unless given; a given id must be unused. */
  readonly data: EntityFields;
}

export class CreateEntityUseCase<K extends EntityName> extends EntityUseCase<K> {
  async execute(request: CreateEntityRequest): Promise<{ readonly entity: EntityTypes[K] }> {
    if (this.entity === 'document') {
      throw new InputError(
        'Documents are created by capturing their content (CaptureDocumentUseCase), which ' +
          'computes their size and hash',
        { details: { entity: this.entity } },
      );
    }
    const idField = ENTITY_KEYS[this.entity].idField;
    const given = request.data[idField];
    const id =
      given === undefined || given === null
        ? this.deps.ids.newId(this.entity)
        : this.checkId(typeof given === 'string' ? given.trim() : given);
    const record: Record<string, unknown> = {
      ...withoutServerTimestamps(request.data),
      [idField]: id,
    };
    if (hasTimestamps(this.entity)) {
      record['created_at'] = this.now();
      record['updated_at'] = record['created_at'];
    }
    const entity = validateEntity(this.entity, record);
    await this.checkReferences(entity);

    if (given !== undefined && given !== null && (await this.repository.get(id)) !== null) {
      throw new ConflictError(`${capitalised(this.entity)} already exists: ${id}`, {
        details: { entity: this.entity, id },
      });
    }
    return { entity: await this.repository.save(entity) };
  }
}

export class GetEntityUseCase<K extends EntityName> extends EntityUseCase<K> {
  async execute(request: { readonly id: string }): Promise<{ readonly entity: EntityTypes[K] }> {
    return { entity: await this.load(this.checkId(request.id)) };
  }
}

export interface UpdateEntityRequest {
  readonly id: string;
  /** Fields to change; a null sets a field to null, fields left out keep their value. */
  readonly changes: EntityFields;
}

export class UpdateEntityUseCase<K extends EntityName> extends EntityUseCase<K> {
  async execute(request: UpdateEntityRequest): Promise<{ readonly entity: EntityTypes[K] }> {
    const current = await this.load(this.checkId(request.id));
    const changes = withoutServerTimestamps(request.changes);
    if (this.entity === 'document') this.refuseContentChanges(current, changes);
    if (hasTimestamps(this.entity)) changes['updated_at'] = this.now();

    const updated = updateEntity(this.entity, current, changes);
    await this.checkReferences(updated);
    return { entity: await this.repository.save(updated) };
  }

  private refuseContentChanges(current: EntityTypes[K], changes: Record<string, unknown>) {
    const stored = current as unknown as Record<string, unknown>;
    const changed = CONTENT_FIELDS.filter(
      (field) => changes[field] !== undefined && changes[field] !== stored[field],
    );
    if (changed.length > 0) {
      throw new InputError(
        `Invalid document ${JSON.stringify(stored['document_id'])}: ` +
          changed
            .map((field) => `/${field} is computed from the content and cannot be changed`)
            .join('; '),
        {
          details: {
            entity: this.entity,
            violations: changed.map((field) => ({
              path: `/${field}`,
              message: 'is computed from the content and cannot be changed',
            })),
          },
        },
      );
    }
  }
}

export class DeleteEntityUseCase<K extends EntityName> extends EntityUseCase<K> {
  /** Deletes the entity; NotFoundError when there is none with this id. */
  async execute(request: { readonly id: string }): Promise<{ readonly id: string }> {
    const id = this.checkId(request.id);
    if (!(await this.repository.delete(id))) {
      throw new NotFoundError(`${capitalised(this.entity)} not found: ${id}`, {
        details: { entity: this.entity, id },
      });
    }
    return { id };
  }
}

export interface ListEntitiesRequest {
  /** Page number, from 1 (default 1). */
  readonly page?: number;
  /** Items per page, 1 to 100 (default 50). */
  readonly size?: number;
}

export interface EntityListPage<T> {
  readonly items: readonly T[];
  readonly total: number;
  readonly page: number;
  readonly size: number;
  /** Number of pages, 0 when there are no items. */
  readonly pages: number;
}

export class ListEntitiesUseCase<K extends EntityName> extends EntityUseCase<K> {
  async execute(request: ListEntitiesRequest = {}): Promise<EntityListPage<EntityTypes[K]>> {
    const page = request.page ?? 1;
    const size = request.size ?? DEFAULT_PAGE_SIZE;
    const violations = [
      ...(Number.isInteger(page) && page >= 1
        ? []
        : [{ path: '/page', message: 'must be an integer >= 1' }]),
      ...(Number.isInteger(size) && size >= 1 && size <= MAX_PAGE_SIZE
        ? []
        : [{ path: '/size', message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` }]),
    ];
    if (violations.length > 0) {
      throw new InputError(
        `Invalid page request: ${violations.map((v) => `${v.path} ${v.message}`).join('; ')}`,
        { details: { violations } },
      );
    }

    const { items, total } = await this.repository.list({ offset: (page - 1) * size, limit: size });
    return { items, total, page, size, pages: Math.ceil(total / size) };
  }
}
