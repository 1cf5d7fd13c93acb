import type { JuleeConfig } from '../config/types.js';
import { knowledgeServiceResolver } from '../domain/assembly/service-resolver.js';
import { RandomIdGenerator } from '../domain/ids.js';
import type { Clock, IdGenerator } from '../domain/repositories.js';
import { CaptureDocumentUseCase } from '../domain/use-cases/capture-document.js';
import { ExtractAssembleDataUseCase } from '../domain/use-cases/extract-assemble.js';
import type { UseCaseDeps } from '../domain/use-cases/use-case-deps.js';
import { ValidateDocumentUseCase } from '../domain/use-cases/validate-document.js';
import { systemClock } from '../storage/object-store-repository.js';
import { HttpRemoteSchemaRepository } from './http-remote-schema.js';
import type { PluginRuntime } from './runtime.js';

/** The CEAP use cases, wired to the running plugin instances. */
export interface CeapUseCases {
  readonly deps: UseCaseDeps;
  readonly capture: CaptureDocumentUseCase;
  readonly extractAssemble: ExtractAssembleDataUseCase;
  readonly validateDocument: ValidateDocumentUseCase;
}

/**
 * The composition root of the use cases: repositories and knowledge services from the started
 * plugins, `$ref` fetching and query parallelism from `extraction:` in config.yaml. The API and
 * the worker both build their use cases here, so they behave the same.
 */
export function createCeapUseCases(
  runtime: PluginRuntime,
  config: Pick<JuleeConfig, 'extraction'>,
  overrides: { clock?: Clock; ids?: IdGenerator } = {},
): CeapUseCases {
  const deps: UseCaseDeps = {
    repositories: runtime.repositories(),
    clock: overrides.clock ?? systemClock,
    ids: overrides.ids ?? new RandomIdGenerator(),
  };
  runtime.wireRegistrationStore();
  const knowledgeServices = knowledgeServiceResolver(runtime.knowledgeServices());
  const { max_parallel_queries, remote_schemas } = config.extraction;
  return {
    deps,
    capture: new CaptureDocumentUseCase(deps),
    extractAssemble: new ExtractAssembleDataUseCase(
      { ...deps, knowledgeServices, remoteSchemas: new HttpRemoteSchemaRepository(remote_schemas) },
      { max_parallel_queries },
    ),
    validateDocument: new ValidateDocumentUseCase(
      { ...deps, knowledgeServices },
      { max_parallel_queries },
    ),
  };
}
