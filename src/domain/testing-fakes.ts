import { IntegrityError, NotFoundError } from '../errors/julee-error.js';
import { ContentHasher } from './content-hash.js';
import type { Document, EntityName, EntityTypes } from './entities.js';
import { ENTITY_KEYS } from './entities.js';
import { entitySchema, validateEntity } from './entity-validation.js';
import type {
  ByteSource,
  Clock,
  DocumentRepository,
  EntityRepository,
  IdGenerator,
  ListOptions,
  Page,
  Repositories,
  StoredContent,
} from './repositories.js';

/**
 * Small in-memory stand-ins for the domain's ports, for the domain's own unit tests. They follow
 * the repository contract closely enough for use-case tests; the real memory repository plugin
 * (plugins/) is what the conformance kit checks.
 */

/** A clock that stands still until told to move. */
export class FakeClock implements Clock {
  private current: Date;

  constructor(start = '2026-01-01T00:00:00.000Z') {
    this.current = new Date(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
  }
}

/** Ids `<prefix>1`, `<prefix>2`, ... in order of the calls. */
export class SequentialIdGenerator implements IdGenerator {
  private next = 0;

  newId(entity: EntityName): string {
    this.next += 1;
    return `${ENTITY_KEYS[entity].prefix}${this.next}`;
  }
}

type Rec = Record<string, unknown>;

export class FakeEntityRepository<K extends EntityName> implements EntityRepository<
  EntityTypes[K]
> {
  readonly records = new Map<string, EntityTypes[K]>();
  /** Number of calls to save, for tests that check nothing was written. */
  saves = 0;

  constructor(
    readonly entity: K,
    private readonly clock: Clock,
  ) {}

  get(id: string): Promise<EntityTypes[K] | null> {
    return Promise.resolve(this.records.get(id) ?? null);
  }

  async getMany(ids: readonly string[]): Promise<ReadonlyMap<string, EntityTypes[K] | null>> {
    return new Map(await Promise.all(ids.map(async (id) => [id, await this.get(id)] as const)));
  }

  save(entity: EntityTypes[K]): Promise<EntityTypes[K]> {
    this.saves += 1;
    const record = { ...(entity as unknown as Rec) };
    const id = record[ENTITY_KEYS[this.entity].idField] as string;
    const properties = entitySchema(this.entity)['properties'] as Rec;
    if ('updated_at' in properties) {
      const stored = this.records.get(id) as unknown as Rec | undefined;
      const now = this.clock.now().toISOString();
      record['created_at'] = record['created_at'] ?? stored?.['created_at'] ?? now;
      record['updated_at'] = now;
    }
    const saved = validateEntity(this.entity, record);
    this.records.set(id, saved);
    return Promise.resolve(saved);
  }

  list(options: ListOptions = {}): Promise<Page<EntityTypes[K]>> {
    const offset = options.offset ?? 0;
    const limit = options.limit ?? 1000;
    const ids = [...this.records.keys()].sort();
    const items = ids.slice(offset, offset + limit).map((id) => this.records.get(id)!);
    return Promise.resolve({ items, total: ids.length });
  }

  delete(id: string): Promise<boolean> {
    return Promise.resolve(this.records.delete(id));
  }
}

export class FakeDocumentRepository
  extends FakeEntityRepository<'document'>
  implements DocumentRepository
{
  readonly contents = new Map<string, Uint8Array>();

  constructor(clock: Clock) {
    super('document', clock);
  }

  override save(document: Document): Promise<Document> {
    if (!this.contents.has(document.content_multihash)) {
      return Promise.reject(
        new IntegrityError(`Content of document ${document.document_id} is not stored`),
      );
    }
    return super.save(document);
  }

  async putContent(source: ByteSource): Promise<StoredContent> {
    const hasher = new ContentHasher();
    const chunks: Uint8Array[] = [];
    for await (const chunk of source) {
      hasher.update(chunk);
      chunks.push(chunk);
    }
    const content_multihash = hasher.digest();
    if (!this.contents.has(content_multihash)) {
      this.contents.set(content_multihash, concat(chunks, hasher.size));
    }
    return { content_multihash, size_bytes: hasher.size };
  }

  async openContent(documentId: string): Promise<ByteSource> {
    const document = await this.get(documentId);
    if (document === null) throw new NotFoundError(`Document not found: ${documentId}`);
    const bytes = this.contents.get(document.content_multihash);
    if (bytes === undefined) {
      throw new IntegrityError(`Content of document ${documentId} is missing`);
    }
    return (async function* () {
      await Promise.resolve();
      yield bytes;
    })();
  }

  hasContent(contentMultihash: string): Promise<boolean> {
    return Promise.resolve(this.contents.has(contentMultihash));
  }
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

export type FakeRepositories = {
  readonly [K in Exclude<EntityName, 'document'>]: FakeEntityRepository<K>;
} & { readonly document: FakeDocumentRepository };

/** One fake repository per entity kind, sharing a clock. */
export function createFakeRepositories(clock: Clock = new FakeClock()): FakeRepositories {
  const repositories: FakeRepositories = {
    document: new FakeDocumentRepository(clock),
    assembly: new FakeEntityRepository('assembly', clock),
    assembly_specification: new FakeEntityRepository('assembly_specification', clock),
    knowledge_service_config: new FakeEntityRepository('knowledge_service_config', clock),
    knowledge_service_query: new FakeEntityRepository('knowledge_service_query', clock),
    policy: new FakeEntityRepository('policy', clock),
    document_policy_validation: new FakeEntityRepository('document_policy_validation', clock),
  };
  return repositories satisfies Repositories;
}

/** A byte source that yields the given chunks (strings as UTF-8). */
export function bytesOf(...chunks: (string | Uint8Array)[]): ByteSource {
  return (async function* () {
    for (const chunk of chunks) {
      await Promise.resolve();
      yield typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    }
  })();
}
