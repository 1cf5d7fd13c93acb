import type { FileRegistration, FileRegistrationStore } from '../domain/knowledge-service.js';
import { isMultihash } from '../domain/content-hash.js';
import { isSafeId } from '../domain/ids.js';
import type { ObjectStore } from './object-store.js';
import { withKeyPrefix } from './object-store-repository.js';

function keyOf(serviceInstance: string, contentMultihash: string): string | null {
  if (!isSafeId(serviceInstance) || !isMultihash(contentMultihash)) return null;
  return `${serviceInstance}/${contentMultihash}.json`;
}

function isRegistration(value: unknown): value is FileRegistration {
  const r = value as Partial<FileRegistration> | null;
  return (
    r !== null &&
    typeof r === 'object' &&
    typeof r.document_id === 'string' &&
    typeof r.content_multihash === 'string' &&
    (r.provider_file_id === null || typeof r.provider_file_id === 'string') &&
    typeof r.service_instance === 'string' &&
    typeof r.registered_at === 'string' &&
    typeof r.metadata === 'object'
  );
}

/**
 * Knowledge-service file registrations kept as one small JSON object per (service instance,
 * content hash), so that a restarted or another worker reuses what was uploaded before instead of
 * uploading the same document again. A record that cannot be read counts as absent (registering
 * again is correct, only slower) and is replaced by the next registration.
 */
export class ObjectStoreRegistrationStore implements FileRegistrationStore {
  constructor(private readonly store: ObjectStore) {}

  async get(serviceInstance: string, contentMultihash: string): Promise<FileRegistration | null> {
    const key = keyOf(serviceInstance, contentMultihash);
    if (key === null) return null;
    const bytes = await this.store.get(key);
    if (bytes === null) return null;
    try {
      const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
      return isRegistration(parsed) &&
        parsed.service_instance === serviceInstance &&
        parsed.content_multihash === contentMultihash
        ? parsed
        : null;
    } catch {
      // Unreadable record: a miss, overwritten by the next registration.
      return null;
    }
  }

  async put(registration: FileRegistration): Promise<void> {
    const key = keyOf(registration.service_instance, registration.content_multihash);
    if (key === null) return;
    await this.store.put(key, Buffer.from(JSON.stringify(registration)), 'application/json');
  }

  async delete(serviceInstance: string, contentMultihash: string): Promise<void> {
    const key = keyOf(serviceInstance, contentMultihash);
    if (key !== null) await this.store.delete(key);
  }
}

const AUXILIARY_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * The `auxiliaryStore` capability of a repository plugin instance, placed under `runtime/<name>/`
 * in its document content store (beside the content blobs): spread it into the instance.
 * Instances without a content store (every entity but `document`) get none.
 */
export function auxiliaryStoresIn(contentStore: ObjectStore | undefined): {
  auxiliaryStore?: (name: string) => ObjectStore;
} {
  if (contentStore === undefined) return {};
  return {
    auxiliaryStore: (name) => {
      if (!AUXILIARY_NAME.test(name)) throw new Error(`invalid auxiliary store name "${name}"`);
      return withKeyPrefix(contentStore, `runtime/${name}/`);
    },
  };
}
