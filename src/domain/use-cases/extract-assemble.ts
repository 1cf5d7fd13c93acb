import { ConflictError, InputError, NotFoundError } from '../../errors/julee-error.js';
import { AssemblyRun, type AssemblyRunDeps } from '../assembly/assembly-run.js';
import type { Assembly, AssemblySpecification } from '../entities.js';
import { updateEntity, validateEntity } from '../entity-validation.js';
import { provenanceJson, type ProvenanceRecord } from '../provenance.js';

export interface ExtractAssembleDataRequest {
  readonly document_id: string;
  readonly assembly_specification_id: string;
  /** Id of the execution running the assembly (the workflow id); `direct-<assembly id>` if absent. */
  readonly execution_id?: string;
  /**
   * Id to store the assembly under, so that a retried activity or workflow reuses it; generated
   * when left out. A completed assembly with this id is returned as it is: no model is asked again.
   */
  readonly assembly_id?: string;
  /** Cancels the run: queries in flight are cancelled and the assembly is marked `cancelled`. */
  readonly signal?: AbortSignal;
}

export interface ExtractAssembleDataResponse {
  /** The assembly, `completed` with its assembled document; its `provenance` holds the record. */
  readonly assembly: Assembly;
  readonly provenance: ProvenanceRecord;
}

/** Repositories, clock and ids, plus the knowledge services and the remote schema source. */
export type ExtractAssembleDataDeps = AssemblyRunDeps;

export interface ExtractAssembleDataOptions {
  /** Queries in flight at once; 1 runs them one after another. Default 4. */
  readonly max_parallel_queries?: number;
}

export const DEFAULT_MAX_PARALLEL_QUERIES = 4;

/** Specification statuses that may not run. */
const RETIRED_STATUSES = new Set(['deprecated', 'inactive']);

/**
 * Assembles a document according to an assembly specification (spec section 4.1): each mapped
 * query is asked about the document, its answer stored at the data location of its schema
 * pointer, the result validated against the full schema and stored as a new document with a
 * provenance record.
 *
 * Differences from Julee, on purpose: the Assembly record is written `in_progress` right after the
 * specification is loaded and ends `completed`, `failed` (with `error_message`) or `cancelled`
 * whatever step fails; answers are unwrapped and placed at their data location (nested
 * properties, `~0`/`~1`, list items); queries run in parallel up to `max_parallel_queries`, their
 * answers applied in mapping order once all have answered; bare `$ref` schemas come from the
 * RemoteSchemaRepository; `draft` and `active` specifications run, `deprecated` and `inactive`
 * ones are refused with InputError. The error that failed the run is rethrown unchanged.
 */
export class ExtractAssembleDataUseCase {
  private readonly maxParallelQueries: number;

