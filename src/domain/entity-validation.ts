import type { EntityName, EntityTypes } from './entities.js';

/**
 * Validates a record of an entity kind against its JSON Schema (schemas/<entity>.schema.json),
 * applying defaults and trimming strings, and returns a frozen copy. Throws InputError listing
 * every violation with its path.
 *
 * PLACEHOLDER until the domain work lands: returns the value unchanged.
 */
export function validateEntity<K extends EntityName>(entity: K, value: unknown): EntityTypes[K] {
  void entity;
  return value as EntityTypes[K];
}
