import { expect } from 'vitest';
import { ENTITY_KEYS, type EntityName } from '../domain/entities.js';
import type {
  DocumentRepository,
  EntityRepository,
  Repositories,
  StoredContent,
} from '../domain/repositories.js';
import { sampleEntity } from './sample-entities.js';

/** What a conformance factory returns: fresh, empty repositories and how to dispose of them. */
export interface RepositoryConformanceSubject {
  /** The repositories under test; every kind named in the options must be present. */
  readonly repositories: Partial<Repositories>;
  /** Releases what the factory made (stop instances, remove directories, empty buckets). */
  cleanup?(): Promise<void>;
}

/**
 * Ways to reach beneath the repositories, so that the suite can damage stored data on purpose.
 * The tests that need a hook run only when the hook is given.
 */
export interface RepositoryConformanceHooks<S extends RepositoryConformanceSubject> {
  /** Replaces the stored record of an entity with these bytes (corrupt JSON, a wrong id). */
  readonly overwriteEntity?: (
    subject: S,
    entity: EntityName,
    id: string,
    bytes: Uint8Array,
  ) => Promise<void>;
  /** Removes the stored content with this multihash, leaving document metadata in place. */
  readonly removeContent?: (subject: S, contentMultihash: string) => Promise<void>;
  /** How many distinct contents are stored (uploads in progress do not count). */
  readonly countContents?: (subject: S) => Promise<number>;
  /**
   * Makes the backend of one entity kind fail (remove its folder, delete its bucket, revoke its
   * credentials), so the suite can check that failures surface as errors, never as empty results.
   */
  readonly breakStorage?: (subject: S, entity: EntityName) => Promise<void>;
}

export interface RepositoryConformanceOptions<
  S extends RepositoryConformanceSubject,
> extends RepositoryConformanceHooks<S> {
  /** The entity kinds to test; all seven by default. */
  readonly entities?: readonly EntityName[];
  /** Size of the large streamed document; 64 MiB by default. */
  readonly largeDocumentBytes?: number;
  /** Timeout of the large-document test in milliseconds; 180 000 by default. */
  readonly largeDocumentTimeoutMs?: number;
}

export type RepositoryConformanceFactory<S extends RepositoryConformanceSubject> = () =>
  S | Promise<S>;

/** Ids that every repository must refuse to store. */
export const HOSTILE_IDS: readonly string[] = [
  '../x',
  '..',
  '.',
  'a/b',
  '/etc/passwd',
  'a\\b',
  '%2e%2e',
  '%2e%2e%2fx',
  'x\u0000y',
  'line\nbreak',
  '',
  'x'.repeat(10_000),
];

/** An entity record as the generic tests see it. */
export type EntityRecord = Record<string, unknown>;

/** The repository of a kind, typed loosely for the tests that run for every kind. */
export function repositoryOf(
  subject: RepositoryConformanceSubject,
  kind: EntityName,
): EntityRepository<EntityRecord> {
  const repository = subject.repositories[kind];
  if (repository === undefined) {
    throw new Error(`the conformance factory returned no repository for "${kind}"`);
  }
  return repository as unknown as EntityRepository<EntityRecord>;
}

export function documentRepositoryOf(subject: RepositoryConformanceSubject): DocumentRepository {
  const repository = subject.repositories.document;
  if (repository === undefined) {
    throw new Error('the conformance factory returned no repository for "document"');
  }
  return repository;
}

export function idOf(kind: EntityName, entity: unknown): string {
  return (entity as Record<string, string>)[ENTITY_KEYS[kind].idField] as string;
}

export function newId(kind: EntityName, suffix: string | number): string {
  return `${ENTITY_KEYS[kind].prefix}${suffix}`;
}

/** Stores small content whose bytes depend on the variant; for sample documents. */
export async function storeSampleContent(
  subject: RepositoryConformanceSubject,
  variant: number,
): Promise<StoredContent> {
  const text = `Sample content ${variant}\n`.repeat(variant + 1);
  return documentRepositoryOf(subject).putContent(chunksOf(new TextEncoder().encode(text), 7));
}

/** A sample entity ready to save: for documents, its content is stored first. */
export async function makeSample(
  subject: RepositoryConformanceSubject,
  kind: EntityName,
  id: string,
  variant = 0,
): Promise<EntityRecord> {
  const content = kind === 'document' ? await storeSampleContent(subject, variant) : undefined;
  return sampleEntity(kind, id, variant, content) as unknown as EntityRecord;
}

/** The bytes as a source of chunks of at most `size` bytes. */
export async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) {
    await Promise.resolve();
    yield bytes.slice(offset, offset + size);
  }
}

export async function readAll(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Asserts that a promise rejects with a JuleeError of this code (checked by code, not class). */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/**
 * Asserts that a lookup of a hostile id either reports nothing (null, false, a map of nulls) or
 * rejects the id as invalid input.
 */
export async function expectRefusedOrAbsent(
  promise: Promise<unknown>,
  absent: (value: unknown) => boolean,
): Promise<void> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ('error' in outcome) {
    expect(outcome.error).toMatchObject({ code: 'JULEE_INPUT_INVALID' });
  } else {
    expect(absent(outcome.value)).toBe(true);
  }
}

/** Sleeps long enough for the wall clock to move past the current millisecond. */
export function tick(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