  constructor(
    private readonly deps: ExtractAssembleDataDeps,
    options: ExtractAssembleDataOptions = {},
  ) {
    const limit = options.max_parallel_queries ?? DEFAULT_MAX_PARALLEL_QUERIES;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new InputError(`max_parallel_queries must be a positive integer, not ${limit}`);
    }
    this.maxParallelQueries = limit;
  }

  async execute(request: ExtractAssembleDataRequest): Promise<ExtractAssembleDataResponse> {
    const assemblyId = request.assembly_id ?? this.deps.ids.newId('assembly');
    if (request.assembly_id !== undefined) {
      const done = await this.completedAssembly(request, assemblyId);
      if (done !== null) return done;
    }
    const executionId = request.execution_id ?? `direct-${assemblyId}`;
    let specification: AssemblySpecification;
    try {
      specification = await this.loadSpecification(request.assembly_specification_id);
    } catch (error) {
      // Even a run that cannot begin leaves a record saying why (Julee left none).
      await this.recordUnstartable(request, assemblyId, executionId, error);
      throw error;
    }
    const run = new AssemblyRun(this.deps, {
      specification,
      document_id: request.document_id,
      assembly_id: assemblyId,
      execution_id: executionId,
      maxParallelQueries: this.maxParallelQueries,
      signal: request.signal,
    });

    const now = this.deps.clock.now().toISOString();
    let assembly = await this.deps.repositories.assembly.save(
      validateEntity('assembly', {
        assembly_id: assemblyId,
        assembly_specification_id: specification.assembly_specification_id,
        input_document_id: request.document_id,
        execution_id: executionId,
        status: 'in_progress',
        assembled_document_id: null,
        error_message: null,
        provenance: provenanceJson(run.provenance('running')),
        created_at: now,
        updated_at: now,
      }),
    );

    try {
      const output = await run.execute();
      const provenance = run.provenance('completed');
      assembly = await this.save(assembly, {
        status: 'completed',
        assembled_document_id: output.document_id,
        provenance: provenanceJson(provenance),
      });
      return { assembly, provenance };
    } catch (error) {
      await this.markFailed(assembly, run, error, request.signal?.aborted === true);
      throw error;
    }
  }

  /** Stores a `failed` assembly for a run whose specification cannot be loaded or run. */
  private async recordUnstartable(
    request: ExtractAssembleDataRequest,
    assemblyId: string,
    executionId: string,
    error: unknown,
  ): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    await this.deps.repositories.assembly.save(
      validateEntity('assembly', {
        assembly_id: assemblyId,
        assembly_specification_id: request.assembly_specification_id,
        input_document_id: request.document_id,
        execution_id: executionId,
        status: 'failed',
        assembled_document_id: null,
        error_message: error instanceof Error ? error.message : String(error),
        provenance: null,
        created_at: now,
        updated_at: now,
      }),
    );
  }

  private async loadSpecification(id: string): Promise<AssemblySpecification> {
    const specification = await this.deps.repositories.assembly_specification.get(id);
    if (specification === null) {
      throw new NotFoundError(`Assembly specification not found: ${id}`, {
        details: { entity: 'assembly_specification', id },
      });
    }
    if (RETIRED_STATUSES.has(specification.status)) {
      throw new InputError(
        `Assembly specification ${id} is ${specification.status} and cannot be run; ` +
          'only active and draft specifications run',
        { details: { violations: [{ path: '/status', message: 'must be active or draft' }] } },
      );
    }
    return specification;
  }

  /** The assembly stored under a requested id when it already completed, else null. */
  private async completedAssembly(
    request: ExtractAssembleDataRequest,
    assemblyId: string,
  ): Promise<ExtractAssembleDataResponse | null> {
    const existing = await this.deps.repositories.assembly.get(assemblyId);
    if (existing === null) return null;
    if (
      existing.input_document_id !== request.document_id ||
      existing.assembly_specification_id !== request.assembly_specification_id
    ) {
      throw new ConflictError(
        `Assembly ${assemblyId} already exists for another document or specification`,
        { details: { entity: 'assembly', id: assemblyId } },
      );
    }
    if (existing.status !== 'completed') return null;
    return {
      assembly: existing,
      provenance: existing.provenance as unknown as ProvenanceRecord,
    };
  }

  private save(assembly: Assembly, changes: Partial<Assembly>): Promise<Assembly> {
    return this.deps.repositories.assembly.save(updateEntity('assembly', assembly, changes));
  }

  private async markFailed(
    assembly: Assembly,
    run: AssemblyRun,
    error: unknown,
    cancelled: boolean,
  ): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const failed = run.failedMapping;
    const message = cancelled
      ? `Assembly cancelled: ${reason}`
      : failed === null
        ? reason
        : `Query ${failed.query_id} for schema pointer ${JSON.stringify(failed.pointer)} failed: ${reason}`;
    try {
      await this.save(assembly, {
        status: cancelled ? 'cancelled' : 'failed',
        error_message: message.length > 4000 ? `${message.slice(0, 4000)}…` : message,
        provenance: provenanceJson(run.provenance(cancelled ? 'cancelled' : 'failed', error)),
      });
    } catch (saveError) {
      // The run's own error is what the caller must see (its code says whether to retry); the
      // record stays in_progress, and the failure to update it travels as the error's cause.
      if (error instanceof Error && error.cause === undefined) {
        Object.defineProperty(error, 'cause', { value: saveError, configurable: true });
      }
    }
  }
}
