import { JuleeError } from '../../errors/julee-error.js';
import { ENTITY_KEYS, type EntityName } from '../entities.js';
import { validateEntity, type Violation } from '../entity-validation.js';
import type { ByteSource } from '../repositories.js';
import { CaptureDocumentUseCase, type CaptureDocumentRequest } from './capture-document.js';
import { missingReferences } from './entity-references.js';
import { repositoryFor, type UseCaseDeps } from './use-case-deps.js';

/**
 * Where fixture files come from. The runtime reads them from a directory (src/core); tests may
 * serve them from memory. Parsing YAML and JSON is the source's job, so the domain stays free of
 * parsers and I/O.
 */
export interface FixtureSource {
  /** Where the fixtures are, for messages (a directory path, say). */
  readonly location: string;
  /**
   * The parsed content of a YAML or JSON file, or undefined when there is no such file. Throws
   * InputError, naming the line and column, when the file cannot be parsed.
   */
  readData(name: string): Promise<unknown>;
  /** The bytes of a content file. Throws NotFoundError when there is no such file. */
  openBytes(name: string): Promise<ByteSource>;
}

/** One problem with the fixtures; `index` (from 0) and `id` name the entry it is about. */
export interface FixtureProblem {
  readonly file: string;
  readonly index: number | null;
  readonly id: string | null;
  readonly message: string;
  readonly violations?: readonly Violation[];
}

export interface FixtureEntry {
  readonly entity: EntityName;
  readonly id: string;
  readonly file: string;
}

export interface InitializeSystemDataRequest {
  /** Throw FixtureLoadError when any problem was found (the default), or return the problems. */
  readonly failOnError?: boolean;
  readonly signal?: AbortSignal;
}

export interface InitializeSystemDataResponse {
  /** Entities stored by this run. */
  readonly created: readonly FixtureEntry[];
  /** Entries left alone because an entity with their id already exists. */
  readonly existing: readonly FixtureEntry[];
  /** Fixture files that are not there (each is optional; none at all is a problem). */
  readonly missing: readonly string[];
  readonly problems: readonly FixtureProblem[];
}

export function describeProblem(problem: FixtureProblem): string {
  const id = problem.id === null ? '' : ` (id ${JSON.stringify(problem.id)})`;
  const entry = problem.index === null ? '' : ` entry ${problem.index}${id}`;
  return `${problem.file}${entry}: ${problem.message}`;
}

/** The fixtures could not all be loaded; `details.problems` lists every problem. */
export class FixtureLoadError extends JuleeError {
  constructor(location: string, problems: readonly FixtureProblem[]) {
    super(
      'JULEE_FIXTURES_INVALID',
      `Fixtures in ${location} have ${problems.length} problem(s): ` +
        problems.map(describeProblem).join('; '),
      { details: { location, problems } },
    );
  }
}

interface FixtureFile {
  readonly entity: EntityName;
  /** Accepted names, preferred first. */
  readonly names: readonly string[];
  /** The top-level key that holds the list of entries. */
  readonly key: string;
}

/** The fixture files, in loading order: what an entry refers to is loaded before it. */
export const FIXTURE_FILES: readonly FixtureFile[] = [
  {
    entity: 'knowledge_service_config',
    names: ['knowledge_service_configs.yaml'],
    key: 'knowledge_services',
  },
  {
    entity: 'knowledge_service_query',
    names: ['knowledge_service_queries.yaml'],
    key: 'knowledge_service_queries',
  },
  { entity: 'document', names: ['documents.yaml'], key: 'documents' },
  {
    entity: 'assembly_specification',
    names: ['assembly_specifications.json', 'assembly_specifications.yaml'],
    key: 'assembly_specifications',
  },
  { entity: 'policy', names: ['policies.yaml'], key: 'policies' },
];

/** The fields of a document entry: the document's metadata and where its content is. */
const DOCUMENT_ENTRY_FIELDS = [
  'document_id',
  'original_filename',
  'content_type',
  'content',
  'content_file',
  'status',
  'knowledge_service_id',
  'assembly_types',
  'additional_metadata',
];

