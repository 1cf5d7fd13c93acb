import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import { createInstances, PluginRuntime } from '../../src/core/runtime.js';
import { multihashOf } from '../../src/domain/content-hash.js';
import { RandomIdGenerator } from '../../src/domain/ids.js';
import { CaptureDocumentUseCase } from '../../src/domain/use-cases/capture-document.js';
import { systemClock } from '../../src/storage/object-store-repository.js';
import { testServers, uniqueName } from '../support/test-servers.js';

/** The one configuration of this test: only `repositories.document.type` changes. */
function configFor(type: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'julee-switch-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    `role: all
repositories:
  default:
    type: filesystem
  document:
    type: ${type}
    bucket: ${uniqueName(`switch-${type}`)}
logging:
  level: silent
`,
  );
  return file;
}

/** The environment an operator sets for the S3 and MinIO backends (the seed's variables). */
function environment(): Record<string, string> {
  const { s3 } = testServers();
  const url = new URL(s3.endpoint);
  return {
    MINIO_ENDPOINT: url.host,
    MINIO_ACCESS_KEY: s3.access_key,
    MINIO_SECRET_KEY: s3.secret_key,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.access_key,
    AWS_SECRET_ACCESS_KEY: s3.secret_key,
  };
}

/** The text as a stream of small chunks, as an upload would arrive. */
function chunksOf(text: string): Readable {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
  return Readable.from(chunks);
}

let runtime: PluginRuntime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

describe('switching repositories.document.type', () => {
  it.each(['memory', 'filesystem', 's3', 'minio'])(
    'stores and reads a document with type %s and no other change',
    async (type) => {
      const loaded = await loadConfiguration({ configPath: configFor(type), env: environment() });
      expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(loaded.instances.find((i) => i.id === 'repositories.document')?.plugin.type).toBe(
        type,
      );

      const logger = createLogger({ level: 'silent', format: 'json' });
      const created = await createInstances(loaded, logger);
      expect(created.diagnostics).toEqual([]);
      runtime = new PluginRuntime(created.instances, logger, 30_000);
      await runtime.start();

      const repositories = runtime.repositories();
      const capture = new CaptureDocumentUseCase({
        repositories,
        clock: systemClock,
        ids: new RandomIdGenerator(),
      });
      const text = `minutes of the ${type} meeting\n`.repeat(50);
      const { document } = await capture.execute({
        content: chunksOf(text),
        original_filename: 'minutes.txt',
        content_type: 'text/plain',
      });
      expect(document.content_multihash).toBe(multihashOf(text));
      expect(document.size_bytes).toBe(Buffer.byteLength(text));

      const stored = await repositories.document.get(document.document_id);
      expect(stored).toEqual(document);
      const read = await Readable.from(
        await repositories.document.openContent(document.document_id),
      )
        .toArray()
        .then((chunks) => Buffer.concat(chunks as Buffer[]).toString());
      expect(read).toBe(text);
      expect((await runtime.health()).every((h) => h.status === 'ok')).toBe(true);
    },
  );
});
