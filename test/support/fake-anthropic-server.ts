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
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** A file uploaded to the fake Files API. */
export interface FakeAnthropicFile {
  readonly id: string;
  readonly filename: string;
  readonly mimeType: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * A local server speaking the Anthropic wire protocol: `POST /v1/messages` (Messages API, answers
 * from the script as `message` objects with content blocks, usage, stop_reason and a
 * `request-id` header; errors as `{type: "error", error: {...}}`) and `POST /v1/files` (Files API
 * multipart upload, with or without the `anthropic-beta: files-api-2025-04-14` header).
 * Point the real SDK at `url` with `baseURL`.
 */
export class FakeAnthropicServer extends FakeHttpServer {
  readonly files = new Map<string, FakeAnthropicFile>();
  url = '';

  static async start(): Promise<FakeAnthropicServer> {
    const server = new FakeAnthropicServer();
    server.route('POST /v1/messages', ({ request, res }) => server.messages(request, res));
    server.route('POST /v1/files', ({ request, res }) => server.upload(request, res));
    server.url = await server.listen();
    return server;
  }

  /** The Messages requests received, in order. */
  get messageRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/v1/messages');
  }

  /** The Files uploads received, in order. */
  get uploads(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/v1/files' && r.upload);
  }

  override reset(): void {
    super.reset();
    this.files.clear();
  }

  private async messages(request: RecordedRequest, res: ServerResponse): Promise<void> {
    if (!this.authorised(request, res)) return;
    const reply = this.nextReply(request);
    if (!(await delayFor(reply, res))) return;
    const requestId = this.newId('req_');
    if (reply.kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
      res.end('{"type": "message", "content": [');
      return;
    }
    if (reply.kind === 'error') return this.error(res, reply, requestId);
    if (reply.kind !== 'text') return;

    const body = (request.body ?? {}) as { model?: string };
    const stop =
      reply.stop === 'max_tokens'
        ? 'max_tokens'
        : reply.stop === 'refusal'
          ? 'refusal'
          : 'end_turn';
    sendJson(
      res,
      200,
      {
        id: this.newId('msg_'),
        type: 'message',
        role: 'assistant',
        model: body.model ?? 'claude-unknown',
        content: reply.text === '' ? [] : [{ type: 'text', text: reply.text }],
        stop_reason: stop,
        stop_sequence: null,
        usage: {
          input_tokens: reply.usage?.input ?? Math.max(1, Math.round(request.bodyBytes / 4)),
          output_tokens: reply.usage?.output ?? roughTokens(reply.text),
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          service_tier: 'standard',
        },
      },
      { 'request-id': requestId },
    );
  }

  private async upload(request: RecordedRequest, res: ServerResponse): Promise<void> {
    if (!this.authorised(request, res)) return;
    const scripted = this.nextUploadReply();
    if (scripted) {
      if (!(await delayFor(scripted, res))) return;
      if (scripted.kind === 'error') return this.error(res, scripted, this.newId('req_'));
    }
    const upload = request.upload;
    if (!upload) {
      return this.error(
        res,
        { kind: 'error', status: 400, message: 'file: field required' },
        this.newId('req_'),
      );
    }
    const file: FakeAnthropicFile = {
      id: this.newId('file_011'),
      filename: upload.filename,
      mimeType: upload.contentType,
      size: upload.size,
      sha256: upload.sha256,
    };
    this.files.set(file.id, file);
    sendJson(
      res,
      200,
      {
        id: file.id,
        type: 'file',
        filename: file.filename,
        mime_type: file.mimeType,
        size_bytes: file.size,
        created_at: new Date().toISOString(),
        downloadable: false,
      },
      { 'request-id': this.newId('req_') },
    );
  }

  /** Requests need an API key (x-api-key, or a bearer token as the 1.x SDK sends it). */
  private authorised(request: RecordedRequest, res: ServerResponse): boolean {
    const key =
      request.headers['x-api-key'] ?? request.headers.authorization?.replace(/^Bearer /, '');
    if (key) return true;
    this.error(
      res,
      { kind: 'error', status: 401, message: 'x-api-key header is required' },
      this.newId('req_'),
    );
    return false;
  }

  private error(
    res: ServerResponse,
    reply: Extract<FakeReply, { kind: 'error' }>,
    requestId: string,
  ): void {
    const error: Record<string, unknown> = {
      type: reply.type ?? ERROR_TYPES[reply.status] ?? 'api_error',
      message: reply.message ?? `scripted ${reply.status}`,
    };
    if (reply.code !== undefined) error.details = { error_code: reply.code };
    sendJson(
      res,
      reply.status,
      { type: 'error', error, request_id: requestId },
      {
        'request-id': requestId,
        ...retryHeaders(reply),
      },
    );
  }
}
