import OpenAI from 'openai';
import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions/completions';
import type {
  Response as OpenAIResponse,
  ResponseCreateParamsNonStreaming,
  ResponseInputContent,
  ResponseInputItem,
} from 'openai/resources/responses/responses';
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
  type TokenUsage,
} from '../../src/plugin-api/index.js';

export type OpenAIApi = 'chat_completions' | 'responses';

export interface OpenAIProviderOptions {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly api: OpenAIApi;
  readonly requestTimeoutMs: number;
  readonly sdkMaxRetries: number;
  readonly filesApi: boolean;
  readonly nativeStructuredOutput: boolean;
  readonly maxTokensField: 'max_completion_tokens' | 'max_tokens';
  readonly logger?: Logger | undefined;
}

/** The name the schema goes under in `response_format` / `text.format`. */
const SCHEMA_NAME = 'answer';

/**
 * OpenAI (Chat Completions or Responses) and any OpenAI-compatible server (vLLM, Ollama,
 * llama.cpp) behind the provider-neutral machinery.
 */
export class OpenAIProvider implements KnowledgeProvider {
  readonly provider = 'openai';
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAIProviderOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      timeout: options.requestTimeoutMs,
      maxRetries: options.sdkMaxRetries,
      logger: sdkLogger(options.logger),
      // Uploads stream from the staged file instead of being read into memory by fetch.
      fetch: createStreamingUploadFetch(),
    });
  }

  dialect(_model: string): StructuredOutputDialect | null {
    return this.options.nativeStructuredOutput ? 'openai-strict' : null;
  }

  supportsPrefill(): boolean {
    // Neither API continues a partial assistant message.
    return false;
  }

  registrationMode(document: Document): RegistrationMode {
    const kind = documentKind(document.content_type);
    if (kind === 'pdf') return this.options.filesApi ? 'upload' : 'inline';
    if (kind === 'text') return 'inline';
    return { unsupported: 'OpenAI file inputs take PDF; text types are sent as text' };
  }

  async upload(
    document: Document,
    content: SpooledDocument,
    signal: AbortSignal,
  ): Promise<ProviderRegistration> {
    const file = await content.file(
      document.original_filename || `${document.document_id}.pdf`,
      'application/pdf',
    );
    const uploaded = await this.client.files.create({ file, purpose: 'user_data' }, { signal });
    return { provider_file_id: uploaded.id, metadata: { openai_file_id: uploaded.id } };
  }

  call(call: ProviderCall): Promise<ProviderAnswer> {
    return this.options.api === 'responses' ? this.respond(call) : this.complete(call);
  }

  isMissingFile(error: unknown): boolean {
    const e = error as { status?: unknown; message?: unknown };
    return e.status === 404 && typeof e.message === 'string' && /file/i.test(e.message);
  }

  private async complete(call: ProviderCall): Promise<ProviderAnswer> {
    const [first, ...rest] = call.turns;
    const opening: ChatCompletionContentPart[] = call.documents.map(chatDocumentPart);
    opening.push({ type: 'text', text: first?.text ?? '' });
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: opening }];
    for (const turn of rest) messages.push({ role: turn.role, content: turn.text });

    const body: ChatCompletionCreateParamsNonStreaming = { model: call.model, messages };
    body[this.options.maxTokensField] = call.maxTokens;
    if (call.temperature !== undefined) body.temperature = call.temperature;
    if (call.nativeSchema) {
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: SCHEMA_NAME, schema: call.nativeSchema, strict: true },
      };
    }
    const { data, request_id } = await this.client.chat.completions
      .create(body, { signal: call.signal, timeout: this.options.requestTimeoutMs })
      .withResponse();

    const choice = data.choices[0];
    const finish = choice?.finish_reason ?? null;
    const refused = Boolean(choice?.message.refusal) || finish === 'content_filter';
    const usage = data.usage;
    return {
      text: choice?.message.content ?? '',
      model: data.model,
      stopReason: choice?.message.refusal ? 'refusal' : finish,
      outcome: refused ? 'refused' : finish === 'length' ? 'truncated' : 'complete',
      usage: tokenUsage(
        usage?.prompt_tokens,
        usage?.completion_tokens,
        usage?.prompt_tokens_details?.cached_tokens,
        usage?.completion_tokens_details?.reasoning_tokens,
      ),
      requestId: request_id ?? null,
    };
  }

  private async respond(call: ProviderCall): Promise<ProviderAnswer> {
    const [first, ...rest] = call.turns;
    const opening: ResponseInputContent[] = call.documents.map(responsesDocumentPart);
    opening.push({ type: 'input_text', text: first?.text ?? '' });
    const input: ResponseInputItem[] = [{ role: 'user', content: opening }];
    for (const turn of rest) input.push({ role: turn.role, content: turn.text });

    const body: ResponseCreateParamsNonStreaming = {
      model: call.model,
      input,
      max_output_tokens: call.maxTokens,
      // Document data is not kept at the provider.
      store: false,
    };
    if (call.temperature !== undefined) body.temperature = call.temperature;
    if (call.nativeSchema) {
      body.text = {
        format: { type: 'json_schema', name: SCHEMA_NAME, schema: call.nativeSchema, strict: true },
      };
    }
    const { data, request_id } = await this.client.responses
      .create(body, { signal: call.signal, timeout: this.options.requestTimeoutMs })
      .withResponse();

    const { text, refusal } = responseText(data);
    const reason = data.incomplete_details?.reason ?? null;
    const usage = data.usage;
    return {
      text,
      model: data.model,
      stopReason: refusal ? 'refusal' : (reason ?? data.status ?? null),
      outcome:
        refusal || reason === 'content_filter'
          ? 'refused'
          : data.status === 'incomplete'
            ? 'truncated'
            : 'complete',
      usage: tokenUsage(
        usage?.input_tokens,
        usage?.output_tokens,
        usage?.input_tokens_details?.cached_tokens,
        usage?.output_tokens_details?.reasoning_tokens,
      ),
      requestId: request_id ?? null,
    };
  }
}