/** A content file name: a plain name in the fixture directory, nothing that leaves it. */
const CONTENT_FILE_NAME = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9 ._-]*$/;

type Rec = { readonly [key: string]: unknown };

interface LoadState {
  readonly created: FixtureEntry[];
  readonly existing: FixtureEntry[];
  readonly missing: string[];
  readonly problems: FixtureProblem[];
}

function isRecord(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A problem with one entry, found while loading it. */
class EntryProblem extends Error {
  constructor(
    message: string,
    readonly violations?: readonly Violation[],
  ) {
    super(message);
  }
}

/** A problem to report, or undefined for an error that must propagate (storage, bugs). */
function asProblem(
  error: unknown,
): { message: string; violations?: readonly Violation[] } | undefined {
  if (error instanceof EntryProblem) {
    return error.violations === undefined
      ? { message: error.message }
      : { message: error.message, violations: error.violations };
  }
  if (error instanceof JuleeError && !error.retryable) {
    const violations = error.details?.['violations'] as Violation[] | undefined;
    return violations === undefined
      ? { message: error.message }
      : { message: error.message, violations };
  }
  return undefined;
}

/**
 * Loads the demo fixtures (spec section 4.3): knowledge service configs, queries, documents,
 * assembly specifications and policies, in that order. Idempotent: an entry whose id already
 * exists is left alone, never updated. Entries are validated like any entity, and the ids they
 * refer to must exist. Every problem is collected with its file and entry (index and id) and all
 * are reported together. Storage failures are not fixture problems: they are thrown at once, and
 * running again once storage works completes the load.
 */
export class InitializeSystemDataUseCase {
  private readonly capture: CaptureDocumentUseCase;

  constructor(
    private readonly deps: UseCaseDeps,
    private readonly source: FixtureSource,
  ) {
    this.capture = new CaptureDocumentUseCase(deps);
  }

  async execute(request: InitializeSystemDataRequest = {}): Promise<InitializeSystemDataResponse> {
    const state: LoadState = { created: [], existing: [], missing: [], problems: [] };
    for (const file of FIXTURE_FILES) {
      request.signal?.throwIfAborted();
      const entries = await this.readEntries(file, state);
      if (entries !== null) await this.loadEntries(file, entries, state, request.signal);
    }
    if (state.missing.length === FIXTURE_FILES.length) {
      const expected = FIXTURE_FILES.map((f) => f.names[0]).join(', ');
      state.problems.push({
        file: this.source.location,
        index: null,
        id: null,
        message: `no fixture files found (expected ${expected})`,
      });
    }

    if ((request.failOnError ?? true) && state.problems.length > 0) {
      throw new FixtureLoadError(this.source.location, state.problems);
    }
    return state;
  }

  /** The entries of a file with its name, or null when it is missing or unusable. */
  private async readEntries(
    file: FixtureFile,
    state: LoadState,
  ): Promise<{ name: string; entries: unknown[] } | null> {
    for (const name of file.names) {
      const fileProblem = (message: string) => {
        state.problems.push({ file: name, index: null, id: null, message });
        return null;
      };
      let data: unknown;
      try {
        data = await this.source.readData(name);
      } catch (error) {
        const problem = asProblem(error);
        if (problem === undefined) throw error;
        return fileProblem(problem.message);
      }
      if (data === undefined) continue;
      if (!isRecord(data) || !(file.key in data)) {
        return fileProblem(
          `must be a mapping with the key "${file.key}" holding a list of entries`,
        );
      }
      const entries = data[file.key];
      if (!Array.isArray(entries)) return fileProblem(`"${file.key}" must be a list of entries`);
      return { name, entries };
    }
    state.missing.push(file.names[0]!);
    return null;
  }

  private async loadEntries(
    file: FixtureFile,
    { name, entries }: { name: string; entries: unknown[] },
    state: LoadState,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const seen = new Map<string, number>();
    for (const [index, entry] of entries.entries()) {
      signal?.throwIfAborted();
      const id = this.entryId(file.entity, entry);
      const report = (problem: { message: string; violations?: readonly Violation[] }) =>
        state.problems.push({ file: name, index, id, ...problem });

      if (id === null) {
        report({
          message: `must be a mapping with a string "${ENTITY_KEYS[file.entity].idField}"`,
        });
        continue;
      }
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        report({ message: `repeats the id of entry ${earlier}` });
        continue;
      }
      seen.set(id, index);
      try {
        const outcome = await this.loadEntry(file.entity, id, entry as Rec, signal);
        state[outcome].push({ entity: file.entity, id, file: name });
      } catch (error) {
        const problem = asProblem(error);
        if (problem === undefined) throw error;
        report(problem);
      }
    }
  }

  private entryId(entity: EntityName, entry: unknown): string | null {
    if (!isRecord(entry)) return null;
    const id = entry[ENTITY_KEYS[entity].idField];
    return typeof id === 'string' && id.trim() !== '' ? id.trim() : null;
  }

  private async loadEntry(
    entity: EntityName,
    id: string,
    entry: Rec,
    signal: AbortSignal | undefined,
  ): Promise<'created' | 'existing'> {
    const repository = repositoryFor(this.deps.repositories, entity);
    if ((await repository.get(id)) !== null) return 'existing';

    if (entity === 'document') {
      await this.loadDocument(entry, signal);
      return 'created';
    }
    const now = this.deps.clock.now().toISOString();
    const record = validateEntity(entity, { ...entry, created_at: now, updated_at: now });
    await this.checkReferences(entity, record as unknown as Rec);
    await repository.save(record);
    return 'created';
  }

  private async loadDocument(entry: Rec, signal: AbortSignal | undefined): Promise<void> {
    const unknown = Object.keys(entry).filter((key) => !DOCUMENT_ENTRY_FIELDS.includes(key));
    if (unknown.length > 0) {
      throw new EntryProblem(
        `has unknown fields ${unknown.map((k) => JSON.stringify(k)).join(', ')}; ` +
          `the fields of a document entry are ${DOCUMENT_ENTRY_FIELDS.join(', ')}`,
      );
    }
    await this.checkReferences('document', entry);
    const optional = (field: string) =>
      entry[field] === undefined ? {} : { [field]: entry[field] };
    const request = {
      ...optional('content_type'),
      ...optional('status'),
      ...optional('knowledge_service_id'),
      ...optional('assembly_types'),
      ...optional('additional_metadata'),
      document_id: entry['document_id'] as string,
      original_filename: entry['original_filename'] as string,
      content: this.documentContent(entry),
      ...(signal === undefined ? {} : { signal }),
    } as CaptureDocumentRequest;
    await this.capture.execute(request);
  }

  /**
   * Inline `content` (UTF-8), else the file `content_file`, else the file `original_filename`.
   * A file is opened only when its bytes are read, so no file stays open when the entry is refused.
   */
  private documentContent(entry: Rec): ByteSource {
    const inline = entry['content'];
    if (inline !== undefined) {
      if (entry['content_file'] !== undefined) {
        throw new EntryProblem('has both "content" and "content_file"; give one of them');
      }
      if (typeof inline !== 'string') throw new EntryProblem('"content" must be a string');
      const bytes = new TextEncoder().encode(inline);
      return (async function* () {
        await Promise.resolve();
        yield bytes;
      })();
    }
    const name = entry['content_file'] ?? entry['original_filename'];
    if (typeof name !== 'string' || !CONTENT_FILE_NAME.test(name)) {
      throw new EntryProblem(
        'needs inline "content" or a content file ("content_file", else "original_filename") ' +
          'named plainly, inside the fixture directory',
      );
    }
    const source = this.source;
    return {
      async *[Symbol.asyncIterator]() {
        yield* await source.openBytes(name);
      },
    };
  }

  private async checkReferences(entity: EntityName, record: Rec): Promise<void> {
    const missing = await missingReferences(this.deps.repositories, entity, record);
    if (missing.length > 0) {
      throw new EntryProblem(missing.map((v) => `${v.path} ${v.message}`).join('; '), missing);
    }
  }
}
