import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStreamingUploadFetch } from './streaming-upload-fetch.js';

let server: Server;
let url: string;
let last: { headers: IncomingMessage['headers']; bytes: number } | null = null;

describe('createStreamingUploadFetch', () => {
  beforeAll(async () => {
    server = createServer((req, res) => {
      void (async () => {
        if (req.url === '/hang') return; // never answers
        const request = new Request('http://x/', {
          method: 'POST',
          headers: req.headers as Record<string, string>,
          body: Buffer.concat(await req.toArray()),
        });
        const raw = await request.clone().arrayBuffer();
        last = { headers: req.headers, bytes: raw.byteLength };
        const form = await request.formData();
        const file = form.get('file') as File;
        const digest = createHash('sha256')
          .update(Buffer.from(await file.arrayBuffer()))
          .digest('hex');
        res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req_9' });
        res.end(
          JSON.stringify({
            purpose: form.get('purpose'),
            name: file.name,
            type: file.type,
            digest,
          }),
        );
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a FormData body as multipart with an exact Content-Length', async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 9);
    const form = new FormData();
    form.append('purpose', 'user_data');
    form.append('file', new File([bytes], 'a "quoted".pdf', { type: 'application/pdf' }));
    const response = await createStreamingUploadFetch()(`${url}/v1/files`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
      body: form,
    });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req_9');
    expect(await response.json()).toEqual({
      purpose: 'user_data',
      name: 'a "quoted".pdf',
      type: 'application/pdf',
      digest: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(Number(last!.headers['content-length'])).toBe(last!.bytes);
    expect(last!.headers.authorization).toBe('Bearer k');
  });

  it('leaves every other request to the base fetch', async () => {
    const seen: string[] = [];
    const base = (input: string | URL | Request) => {
      seen.push(input instanceof Request ? input.url : input.toString());
      return Promise.resolve(new Response('ok'));
    };
    await createStreamingUploadFetch(base)(`${url}/v1/messages`, { method: 'POST', body: '{}' });
    expect(seen).toEqual([`${url}/v1/messages`]);
  });

  it('stops when the signal fires', async () => {
    const form = new FormData();
    form.append('file', new File(['x'], 'x.txt'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      createStreamingUploadFetch()(`${url}/hang`, {
        method: 'POST',
        body: form,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