function responseText(data: OpenAIResponse): { text: string; refusal: boolean } {
  let text = '';
  let refusal = false;
  for (const item of data.output ?? []) {
    if (item.type !== 'message') continue;
    for (const part of item.content) {
      if (part.type === 'output_text') text += part.text;
      else if (part.type === 'refusal') refusal = true;
    }
  }
  return { text, refusal };
}

function tokenUsage(
  input: number | undefined,
  output: number | undefined,
  cached: number | undefined,
  reasoning: number | undefined,
): TokenUsage {
  return {
    input_tokens: input ?? 0,
    output_tokens: output ?? 0,
    ...(typeof cached === 'number' ? { cache_read_input_tokens: cached } : {}),
    ...(typeof reasoning === 'number' ? { reasoning_tokens: reasoning } : {}),
  };
}

/** A text document, delimited so the model can tell it from the prompt. */
function documentText(doc: CallDocument): string {
  const body = (doc.bytes ?? Buffer.alloc(0)).toString('utf8');
  return `<document name=${JSON.stringify(doc.filename)}>\n${body}\n</document>`;
}

function pdfDataUrl(doc: CallDocument): string {
  return `data:application/pdf;base64,${(doc.bytes ?? Buffer.alloc(0)).toString('base64')}`;
}

function chatDocumentPart(doc: CallDocument): ChatCompletionContentPart {
  if (doc.registration.provider_file_id !== null) {
    return { type: 'file', file: { file_id: doc.registration.provider_file_id } };
  }
  if (documentKind(doc.contentType) === 'pdf') {
    return { type: 'file', file: { filename: doc.filename, file_data: pdfDataUrl(doc) } };
  }
  return { type: 'text', text: documentText(doc) };
}

function responsesDocumentPart(doc: CallDocument): ResponseInputContent {
  if (doc.registration.provider_file_id !== null) {
    return { type: 'input_file', file_id: doc.registration.provider_file_id };
  }
  if (documentKind(doc.contentType) === 'pdf') {
    return { type: 'input_file', filename: doc.filename, file_data: pdfDataUrl(doc) };
  }
  return { type: 'input_text', text: documentText(doc) };
}

type SdkLogFn = (message: string, ...rest: unknown[]) => void;

/** SDK warnings and errors to the instance's logger; its request-describing debug lines dropped. */
function sdkLogger(logger: Logger | undefined) {
  const to = (level: 'warn' | 'error'): SdkLogFn => {
    return (message) => logger?.[level]({ sdk: 'openai' }, message);
  };
  const drop: SdkLogFn = () => {};
  return { debug: drop, info: drop, warn: to('warn'), error: to('error') };
}
