import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import { createInstances, PluginRuntime } from '../../src/core/runtime.js';
import { createCeapUseCases } from '../../src/core/use-cases.js';
import { FakeAnthropicServer } from '../support/fake-anthropic-server.js';
import { testServers, uniqueName } from '../support/test-servers.js';

const PDF = readFileSync(
  fileURLToPath(new URL('../../fixtures/product-spec-sheet-v17.pdf', import.meta.url)),
);

let fake: FakeAnthropicServer;
beforeAll(async () => {
  fake = await FakeAnthropicServer.start();
});
afterAll(async () => {
  await fake.close();
});

function environment(): Record<string, string> {
  const { s3 } = testServers();
  return {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.access_key,
    AWS_SECRET_ACCESS_KEY: s3.secret_key,
    AWS_REGION: s3.region,
  };
}

/** One process lifetime: start the plugins, run `work`, stop them. */
async function lifetime<T>(
  file: string,
  work: (useCases: ReturnType<typeof createCeapUseCases>, runtime: PluginRuntime) => Promise<T>,
): Promise<T> {
  const loaded = await loadConfiguration({ configPath: file, env: environment() });
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const logger = createLogger({ level: 'silent', format: 'json' });
  const created = await createInstances(loaded, logger);
  const runtime = new PluginRuntime(created.instances, logger, 30_000);
  await runtime.start();
  try {
    return await work(createCeapUseCases(runtime, loaded.config), runtime);
  } finally {
    await runtime.stop();
  }
}

describe('knowledge-service file registrations', () => {
  it.each(['filesystem', 's3'])(
    'are reused after a restart with %s document storage: the document is uploaded once',
    async (type) => {
      const dir = mkdtempSync(join(tmpdir(), 'julee-registrations-'));
      const file = join(dir, 'config.yaml');
      writeFileSync(
        file,
        `role: all
repositories:
  default: { type: filesystem, data_dir: ./data }
  document: { type: ${type}, bucket: ${uniqueName('registrations')} }
services:
  claude: { type: anthropic, base_url: '${fake.url}', api_key: sk-ant-test-key }
logging: { level: silent }
`,
      );
      const uploadsBefore = fake.uploads.length;
      const register = async (
        useCases: ReturnType<typeof createCeapUseCases>,
        runtime: PluginRuntime,
        id: string,
      ) => {
        const [claude] = runtime.knowledgeServices();
        const documents = useCases.deps.repositories.document;
        const document = (await documents.get(id))!;
        return claude!.service.registerFile(document, () => documents.openContent(id));
      };

      const first = await lifetime(file, async (useCases, runtime) => {
        const { document } = await useCases.capture.execute({
          content: Readable.from([PDF]),
          original_filename: 'spec-sheet.pdf',
          content_type: 'application/pdf',
        });
        const registration = await register(useCases, runtime, document.document_id);
        return { id: document.document_id, registration };
      });
      expect(first.registration.provider_file_id).toMatch(/^file/);
      expect(fake.uploads.length).toBe(uploadsBefore + 1);

      const second = await lifetime(file, (useCases, runtime) =>
        register(useCases, runtime, first.id),
      );
      expect(second.provider_file_id).toBe(first.registration.provider_file_id);
      expect(fake.uploads.length).toBe(uploadsBefore + 1);
    },
  );
});
