import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/**
 * What a fake provider does with one model call. Shapes are provider-neutral; each fake server
 * renders them in its provider's wire format.
 */
export type FakeReply =
  | {
      readonly kind: 'text';
      readonly text: string;
      /** How the answer ended: normally, at the token limit, or by refusing. */
      readonly stop?: 'end' | 'max_tokens' | 'refusal';
      readonly delayMs?: number;
      readonly usage?: { readonly input: number; readonly output: number };
    }
  | {
      readonly kind: 'error';
      readonly status: number;
      /** The provider's error type (e.g. rate_limit_error); a sensible one per status if omitted. */
      readonly type?: string;
      /** Anthropic error.details.error_code / OpenAI error.code. */
      readonly code?: string;
      readonly message?: string;
      /** Value of the retry-after header (seconds). */
      readonly retryAfter?: string;
      /** Value of the retry-after-ms header. */
      readonly retryAfterMs?: string;
      readonly delayMs?: number;
    }
  /** Never answers; the request stays open until the client gives up. */
  | { readonly kind: 'hang' }
  /** Answers 200 with a body that is not JSON. */
  | { readonly kind: 'garbage' };

/** A request the fake received, as the SDK sent it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body, or null for other bodies. */
  readonly body: unknown;
  readonly bodyBytes: number;
  /** For multipart uploads: the file part. */
  readonly upload?: RecordedUpload;
}

export interface RecordedUpload {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** SHA-256 of the uploaded bytes, hex. */
  readonly sha256: string;
  /** The other form fields (e.g. purpose). */
  readonly fields: Readonly<Record<string, string>>;
}

export interface RouteContext {
  readonly request: RecordedRequest;
  readonly res: ServerResponse;
}

type Route = (ctx: RouteContext) => Promise<void> | void;

/**
 * A real HTTP server on 127.0.0.1 (random port) that records every request and hands model calls
 * the next scripted reply. Provider fakes add their routes and wire formats on top.
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly replies: FakeReply[] = [];
  private readonly uploadReplies: FakeReply[] = [];
  private fallback: ((request: RecordedRequest) => FakeReply) | null = null;
  private server: Server | null = null;
  private readonly routes = new Map<string, Route>();
  private counter = 0;
  private active = 0;
  /** The most requests this server has had in flight at once since the last reset. */
  maxInFlight = 0;

  /** Adds a route, "METHOD /path". */
  route(key: string, handler: Route): void {
    this.routes.set(key, handler);
  }

  async listen(): Promise<string> {
    const server = createServer((req, res) => {
      this.active++;
      this.maxInFlight = Math.max(this.maxInFlight, this.active);
      res.once('close', () => this.active--);
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake server failure: ${String(error)}`);
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Queues replies for the next model calls (in order). */
  enqueue(...replies: FakeReply[]): void {
    this.replies.push(...replies);
  }

  /** Queues replies for the next uploads; without any, uploads succeed. */
  enqueueUpload(...replies: FakeReply[]): void {
    this.uploadReplies.push(...replies);
  }

  /** Answers model calls when the queue is empty. */
  otherwise(fallback: (request: RecordedRequest) => FakeReply): void {
    this.fallback = fallback;
  }

  /** Forgets recorded requests and queued replies. */
  reset(): void {
    this.requests.length = 0;
    this.replies.length = 0;
    this.uploadReplies.length = 0;
    this.fallback = null;
    this.maxInFlight = 0;
  }

  nextReply(request: RecordedRequest): FakeReply {
    return (
      this.replies.shift() ??
      this.fallback?.(request) ?? {
        kind: 'error',
        status: 500,
        message: 'the fake server has no scripted reply for this call',
      }
    );
  }

  nextUploadReply(): FakeReply | null {
    return this.uploadReplies.shift() ?? null;
  }

  /** A new id with a prefix, unique within this server. */
  newId(prefix: string): string {
    this.counter++;
    return `${prefix}${String(this.counter).padStart(4, '0')}${randomBytes(6).toString('hex')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const contentType = headers['content-type'] ?? '';
    let recorded: RecordedRequest;
    if (contentType.startsWith('multipart/form-data')) {
      recorded = await readMultipart(req, path, headers);
    } else {
      const raw = await readBody(req);
      let body: unknown = null;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : null;
      } catch {
        body = null; // a non-JSON body is recorded as null; its size is still kept
      }
      recorded = { method: req.method ?? 'GET', path, headers, body, bodyBytes: raw.length };
    }
    this.requests.push(recorded);
    const route = this.routes.get(`${recorded.method} ${path}`);
    if (!route) {
      sendJson(res, 404, { error: { type: 'not_found_error', message: `no route ${path}` } });
      return;
    }
    await route({ request: recorded, res });
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readMultipart(
  req: IncomingMessage,
  path: string,
  headers: Record<string, string>,
): Promise<RecordedRequest> {
  let bodyBytes = 0;
  const counted = Readable.from(
    (async function* () {
      for await (const chunk of req) {
        bodyBytes += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    })(),
  );
  const request = new Request(`http://fake${path}`, {
    method: 'POST',
    headers: { 'content-type': headers['content-type'] ?? '' },
    body: Readable.toWeb(counted),
    duplex: 'half',
  });
  const form = await request.formData();
  const fields: Record<string, string> = {};
  let upload: RecordedUpload | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      fields[name] = value;
    } else {
      const bytes = Buffer.from(await value.arrayBuffer());
      upload = {
        filename: value.name,
        contentType: value.type,
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        fields,
      };
    }
  }
  return { method: 'POST', path, headers, body: null, bodyBytes, upload };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Waits `ms`, or forever for a hang; resolves false when the client went away first (the reply
 * must then not be written).
 */
export function waitUnlessGone(res: ServerResponse, ms: number | null): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve(false);
    const timer = ms === null ? null : setTimeout(() => done(true), ms);
    const onClose = () => done(false);
    const done = (alive: boolean) => {
      if (timer) clearTimeout(timer);
      res.off('close', onClose);
      resolve(alive);
    };
    res.on('close', onClose);
  });
}

/** Waits out a reply's delay (or hang); false when the client disconnected meanwhile. */
export async function delayFor(reply: FakeReply, res: ServerResponse): Promise<boolean> {
  if (reply.kind === 'hang') return waitUnlessGone(res, null);
  const delay = 'delayMs' in reply ? (reply.delayMs ?? 0) : 0;
  return delay > 0 ? waitUnlessGone(res, delay) : true;
}

/** Headers of an error reply: retry-after and retry-after-ms when scripted. */
export function retryHeaders(reply: Extract<FakeReply, { kind: 'error' }>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
  if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = reply.retryAfterMs;
  return headers;
}

/** A rough token count (4 characters a token), enough for usage figures that look real. */
export function roughTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
