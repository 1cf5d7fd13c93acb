import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The fetch signature the provider SDKs accept as their `fetch` option. */
export type FetchFunction = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A fetch for provider SDKs that sends multipart (FormData) bodies through node:http(s), streaming
 * each file from its Blob with backpressure and an exact Content-Length. Every other request goes
 * to `base` (the global fetch). Node's fetch (undici) reads a request body into memory however it
 * is supplied (nodejs/undici#4058), so a large upload would otherwise cost its size in RSS.
 */
export function createStreamingUploadFetch(base: FetchFunction = fetch): FetchFunction {
  return (input, init) => {
    if (!(init?.body instanceof FormData) || input instanceof Request) return base(input, init);
    return sendMultipart(new URL(String(input)), init, init.body);
  };
}

interface Part {
  readonly head: Buffer;
  readonly blob: Blob | null;
}

function quoted(value: string): string {
  return value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function multipart(form: FormData): {
  parts: Part[];
  tail: Buffer;
  boundary: string;
  length: number;
} {
  const boundary = `----julee${randomBytes(12).toString('hex')}`;
  const parts: Part[] = [];
  let length = 0;
  let first = true;
  for (const [name, value] of form.entries()) {
    const lead = `${first ? '' : '\r\n'}--${boundary}\r\n`;
    first = false;
    if (typeof value === 'string') {
      const head = Buffer.from(
        `${lead}Content-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}`,
      );
      parts.push({ head, blob: null });
      length += head.length;
    } else {
      const type = value.type || 'application/octet-stream';
      const head = Buffer.from(
        `${lead}Content-Disposition: form-data; name="${quoted(name)}"; ` +
          `filename="${quoted(value.name)}"\r\nContent-Type: ${type}\r\n\r\n`,
      );
      parts.push({ head, blob: value });
      length += head.length + value.size;
    }
  }
  const tail = Buffer.from(`${first ? '' : '\r\n'}--${boundary}--\r\n`);
  return { parts, tail, boundary, length: length + tail.length };
}

async function* bodyOf(parts: readonly Part[], tail: Buffer): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    yield part.head;
    if (part.blob) {
      // One chunk at a time, as the socket drains.
      for await (const chunk of part.blob.stream()) yield chunk as Uint8Array;
    }
  }
  yield tail;
}

async function sendMultipart(url: URL, init: RequestInit, form: FormData): Promise<Response> {
  const { parts, tail, boundary, length } = multipart(form);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  delete headers['transfer-encoding'];
  headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
  headers['content-length'] = String(length);

  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = send(url, {
      method: init.method ?? 'POST',
      headers,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    request.once('response', resolve);
    request.once('error', reject);
    pipeline(Readable.from(bodyOf(parts, tail)), request).catch(reject);
  });

  const responseHeaders = new Headers();
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
    responseHeaders.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
  }
  const status = response.statusCode ?? 502;
  const body = NULL_BODY_STATUSES.has(status) ? null : (Readable.toWeb(response) as ReadableStream);
  return new Response(body, {
    status,
    statusText: response.statusMessage ?? '',
    headers: responseHeaders,
  });
}
