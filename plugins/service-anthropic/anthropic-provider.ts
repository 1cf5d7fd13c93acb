import Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  MessageCreateParamsNonStreaming,
  MessageParam,
} from '@anthropic-ai/sdk/resources/messages/messages';
import {
  createStreamingUploadFetch,
  documentKind,
  type CallDocument,
  type Document,
  type KnowledgeProvider,
  type Logger,
  type ProviderAnswer,
  type ProviderCall,
  type ProviderRegistration,
  type RegistrationMode,
  type SpooledDocument,
  type StructuredOutputDialect,
} from '../../src/plugin-api/index.js';

export interface AnthropicProviderOptions {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly requestTimeoutMs: number;
  readonly sdkMaxRetries: number;
  readonly filesApi: boolean;
  /** 'auto' decides by model name; true/false force native structured output on or off. */
  readonly nativeStructuredOutput: 'auto' | boolean;
  readonly prefill: boolean;
  readonly logger?: Logger | undefined;
}

/**
 * Models released before structured outputs (`output_config.format`): Claude 1-3.x and the first
 * Claude 4 snapshots. Newer models take the schema natively.
 */
const LEGACY_MODEL = /^claude-(instant|[123]([.-]|$)|(opus|sonnet)-4-(0|2025))/;

/** The Anthropic Messages API (and Files API) behind the provider-neutral machinery. */
export class AnthropicProvider implements KnowledgeProvider {
  readonly provider = 'anthropic';
  private readonly client: Anthropic;

  constructor(private readonly options: AnthropicProviderOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      timeout: options.requestTimeoutMs,
      // The workflow engine owns retrying; the SDK retries at most what the options allow.
      maxRetries: options.sdkMaxRetries,
      logger: sdkLogger(options.logger),
      // Uploads stream from the staged file instead of being read into memory by fetch.
      fetch: createStreamingUploadFetch(),
    });
  }

  dialect(model: string): StructuredOutputDialect | null {
    const native = this.options.nativeStructuredOutput;
    if (native === 'auto') return LEGACY_MODEL.test(model) ? null : 'anthropic';
    return native ? 'anthropic' : null;
  }

  supportsPrefill(nativeSchema: boolean): boolean {
    // Constrained decoding starts the answer itself; a prefill is refused alongside it.
    return this.options.prefill && !nativeSchema;
  }

  registrationMode(document: Document): RegistrationMode {
    const kind = documentKind(document.content_type);
    if (kind !== 'pdf' && kind !== 'text') {
      return { unsupported: 'Anthropic document blocks take PDF or plain text' };
    }
    return this.options.filesApi ? 'upload' : 'inline';
  }

  async upload(
    document: Document,
    content: SpooledDocument,
    signal: AbortSignal,
  ): Promise<ProviderRegistration> {
    // Text of any kind (JSON, Markdown, CSV) is uploaded as text/plain, the type documents take.
    const type = documentKind(document.content_type) === 'pdf' ? 'application/pdf' : 'text/plain';
    const file = await content.file(document.original_filename || document.document_id, type);
    const uploaded = await this.client.files.upload({ file }, { signal });
    return {
      provider_file_id: uploaded.id,
      metadata: { anthropic_file_id: uploaded.id, uploaded_mime_type: type },
    };
  }

  async call(call: ProviderCall): Promise<ProviderAnswer> {
    // `temperature` left the 1.x SDK's types (deprecated by the API); it is sent only when set.
    const body: MessageCreateParamsNonStreaming & { temperature?: number } = {
      model: call.model,
      max_tokens: call.maxTokens,
      messages: this.messages(call),
    };
    if (call.temperature !== undefined) body.temperature = call.temperature;
    if (call.nativeSchema) {
      body.output_config = { format: { type: 'json_schema', schema: call.nativeSchema } };
    }
    const { data, request_id } = await this.client.messages
      .create(body, { signal: call.signal, timeout: this.options.requestTimeoutMs })
      .withResponse();

    const text = data.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    const stop = data.stop_reason;
    const usage = data.usage;
    return {
      text,
      model: data.model,
      stopReason: stop,
      outcome:
        stop === 'max_tokens' || stop === 'model_context_window_exceeded'
          ? 'truncated'
          : stop === 'refusal'
            ? 'refused'
            : 'complete',
      usage: {
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        ...(typeof usage.cache_creation_input_tokens === 'number'
          ? { cache_creation_input_tokens: usage.cache_creation_input_tokens }
          : {}),
        ...(typeof usage.cache_read_input_tokens === 'number'
          ? { cache_read_input_tokens: usage.cache_read_input_tokens }
          : {}),
      },
      requestId: request_id ?? null,
    };
  }

  isMissingFile(error: unknown): boolean {
    const e = error as { status?: unknown; message?: unknown };
    return e.status === 404 && typeof e.message === 'string' && /file/i.test(e.message);
  }

  private messages(call: ProviderCall): MessageParam[] {
    const [first, ...rest] = call.turns;
    const opening: ContentBlockParam[] = call.documents.map(documentBlock);
    opening.push({ type: 'text', text: first?.text ?? '' });
    const messages: MessageParam[] = [{ role: 'user', content: opening }];
    for (const turn of rest) {
      // A trailing blank in an assistant turn is refused by the API.
      messages.push({
        role: turn.role,
        content: turn.role === 'assistant' ? turn.text.trimEnd() : turn.text,
      });
    }
    if (call.prefill !== null && call.prefill.trimEnd() !== '') {
      messages.push({ role: 'assistant', content: call.prefill.trimEnd() });
    }
    return messages;
  }
}

function documentBlock(doc: CallDocument): ContentBlockParam {
  const title = doc.filename;
  if (doc.registration.provider_file_id !== null) {
    return {
      type: 'document',
      title,
      source: { type: 'file', file_id: doc.registration.provider_file_id },
    };
  }
  const bytes = doc.bytes ?? Buffer.alloc(0);
  if (documentKind(doc.contentType) === 'pdf') {
    return {
      type: 'document',
      title,
      source: { type: 'base64', media_type: 'application/pdf', data: bytes.toString('base64') },
    };
  }
  return {
    type: 'document',
    title,
    source: { type: 'text', media_type: 'text/plain', data: bytes.toString('utf8') },
  };
}

type SdkLogFn = (message: string, ...rest: unknown[]) => void;

/**
 * The SDK's warnings and errors go to the instance's logger, never to the console. Its debug and
 * info lines describe requests (bodies included), which may hold document content: dropped.
 */
function sdkLogger(logger: Logger | undefined) {
  const to = (level: 'warn' | 'error'): SdkLogFn => {
    return (message) => logger?.[level]({ sdk: 'anthropic' }, message);
  };
  const drop: SdkLogFn = () => {};
  return { debug: drop, info: drop, warn: to('warn'), error: to('error') };
}
