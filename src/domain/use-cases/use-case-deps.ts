import type { EntityName, EntityTypes } from '../entities.js';
import type { Clock, EntityRepository, IdGenerator, Repositories } from '../repositories.js';

/** What every use case is built with. Time and ids are injected so that workflows replay. */
export interface UseCaseDeps {
  readonly repositories: Repositories;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** The repository of one entity kind, typed by that kind. */
export function repositoryFor<K extends EntityName>(
  repositories: Repositories,
  entity: K,
): EntityRepository<EntityTypes[K]> {
  return repositories[entity] as unknown as EntityRepository<EntityTypes[K]>;
}
