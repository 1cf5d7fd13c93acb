import { NotFoundError } from '../../errors/julee-error.js';
import type {
  AssemblySpecification,
  Document,
  EntityTypes,
  JsonValue,
  KnowledgeServiceConfig,
  KnowledgeServiceQuery,
} from '../entities.js';
import { ENTITY_LABELS, validateEntity } from '../entity-validation.js';
import type { KnowledgeService, QueryResult } from '../knowledge-service.js';
import {
  errorRecord,
  failedQueryProvenance,
  plannedQueryProvenance,
  registrationProvenance,
  succeededQueryProvenance,
  sumUsage,
  type ProvenanceRecord,
  type QueryProvenance,
} from '../provenance.js';
import type { RemoteSchemaRepository } from '../remote-schema.js';
import { repositoryFor, type UseCaseDeps } from '../use-cases/use-case-deps.js';
import { runBounded } from './bounded-parallel.js';
import { jsonMultihash } from './canonical-json.js';
import { DocumentRegistrar } from './document-registrar.js';
import { placeAnswer, type MutableJsonObject } from './place-answer.js';
import { PipelineError } from './pipeline-errors.js';
import { planPointer, type PointerPlan } from './pointer-plan.js';
import { modelOptionsFor } from './query-options.js';
import { assertResultConforms } from './result-validation.js';
import { textSource } from './text-source.js';
import { resolveAssemblySchema, type ResolvedSchema } from './resolve-schema.js';
import type { KnowledgeServiceResolver } from './service-resolver.js';

export interface AssemblyRunDeps extends UseCaseDeps {
  readonly knowledgeServices: KnowledgeServiceResolver;
  readonly remoteSchemas?: RemoteSchemaRepository | undefined;
}

export interface AssemblyRunInput {
  readonly specification: AssemblySpecification;
  readonly document_id: string;
  readonly assembly_id: string;
  readonly execution_id: string;
  readonly maxParallelQueries: number;
  readonly signal?: AbortSignal | undefined;
}

/** One mapping of the specification, with everything its query needs. */
interface Mapping {
  readonly plan: PointerPlan;
  readonly query: KnowledgeServiceQuery;
  readonly config: KnowledgeServiceConfig;
  readonly service: KnowledgeService;
}

const MAX_FILENAME_LENGTH = 255;

/** The file name of an assembled document: `assembled_<spec name, blanks as _>.json`. */
export function assembledFilename(specificationName: string): string {
  const stem = specificationName
    .trim()
    .replace(/\s+/g, '_')
    // eslint-disable-next-line no-control-regex -- control characters cannot be in a file name
    .replace(/[/\\\u0000-\u001f\u007f]/g, '_');
  return `assembled_${stem.slice(0, MAX_FILENAME_LENGTH - 'assembled_.json'.length)}.json`;
}

/**
 * One execution of an assembly specification against a document (spec section 4.1, with Julee's
 * defects fixed), recording its provenance as it goes. The use case owns the Assembly record;
 * this class does the work and reports what happened, also when it fails.
 */
export class AssemblyRun {
  private readonly startedAt: Date;
  private readonly steps: Record<string, number> = {};
  private readonly controller = new AbortController();
  private readonly signal: AbortSignal;
  private readonly registrar: DocumentRegistrar;
  private resolved: ResolvedSchema | null = null;
  private document: Document | null = null;
  private queries: QueryProvenance[] = [];
  private output: Document | null = null;
  /** The mapping whose query failed first, to name it in the assembly's error message. */
  failedMapping: { readonly pointer: string; readonly query_id: string } | null = null;

  constructor(
    private readonly deps: AssemblyRunDeps,
    private readonly input: AssemblyRunInput,
  ) {
    this.startedAt = deps.clock.now();
    this.signal =
      input.signal === undefined
        ? this.controller.signal
        : AbortSignal.any([input.signal, this.controller.signal]);
    this.registrar = new DocumentRegistrar(deps.repositories.document, this.signal);
  }

