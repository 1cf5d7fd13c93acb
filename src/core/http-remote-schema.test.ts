import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RemoteSchemaError } from '../domain/remote-schema.js';
import { HttpRemoteSchemaRepository, type HttpRemoteSchemaOptions } from './http-remote-schema.js';

const SCHEMA = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' };

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A local HTTP server whose routes the tests set; it counts the requests it receives. */
const routes = new Map<string, Handler>();
let requests: string[] = [];
let server: Server;
let base = '';
let port = 0;

function json(body: unknown, status = 200): Handler {
  return (_req, res) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const handler = routes.get((req.url ?? '').split('?')[0]!);
    if (handler === undefined) {
      res.writeHead(404).end();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  routes.clear();
  requests = [];
});

function repository(options: Partial<HttpRemoteSchemaOptions> = {}) {
  return new HttpRemoteSchemaRepository({
    allowed_hosts: ['127.0.0.1'],
    allow_http: true,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<RemoteSchemaError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RemoteSchemaError);
    return error as RemoteSchemaError;
  }
  throw new Error('expected the fetch to fail');
}

describe('HttpRemoteSchemaRepository', () => {
  it('fetches a schema from an allowed host', async () => {
    routes.set('/schema.json', json(SCHEMA));
    await expect(repository().fetch(`${base}/schema.json`)).resolves.toEqual(SCHEMA);
  });

  it('refuses hosts, schemes and URLs outside the allow-list without any request', async () => {
    routes.set('/schema.json', json(SCHEMA));
    const cases: [HttpRemoteSchemaRepository, string, string][] = [
      [
        repository({ allowed_hosts: ['schemas.example.org'] }),
        `${base}/schema.json`,
        'host 127.0.0.1',
      ],
      [repository({ allow_http: false }), `${base}/schema.json`, 'only https: URLs are fetched'],
      [repository({ allowed_hosts: [] }), `${base}/schema.json`, 'is not in the allowed hosts'],
      [
        repository({ allowed_hosts: [`127.0.0.1:${port + 1}`] }),
        `${base}/schema.json`,
        'not in the allowed',
      ],
      [repository(), `http://user:secret@127.0.0.1:${port}/schema.json`, 'URLs with credentials'],
      [repository(), 'file:///etc/passwd', 'only https: and http: URLs are fetched'],
      [repository(), 'not a url', 'it is not an absolute URL'],
    ];
    for (const [remote, url, reason] of cases) {
      const error = await failure(remote.fetch(url));
      expect(error.code).toBe('JULEE_REMOTE_SCHEMA_NOT_ALLOWED');
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(reason);
      expect(error.message).not.toContain('secret');
    }
    expect(requests).toEqual([]);
  });

  it('matches hosts with a port and wildcard subdomains', async () => {
    routes.set('/schema.json', json(SCHEMA));
    await expect(
      repository({ allowed_hosts: [`127.0.0.1:${port}`] }).fetch(`${base}/schema.json`),
    ).resolves.toEqual(SCHEMA);
    const wildcard = repository({ allowed_hosts: ['*.example.org'] });
    const error = await failure(wildcard.fetch('http://example.org/schema.json'));
    expect(error.code).toBe('JULEE_REMOTE_SCHEMA_NOT_ALLOWED');
  });

  it('follows a redirect only to an allowed host', async () => {
    routes.set('/moved', (_req, res) => res.writeHead(302, { location: '/schema.json' }).end());
    routes.set('/away', (_req, res) =>
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end(),
    );
    routes.set('/schema.json', json(SCHEMA));
    await expect(repository().fetch(`${base}/moved`)).resolves.toEqual(SCHEMA);
    const error = await failure(repository().fetch(`${base}/away`));
    expect(error.code).toBe('JULEE_REMOTE_SCHEMA_NOT_ALLOWED');
    expect(error.message).toContain('host 169.254.169.254 is not in the allowed hosts');
  });

  it('gives up after the time limit', async () => {
    routes.set('/slow', (_req, res) => {
      setTimeout(() => json(SCHEMA)(_req, res), 2_000);
    });
    const error = await failure(repository({ timeout_ms: 100 }).fetch(`${base}/slow`));
    expect(error.code).toBe('JULEE_REMOTE_SCHEMA_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('did not arrive within 100 ms');
  });

  it('refuses documents above the size limit, declared or streamed', async () => {
    const big = { ...SCHEMA, description: 'x'.repeat(5_000) };
    routes.set('/declared', json(big));
    routes.set('/streamed', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const text = JSON.stringify(big);
      res.write(text.slice(0, 2_000));
      setTimeout(() => res.end(text.slice(2_000)), 10);
    });
    for (const path of ['/declared', '/streamed']) {
      const error = await failure(repository({ max_bytes: 1_000 }).fetch(`${base}${path}`));
      expect(error.code).toBe('JULEE_REMOTE_SCHEMA_TOO_LARGE');
      expect(error.message).toContain('larger than the limit of 1000 bytes');
    }
  });

  it('reports error statuses, retryable for 5xx only', async () => {
    routes.set('/broken', json({ error: 'boom' }, 503));
    const broken = await failure(repository().fetch(`${base}/broken`));
    expect(broken).toMatchObject({ code: 'JULEE_REMOTE_SCHEMA_FETCH_FAILED', retryable: true });
    const missing = await failure(repository().fetch(`${base}/missing.json`));
    expect(missing).toMatchObject({ code: 'JULEE_REMOTE_SCHEMA_FETCH_FAILED', retryable: false });
    expect(missing.message).toContain('the server answered 404');
  });

  it('refuses bodies that are not a JSON object', async () => {
    routes.set('/text', (_req, res) => res.writeHead(200).end('<html>not json</html>'));
    routes.set('/list', json([1, 2]));
    for (const path of ['/text', '/list']) {
      const error = await failure(repository().fetch(`${base}${path}`));
      expect(error.code).toBe('JULEE_REMOTE_SCHEMA_INVALID');
    }
  });

  it('serves a fetched schema from its cache until the TTL runs out', async () => {
    routes.set('/schema.json', json(SCHEMA));
    let now = 1_000;
    const remote = repository({ cache_ttl_ms: 60_000, now: () => now });
    await remote.fetch(`${base}/schema.json`);
    await remote.fetch(`${base}/schema.json#/$defs/Ignored`);
    expect(requests).toEqual(['/schema.json']);
    now += 60_001;
    await remote.fetch(`${base}/schema.json`);
    expect(requests).toEqual(['/schema.json', '/schema.json']);
  });

  it('shares one request between concurrent fetches of a URL', async () => {
    routes.set('/schema.json', (req, res) => setTimeout(() => json(SCHEMA)(req, res), 30));
    const remote = repository();
    const both = await Promise.all([
      remote.fetch(`${base}/schema.json`),
      remote.fetch(`${base}/schema.json`),
    ]);
    expect(both).toEqual([SCHEMA, SCHEMA]);
    expect(requests).toHaveLength(1);
  });

  it('fetches every time when the cache is off', async () => {
    routes.set('/schema.json', json(SCHEMA));
    const remote = repository({ cache_ttl_ms: 0 });
    await remote.fetch(`${base}/schema.json`);
    await remote.fetch(`${base}/schema.json`);
    expect(requests).toHaveLength(2);
  });

  it('stops waiting when the caller cancels', async () => {
    routes.set('/slow', (req, res) => setTimeout(() => json(SCHEMA)(req, res), 2_000));
    const controller = new AbortController();
    const pending = repository().fetch(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await failure(pending);
    expect(error.code).toBe('JULEE_REMOTE_SCHEMA_CANCELLED');
  });
});
