import { Readable } from 'node:stream';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import {
  multihashOf,
  type ByteSource,
  type Document,
  type Logger,
  type PluginContext,
  type PluginDefinition,
} from '../../src/plugin-api/index.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A logger that keeps its lines, so tests can check what a plugin logged. */
export function recordingLogger(
  lines: { level: string; obj: unknown; msg?: string }[] = [],
): Logger & { lines: typeof lines } {
  const log = (level: string) => (obj: object | string, msg?: string) => {
    lines.push(typeof obj === 'string' ? { level, obj: {}, msg: obj } : { level, obj, msg });
  };
  const logger = {
    lines,
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return logger;
}

/** The context the runtime gives a plugin factory, for an instance under `services:`. */
export function fakePluginContext(name: string, configDir = process.cwd()): PluginContext {
  return { instanceId: `services.${name}`, name, logger: recordingLogger(), configDir };
}

/**
 * Validates raw options against a plugin's schema the way the configuration loader does (strict
 * schema, every error, defaults filled in) and returns them typed for `create`.
 */
export function validOptions<O>(
  plugin: PluginDefinition<'service', O>,
  raw: Record<string, unknown>,
): O {
  const ajv = new Ajv2020({
    allErrors: true,
    useDefaults: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
  });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-secret', schemaType: ['boolean'] });
  ajv.addKeyword({ keyword: 'x-env', schemaType: ['string'] });
  ajv.addKeyword({ keyword: 'x-deprecated', schemaType: ['string', 'boolean'] });
  const validate = ajv.compile(plugin.optionsSchema);
  const data = structuredClone(raw);
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
    throw new Error(`invalid ${plugin.type} options: ${problems.join('; ')}`);
  }
  return data as O;
}

/** A document record and a stream of its bytes (in 64 KiB chunks), as a repository gives them. */
export function fakeDocument(
  content: Uint8Array | string,
  options: { id?: string; contentType?: string; filename?: string } = {},
): { document: Document; openContent: () => Promise<ByteSource>; bytes: Buffer } {
  const bytes = Buffer.from(content);
  const document: Document = {
    document_id: options.id ?? `doc-${multihashOf(bytes).slice(4, 16)}`,
    original_filename: options.filename ?? 'document.pdf',
    content_type: options.contentType ?? 'application/pdf',
    size_bytes: bytes.length,
    content_multihash: multihashOf(bytes),
    status: 'captured',
    knowledge_service_id: null,
    assembly_types: [],
    additional_metadata: {},
    created_at: null,
    updated_at: null,
  };
  const openContent = () => Promise.resolve(Readable.from([...chunksOf(bytes)]));
  return { document, openContent, bytes };
}

function* chunksOf(bytes: Buffer, size = 64 * 1024): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) {
    yield bytes.subarray(offset, offset + size);
  }
}
