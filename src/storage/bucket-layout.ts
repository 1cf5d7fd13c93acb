import type { EntityName } from '../domain/entities.js';

// The bucket layout that the S3-compatible repository plugins (s3, minio) share: Julee's bucket
// names, one prefix per entity kind in a shared bucket, and S3's key order.

/** Julee's bucket names, one per entity kind. */
export const DEFAULT_BUCKETS: { readonly [K in EntityName]: string } = {
  document: 'documents',
  assembly: 'assemblies',
  assembly_specification: 'assembly-specifications',
  knowledge_service_config: 'knowledge-service-configs',
  knowledge_service_query: 'knowledge-service-queries',
  policy: 'policies',
  document_policy_validation: 'document-policy-validations',
};

/** Julee's bucket for document content. */
export const DEFAULT_CONTENT_BUCKET = 'documents-content';

/** Where an instance keeps its objects: a bucket and key prefix, and for documents the content. */
export interface StorageLayout {
  readonly bucket: string;
  /** "" or a prefix such as "document" (stores add the "/"). */
  readonly prefix: string;
  readonly content?: { readonly bucket: string; readonly prefix: string };
}

export interface LayoutOptions {
  readonly bucket?: string;
  readonly content_bucket?: string;
  readonly prefix?: string;
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, '');
}

/**
 * Decides the buckets and prefixes of an entity's instance.
 *
 * - Each entity has its own bucket by default (Julee's names), with keys at the bucket's root.
 * - An instance made from `repositories.default` with one `bucket` for all entities keeps each
 *   entity under a prefix named after it, so that entities do not collide.
 * - Document content goes to `documents-content`, or beside the metadata when the metadata
 *   bucket is shared, under `<prefix>-content` so that the two never share keys.
 */
export function resolveLayout(
  entity: EntityName,
  options: LayoutOptions,
  fromDefault: boolean,
): StorageLayout {
  const sharedBucket = fromDefault && options.bucket !== undefined;
  const bucket = options.bucket ?? DEFAULT_BUCKETS[entity];
  const prefix = trimSlashes(options.prefix ?? (sharedBucket ? entity : ''));
  if (entity !== 'document') return { bucket, prefix };

  const contentBucket = options.content_bucket ?? (sharedBucket ? bucket : DEFAULT_CONTENT_BUCKET);
  let contentPrefix = prefix;
  if (contentBucket === bucket) contentPrefix = prefix === '' ? 'content' : `${prefix}-content`;
  return { bucket, prefix, content: { bucket: contentBucket, prefix: contentPrefix } };
}

/** A pattern for S3 bucket names (3 to 63 lowercase letters, digits, dots and hyphens). */
export const BUCKET_NAME_PATTERN = '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$';

/** A pattern for key prefixes: path segments of letters, digits, ".", "_" and "-". */
export const PREFIX_PATTERN =
  '^$|^/?[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*/?$';

/**
 * Orders strings as their UTF-8 bytes would be ordered. UTF-16 code units order the same way
 * except that surrogates (code points above U+FFFF) must sort after every other code unit.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Objects kept under a normalised prefix: "" or "a/b/". */
export function normalisePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/** A store over one bucket, as far as start-up and health checks are concerned. */
export interface BucketStore {
  readonly bucket: string;
  /** Throws when the bucket cannot be reached. */
  checkBucket(): Promise<unknown>;
}

/** One store per bucket: the bucket checks of start and health need no more. */
export function oneStorePerBucket<T extends BucketStore>(stores: readonly T[]): T[] {
  const byBucket = new Map<string, T>();
  for (const store of stores) if (!byBucket.has(store.bucket)) byBucket.set(store.bucket, store);
  return [...byBucket.values()];
}

/** Health of bucket-backed stores: down, with the reason, when any bucket check fails. */
export async function bucketHealth(
  stores: readonly BucketStore[],
): Promise<{ status: 'ok' } | { status: 'down'; detail: string }> {
  try {
    await Promise.all(stores.map((store) => store.checkBucket()));
    return { status: 'ok' };
  } catch (error) {
    return {
      status: 'down',
      detail: error instanceof Error ? error.message : 'bucket check failed',
    };
  }
}

/** The option schemas of the layout options (LayoutOptions), shared by the s3 and minio plugins. */
export const BUCKET_LAYOUT_OPTION_PROPERTIES = {
  bucket: {
    type: 'string',
    pattern: BUCKET_NAME_PATTERN,
    description:
      "Bucket of the entity's records. Defaults to Julee's per-entity names (documents, " +
      'assemblies, assembly-specifications, knowledge-service-configs, ' +
      'knowledge-service-queries, policies, document-policy-validations).',
  },
  content_bucket: {
    type: 'string',
    pattern: BUCKET_NAME_PATTERN,
    description:
      'Bucket of document content (document entity only). Defaults to documents-content, ' +
      'or to `bucket` when the `repositories.default` entry names one bucket for all.',
  },
  prefix: {
    type: 'string',
    maxLength: 200,
    pattern: PREFIX_PATTERN,
    description:
      'Key prefix (a folder such as "julee/prod") of every object. Defaults to none, or to ' +
      'the entity name when the `repositories.default` entry names one bucket for all.',
  },
  create_bucket: {
    type: 'boolean',
    default: true,
    description: 'Create missing buckets at start. When false, a missing bucket stops the start.',
  },
} as const;