  /** Runs every step; returns the stored assembled document. */
  async execute(): Promise<Document> {
    const spec = this.input.specification;
    this.resolved = await this.step('schema', () =>
      resolveAssemblySchema(spec.jsonschema, this.deps.remoteSchemas, this.signal),
    );
    const schema = this.resolved.schema;
    const plans = Object.entries(spec.knowledge_service_queries).map(([pointer, queryId]) => ({
      plan: planPointer(schema, pointer),
      queryId,
    }));
    const mappings = await this.step('lookups', () => this.lookUp(plans));
    const document = this.document!;
    await this.step('registration', () => this.registerDocument(mappings, document));
    const answers = await this.step('queries', () => this.runQueries(mappings, document));

    const assembled: MutableJsonObject = {};
    mappings.forEach((mapping, index) =>
      placeAnswer(assembled, mapping.plan, answers[index]!, mapping.query.query_id),
    );
    this.step('validation', () =>
      assertResultConforms(schema, assembled, {
        assembly_id: this.input.assembly_id,
        assembly_specification_id: spec.assembly_specification_id,
      }),
    );
    this.output = await this.step('storage', () => this.store(assembled));
    return this.output;
  }

  /** The provenance record as things stand. */
  provenance(outcome: ProvenanceRecord['outcome'], error?: unknown): ProvenanceRecord {
    const spec = this.input.specification;
    const finished = outcome === 'running' ? null : this.deps.clock.now();
    const document = this.document;
    return {
      provenance_version: 1,
      assembly_id: this.input.assembly_id,
      execution_id: this.input.execution_id,
      outcome,
      input: {
        document_id: this.input.document_id,
        content_multihash: document?.content_multihash ?? null,
        size_bytes: document?.size_bytes ?? null,
        content_type: document?.content_type ?? null,
      },
      specification: {
        assembly_specification_id: spec.assembly_specification_id,
        name: spec.name,
        version: spec.version,
        status: spec.status,
        schema_hash: jsonMultihash(spec.jsonschema),
        resolved_schema_hash: this.resolved === null ? null : jsonMultihash(this.resolved.schema),
        schema_source: this.resolved === null ? null : { ...this.resolved.source },
      },
      output:
        this.output === null
          ? null
          : {
              document_id: this.output.document_id,
              content_multihash: this.output.content_multihash,
              size_bytes: this.output.size_bytes,
            },
      registrations: this.registrar.registrations.map(registrationProvenance),
      queries: [...this.queries],
      usage: sumUsage(this.queries.map((query) => query.usage)),
      timings: {
        started_at: this.startedAt.toISOString(),
        finished_at: finished?.toISOString() ?? null,
        duration_ms: finished === null ? null : finished.getTime() - this.startedAt.getTime(),
        steps: { ...this.steps },
      },
      error: error === undefined ? null : errorRecord(error),
    };
  }

  private step<T>(name: string, run: () => T): T {
    const started = this.deps.clock.now().getTime();
    const done = () => {
      this.steps[name] = this.deps.clock.now().getTime() - started;
    };
    let result: T;
    try {
      result = run();
    } catch (error) {
      done();
      throw error;
    }
    if (result instanceof Promise) return result.finally(done) as T;
    done();
    return result;
  }

  private async get<K extends 'knowledge_service_query' | 'knowledge_service_config' | 'document'>(
    entity: K,
    id: string,
  ): Promise<EntityTypes[K]> {
    const found = await repositoryFor(this.deps.repositories, entity).get(id);
    if (found === null) {
      const label = ENTITY_LABELS[entity];
      throw new NotFoundError(`${label[0]!.toUpperCase()}${label.slice(1)} not found: ${id}`, {
        details: { entity, id },
      });
    }
    return found;
  }

  private async lookUp(plans: { plan: PointerPlan; queryId: string }[]): Promise<Mapping[]> {
    const queryIds = [...new Set(plans.map((p) => p.queryId))];
    const queries = new Map(
      await Promise.all(
        queryIds.map(async (id) => [id, await this.get('knowledge_service_query', id)] as const),
      ),
    );
    this.document = await this.get('document', this.input.document_id);
    const configIds = [...new Set([...queries.values()].map((q) => q.knowledge_service_id))];
    const configs = new Map(
      await Promise.all(
        configIds.map(async (id) => [id, await this.get('knowledge_service_config', id)] as const),
      ),
    );
    const mappings = plans.map(({ plan, queryId }) => {
      const query = queries.get(queryId)!;
      const config = configs.get(query.knowledge_service_id)!;
      return { plan, query, config, service: this.deps.knowledgeServices(config) };
    });
    this.queries = mappings.map(({ plan, query, config }) =>
      plannedQueryProvenance({
        schema_pointer: plan.pointer,
        data_pointer: plan.dataPointer,
        query_id: query.query_id,
        query_name: query.name,
        knowledge_service_id: query.knowledge_service_id,
        prompt: query.prompt,
        assistant_prompt: query.assistant_prompt,
        output_schema_hash: jsonMultihash(plan.outputSchema),
        options: modelOptionsFor(config, query),
      }),
    );
    return mappings;
  }

