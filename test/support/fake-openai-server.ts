import type { ServerResponse } from 'node:http';
import {
  delayFor,
  FakeHttpServer,
  retryHeaders,
  roughTokens,
  sendJson,
  type FakeReply,
  type RecordedRequest,
} from './fake-http.js';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_denied',
  404: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'requests',
  500: 'server_error',
  503: 'server_error',
};

const ERROR_CODES: Record<number, string> = {
  401: 'invalid_api_key',
  404: 'model_not_found',
  429: 'rate_limit_exceeded',
};

export interface FakeOpenAIFile {
  readonly id: string;
  readonly filename: string;
  readonly purpose: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * A local server speaking the OpenAI wire protocol under `/v1`: Chat Completions
 * (`chat.completion` objects with choices, finish_reason, refusal and usage), Responses
 * (`response` objects with output items, status/incomplete_details and usage) and Files
 * (multipart upload, purpose user_data). Errors are `{error: {message, type, param, code}}` with
 * an `x-request-id` header. Point the real SDK at `url` (which ends in /v1) with `baseURL`.
 */
export class FakeOpenAIServer extends FakeHttpServer {
  readonly files = new Map<string, FakeOpenAIFile>();
  url = '';

  static async start(): Promise<FakeOpenAIServer> {
    const server = new FakeOpenAIServer();
    server.route('POST /v1/chat/completions', ({ request, res }) => server.chat(request, res));
    server.route('POST /v1/responses', ({ request, res }) => server.responses(request, res));
    server.route('POST /v1/files', ({ request, res }) => server.upload(request, res));
    server.url = `${await server.listen()}/v1`;
    return server;
  }

  /** Model calls received (Chat Completions and Responses), in order. */
  get modelRequests(): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.path === '/v1/chat/completions' || r.path === '/v1/responses',
    );
  }

  get uploads(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/v1/files' && r.upload);
  }

  override reset(): void {
    super.reset();
    this.files.clear();
  }

  private async chat(request: RecordedRequest, res: ServerResponse): Promise<void> {
    const reply = await this.begin(request, res);
    if (!reply) return;
    const body = (request.body ?? {}) as { model?: string };
    const refusal = reply.stop === 'refusal';
    const input = reply.usage?.input ?? Math.max(1, Math.round(request.bodyBytes / 4));
    const output = reply.usage?.output ?? roughTokens(reply.text);
    sendJson(
      res,
      200,
      {
        id: this.newId('chatcmpl-'),
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? 'gpt-unknown',
        system_fingerprint: 'fp_fake',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: refusal ? null : reply.text,
              refusal: refusal ? reply.text || 'I cannot help with that.' : null,
              annotations: [],
            },
            logprobs: null,
            finish_reason: reply.stop === 'max_tokens' ? 'length' : 'stop',
          },
        ],
        usage: {
          prompt_tokens: input,
          completion_tokens: output,
          total_tokens: input + output,
          prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
        },
      },
      { 'x-request-id': this.newId('req_') },
    );
  }

  private async responses(request: RecordedRequest, res: ServerResponse): Promise<void> {
    const reply = await this.begin(request, res);
    if (!reply) return;
    const body = (request.body ?? {}) as { model?: string };
    const refusal = reply.stop === 'refusal';
    const truncated = reply.stop === 'max_tokens';
    const input = reply.usage?.input ?? Math.max(1, Math.round(request.bodyBytes / 4));
    const output = reply.usage?.output ?? roughTokens(reply.text);
    sendJson(
      res,
      200,
      {
        id: this.newId('resp_'),
        object: 'response',
        created_at: Math.floor(Date.now() / 1000),
        status: truncated ? 'incomplete' : 'completed',
        incomplete_details: truncated ? { reason: 'max_output_tokens' } : null,
        error: null,
        model: body.model ?? 'gpt-unknown',
        output: [
          {
            id: this.newId('msg_'),
            type: 'message',
            status: truncated ? 'incomplete' : 'completed',
            role: 'assistant',
            content: refusal
              ? [{ type: 'refusal', refusal: reply.text || 'I cannot help with that.' }]
              : [{ type: 'output_text', text: reply.text, annotations: [], logprobs: [] }],
          },
        ],
        parallel_tool_calls: true,
        store: false,
        tools: [],
        usage: {
          input_tokens: input,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: output,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: input + output,
        },
      },
      { 'x-request-id': this.newId('req_') },
    );
  }

  /** Waits out the reply's delay and answers errors; returns a text reply still to be sent. */
  private async begin(
    request: RecordedRequest,
    res: ServerResponse,
  ): Promise<Extract<FakeReply, { kind: 'text' }> | null> {
    const reply = this.nextReply(request);
    if (!(await delayFor(reply, res))) return null;
    if (reply.kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_garbage' });
      res.end('{"object": "chat.completion", "choices": [');
      return null;
    }
    if (reply.kind === 'error') {
      this.error(res, reply);
      return null;
    }
    return reply.kind === 'text' ? reply : null;
  }

  private async upload(request: RecordedRequest, res: ServerResponse): Promise<void> {
    const scripted = this.nextUploadReply();
    if (scripted) {
      if (!(await delayFor(scripted, res))) return;
      if (scripted.kind === 'error') return this.error(res, scripted);
    }
    const upload = request.upload;
    if (!upload || upload.fields.purpose === undefined) {
      return this.error(res, { kind: 'error', status: 400, message: 'file and purpose required' });
    }
    const file: FakeOpenAIFile = {
      id: this.newId('file-'),
      filename: upload.filename,
      purpose: upload.fields.purpose,
      size: upload.size,
      sha256: upload.sha256,
    };
    this.files.set(file.id, file);
    sendJson(
      res,
      200,
      {
        id: file.id,
        object: 'file',
        bytes: file.size,
        created_at: Math.floor(Date.now() / 1000),
        filename: file.filename,
        purpose: file.purpose,
        status: 'processed',
        expires_at: null,
        status_details: null,
      },
      { 'x-request-id': this.newId('req_') },
    );
  }

  private error(res: ServerResponse, reply: Extract<FakeReply, { kind: 'error' }>): void {
    sendJson(
      res,
      reply.status,
      {
        error: {
          message: reply.message ?? `scripted ${reply.status}`,
          type: reply.type ?? ERROR_TYPES[reply.status] ?? 'server_error',
          param: null,
          code: reply.code ?? ERROR_CODES[reply.status] ?? null,
        },
      },
      { 'x-request-id': this.newId('req_'), ...retryHeaders(reply) },
    );
  }
}
