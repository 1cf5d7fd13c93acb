import { describe, expect, it } from 'vitest';
import { multihashOf } from '../domain/content-hash.js';
import type { Document } from '../domain/entities.js';
import type { FileRegistration, FileRegistrationStore } from '../domain/knowledge-service.js';
import { KnowledgeServiceError } from '../errors/knowledge-errors.js';
import { InlineContentCache, RegistrationCache } from './registration-cache.js';

function document(id: string, content = 'same bytes'): Document {
  return {
    document_id: id,
    original_filename: `${id}.pdf`,
    content_type: 'application/pdf',
    size_bytes: content.length,
    content_multihash: multihashOf(content),
    status: 'captured',
    knowledge_service_id: null,
    assembly_types: [],
    additional_metadata: {},
    created_at: null,
    updated_at: null,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('RegistrationCache', () => {
  it('registers concurrent requests for the same content once', async () => {
    const cache = new RegistrationCache('knowledge');
    let uploads = 0;
    const register = async () => {
      uploads++;
      await tick();
      return { provider_file_id: `file_${uploads}`, metadata: { registered_via: 'files_api' } };
    };
    const results = await Promise.all(
      ['doc-a', 'doc-b', 'doc-c'].map((id) => cache.registerOnce(document(id), register)),
    );
    expect(uploads).toBe(1);
    expect(results.map((r) => [r.document_id, r.provider_file_id])).toEqual([
      ['doc-a', 'file_1'],
      ['doc-b', 'file_1'],
      ['doc-c', 'file_1'],
    ]);
    expect(results[0]!.service_instance).toBe('knowledge');
  });

  it('lets a waiting caller register itself when the first upload was cancelled', async () => {
    const cache = new RegistrationCache('knowledge');
    let calls = 0;
    const register = async () => {
      calls++;
      await tick();
      if (calls === 1) throw new KnowledgeServiceError('JULEE_KNOWLEDGE_CANCELLED', 'cancelled');
      return { provider_file_id: 'file_2', metadata: {} };
    };
    const first = cache.registerOnce(document('doc-a'), register);
    const second = cache.registerOnce(document('doc-b'), register);
    await expect(first).rejects.toMatchObject({ code: 'JULEE_KNOWLEDGE_CANCELLED' });
    expect((await second).provider_file_id).toBe('file_2');
    expect(calls).toBe(2);
  });

  it('shares a failure with the callers waiting on it and tries again afterwards', async () => {
    const cache = new RegistrationCache('knowledge');
    let calls = 0;
    const register = async () => {
      calls++;
      await tick();
      if (calls === 1) throw new KnowledgeServiceError('JULEE_KNOWLEDGE_RATE_LIMITED', 'slow down');
      return { provider_file_id: 'file_ok', metadata: {} };
    };
    const both = await Promise.allSettled([
      cache.registerOnce(document('doc-a'), register),
      cache.registerOnce(document('doc-b'), register),
    ]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await cache.registerOnce(document('doc-a'), register)).provider_file_id).toBe(
      'file_ok',
    );
  });

  it('reuses what the durable store holds, and treats store failures as misses', async () => {
    const stored: FileRegistration = {
      document_id: 'doc-old',
      content_multihash: multihashOf('same bytes'),
      provider_file_id: 'file_stored',
      service_instance: 'knowledge',
      registered_at: '2026-01-01T00:00:00.000Z',
      metadata: { registered_via: 'files_api' },
    };
    const store: FileRegistrationStore = {
      get: (instance, hash) =>
        Promise.resolve(
          instance === 'knowledge' && hash === stored.content_multihash ? stored : null,
        ),
      put: () => Promise.reject(new Error('disk full')),
      delete: () => Promise.resolve(),
    };
    const failures: string[] = [];
    const cache = new RegistrationCache('knowledge', (_e, op) => failures.push(op));
    cache.useStore(store);
    const never = () => Promise.reject(new Error('must not upload'));
    expect((await cache.registerOnce(document('doc-new'), never)).provider_file_id).toBe(
      'file_stored',
    );

    const made = await cache.registerOnce(document('doc-x', 'other bytes'), () =>
      Promise.resolve({ provider_file_id: 'file_new', metadata: {} }),
    );
    expect(made.provider_file_id).toBe('file_new');
    expect(failures).toEqual(['put']);
  });

  it('registers again when the cached registration does not suit the configuration', async () => {
    const cache = new RegistrationCache('knowledge');
    await cache.registerOnce(document('doc-a'), () =>
      Promise.resolve({ provider_file_id: null, metadata: { registered_via: 'inline' } }),
    );
    const again = await cache.registerOnce(
      document('doc-a'),
      () =>
        Promise.resolve({ provider_file_id: 'file_1', metadata: { registered_via: 'files_api' } }),
      { isUsable: (r) => r.provider_file_id !== null },
    );
    expect(again.provider_file_id).toBe('file_1');
  });

  it('forgets a registration so that the content is registered again', async () => {
    const cache = new RegistrationCache('knowledge');
    let n = 0;
    const register = () => Promise.resolve({ provider_file_id: `file_${++n}`, metadata: {} });
    const doc = document('doc-a');
    await cache.registerOnce(doc, register);
    await cache.forget(doc.content_multihash);
    expect((await cache.registerOnce(doc, register)).provider_file_id).toBe('file_2');
  });
});

describe('InlineContentCache', () => {
  it('drops the least recently used bytes beyond its capacity', () => {
    const cache = new InlineContentCache(10);
    cache.set('a', Buffer.alloc(4));
    cache.set('b', Buffer.alloc(4));
    cache.get('a');
    cache.set('c', Buffer.alloc(4));
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map((b) => b?.length)).toEqual([
      4,
      undefined,
      4,
    ]);
    expect(cache.sizeBytes).toBe(8);
    cache.set('huge', Buffer.alloc(11));
    expect(cache.get('huge')).toBeUndefined();
  });
});