  private async registerDocument(mappings: readonly Mapping[], document: Document) {
    const services = [...new Set(mappings.map((m) => m.service))];
    const settled = await Promise.allSettled(
      services.map((service) => this.registrar.register(service, document)),
    );
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  private async runQueries(mappings: readonly Mapping[], document: Document) {
    let firstFailure: { error: unknown } | null = null;
    const outcomes = await runBounded(
      mappings,
      this.input.maxParallelQueries,
      this.signal,
      async (mapping, index) => {
        const started_at = this.deps.clock.now().toISOString();
        const planned = this.queries[index]!;
        try {
          const result = await this.ask(mapping, document);
          const finished_at = this.deps.clock.now().toISOString();
          const answerHash = jsonMultihash(result.response);
          this.queries[index] = succeededQueryProvenance(
            planned,
            result,
            { started_at, finished_at },
            answerHash,
          );
          return result.response;
        } catch (error) {
          const finished_at = this.deps.clock.now().toISOString();
          const cancelled = firstFailure !== null || this.signal.aborted;
          this.queries[index] = failedQueryProvenance(
            planned,
            error,
            { started_at, finished_at },
            cancelled,
          );
          if (firstFailure === null) {
            firstFailure = { error };
            this.failedMapping = {
              pointer: mapping.plan.pointer,
              query_id: mapping.query.query_id,
            };
            // Stop the other queries: their answers can no longer be used.
            this.controller.abort(error);
          }
          throw error;
        }
      },
    );
    if (firstFailure !== null) throw (firstFailure as { error: unknown }).error;
    if (this.signal.aborted) throw this.signal.reason;
    return outcomes.map((outcome) => (outcome as { value: JsonValue }).value);
  }

  private async ask(mapping: Mapping, document: Document): Promise<QueryResult> {
    const { plan, query, config, service } = mapping;
    const registration = await this.registrar.register(service, document);
    const result = await service.executeQuery(
      {
        prompt: query.prompt,
        outputSchema: plan.outputSchema,
        files: [registration],
        options: modelOptionsFor(config, query),
        assistantPrompt: query.assistant_prompt,
        openContent: this.registrar.openContent,
      },
      this.registrar.callOptions(),
    );
    if (result.response === null || result.response === undefined) {
      throw new PipelineError(
        'JULEE_ASSEMBLY_ANSWER_UNPLACEABLE',
        `Knowledge service returned no answer for query ${query.query_id}`,
        { details: { query_id: query.query_id, pointer: plan.pointer } },
      );
    }
    return result;
  }

  private async store(assembled: MutableJsonObject): Promise<Document> {
    const spec = this.input.specification;
    const stored = await this.deps.repositories.document.putContent(
      textSource(JSON.stringify(assembled, null, 2)),
      this.registrar.callOptions(),
    );
    const now = this.deps.clock.now().toISOString();
    const document = validateEntity('document', {
      document_id: this.deps.ids.newId('document'),
      original_filename: assembledFilename(spec.name),
      content_type: 'application/json',
      ...stored,
      status: 'assembled',
      knowledge_service_id: null,
      assembly_types: [],
      additional_metadata: {
        assembly_id: this.input.assembly_id,
        execution_id: this.input.execution_id,
        assembly_specification_id: spec.assembly_specification_id,
        specification_version: spec.version,
        input_document_id: this.input.document_id,
        input_content_multihash: this.document?.content_multihash ?? null,
      },
      created_at: now,
      updated_at: now,
    });
    return this.deps.repositories.document.save(document);
  }
}
