import type { EntityName } from '../entities.js';
import { ENTITY_LABELS, type Violation } from '../entity-validation.js';
import { escapeJsonPointerToken } from '../json-pointer.js';
import type { Repositories } from '../repositories.js';
import { repositoryFor } from './use-case-deps.js';

type Rec = { readonly [key: string]: unknown };

/** An id a record holds, the kind of entity it names and where it sits in the record. */
interface Reference {
  readonly entity: EntityName;
  readonly id: string;
  readonly path: string;
}

function idAt(record: Rec, field: string, entity: EntityName): Reference[] {
  const id = record[field];
  return typeof id === 'string' ? [{ entity, id, path: `/${field}` }] : [];
}

function listAt(record: Rec, field: string, pick: (item: unknown) => unknown): Reference[] {
  const items = record[field];
  if (!Array.isArray(items)) return [];
  return items.flatMap((item: unknown, index) => {
    const id = pick(item);
    return typeof id === 'string'
      ? [{ entity: 'knowledge_service_query' as const, id, path: `/${field}/${index}` }]
      : [];
  });
}

const REFERENCES: { readonly [K in EntityName]: (record: Rec) => Reference[] } = {
  document: (r) => idAt(r, 'knowledge_service_id', 'knowledge_service_config'),
  knowledge_service_config: () => [],
  knowledge_service_query: (r) => idAt(r, 'knowledge_service_id', 'knowledge_service_config'),
  assembly_specification: (r) => {
    const queries = r['knowledge_service_queries'];
    if (typeof queries !== 'object' || queries === null) return [];
    return Object.entries(queries as Rec).flatMap(([pointer, id]) =>
      typeof id === 'string'
        ? [
            {
              entity: 'knowledge_service_query' as const,
              id,
              path: `/knowledge_service_queries/${escapeJsonPointerToken(pointer)}`,
            },
          ]
        : [],
    );
  },
  policy: (r) => [
    ...listAt(r, 'validation_scores', (pair) => (Array.isArray(pair) ? pair[0] : undefined)),
    ...listAt(r, 'transformation_queries', (id) => id),
  ],
  assembly: (r) => [
    ...idAt(r, 'assembly_specification_id', 'assembly_specification'),
    ...idAt(r, 'input_document_id', 'document'),
    ...idAt(r, 'assembled_document_id', 'document'),
  ],
  document_policy_validation: (r) => [
    ...idAt(r, 'input_document_id', 'document'),
    ...idAt(r, 'policy_id', 'policy'),
    ...idAt(r, 'transformed_document_id', 'document'),
  ],
};

/**
 * The ids a record refers to that name no stored entity: the knowledge service of a query, the
 * queries of a specification or a policy, the documents and specification of an assembly, ...
 * One violation per dangling reference, at its path in the record.
 */
export async function missingReferences(
  repositories: Repositories,
  entity: EntityName,
  record: Rec,
): Promise<Violation[]> {
  const references = REFERENCES[entity](record);
  const byEntity = new Map<EntityName, Set<string>>();
  for (const reference of references) {
    const ids = byEntity.get(reference.entity) ?? new Set<string>();
    ids.add(reference.id);
    byEntity.set(reference.entity, ids);
  }
  const found = new Set<string>();
  await Promise.all(
    [...byEntity].map(async ([kind, ids]) => {
      const stored = await repositoryFor(repositories, kind).getMany([...ids]);
      for (const [id, value] of stored) if (value !== null) found.add(`${kind}\u0000${id}`);
    }),
  );
  return references
    .filter((reference) => !found.has(`${reference.entity}\u0000${reference.id}`))
    .map((reference) => ({
      path: reference.path,
      message: `refers to ${ENTITY_LABELS[reference.entity]} "${reference.id}", which does not exist`,
    }));
}
