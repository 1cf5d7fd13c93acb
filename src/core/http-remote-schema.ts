import type { JsonObject } from '../domain/entities.js';
import { RemoteSchemaError, type RemoteSchemaRepository } from '../domain/remote-schema.js';

export interface HttpRemoteSchemaOptions {
  /**
   * Hosts schemas may come from: `schemas.example.org` (any port), `schemas.example.org:8443`
   * (that port only) or `*.example.org` (any subdomain, not example.org itself). Empty refuses all.
   */
  readonly allowed_hosts: readonly string[];
  /** Also allow plain `http:` URLs (https only by default). */
  readonly allow_http?: boolean;
  /** Time limit of one fetch, redirects and body included, in ms. Default 10 000. */
  readonly timeout_ms?: number;
  /** Largest schema document accepted, in bytes. Default 1 MiB. */
  readonly max_bytes?: number;
  /** How long a fetched schema is reused, in ms; 0 fetches every time. Default 5 minutes. */
  readonly cache_ttl_ms?: number;
  /** Most schemas kept in the cache (least recently used go first). Default 100. */
  readonly max_cache_entries?: number;
  /** Redirects followed (each target must be allowed too). Default 3. */
  readonly max_redirects?: number;
  /** Milliseconds clock for the cache; tests pass a fake. */
  readonly now?: () => number;
}

interface CacheEntry {
  readonly schema: JsonObject;
  readonly expiresAt: number;
}

const DEFAULTS = {
  timeout_ms: 10_000,
  max_bytes: 1024 * 1024,
  cache_ttl_ms: 5 * 60_000,
  max_cache_entries: 100,
  max_redirects: 3,
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * Fetches remote JSON Schemas over HTTP(S) for bare `$ref` assembly specifications, safely: only
 * from allow-listed hosts (redirect targets included; URLs with credentials refused), within a
 * time limit and a size limit, and with a TTL cache so that an assembly does not fetch the same
 * schema again (concurrent fetches of one URL share a request). Errors are RemoteSchemaError.
 */
export class HttpRemoteSchemaRepository implements RemoteSchemaRepository {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<JsonObject>>();
  private readonly settings: Required<Omit<HttpRemoteSchemaOptions, 'now'>>;
  private readonly now: () => number;
  /** Requests made to servers (redirects count), for tests and metrics. */
  requests = 0;

  constructor(options: HttpRemoteSchemaOptions) {
    this.settings = {
      allowed_hosts: options.allowed_hosts.map((host) => host.trim().toLowerCase()),
      allow_http: options.allow_http ?? false,
      timeout_ms: options.timeout_ms ?? DEFAULTS.timeout_ms,
      max_bytes: options.max_bytes ?? DEFAULTS.max_bytes,
      cache_ttl_ms: options.cache_ttl_ms ?? DEFAULTS.cache_ttl_ms,
      max_cache_entries: options.max_cache_entries ?? DEFAULTS.max_cache_entries,
      max_redirects: options.max_redirects ?? DEFAULTS.max_redirects,
    };
    this.now = options.now ?? Date.now;
  }

  async fetch(url: string, options: { readonly signal?: AbortSignal } = {}): Promise<JsonObject> {
    const target = this.check(url);
    const key = target.href;
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.expiresAt > this.now()) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached.schema;
    }
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      // Shared by concurrent callers, so it runs under the time limit only; each caller's own
      // signal stops that caller's wait (see untilAborted), not the download.
      pending = this.download(target)
        .then((schema) => {
          this.remember(key, schema);
          return schema;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return untilAborted(pending, options.signal, safeUrl(key));
  }

  /** The URL parsed, without its fragment, when it may be fetched; else NOT_ALLOWED. */
  private check(url: string): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw this.notAllowed(url, 'it is not an absolute URL');
    }
    parsed.hash = '';
    const schemes = this.settings.allow_http ? ['https:', 'http:'] : ['https:'];
    if (!schemes.includes(parsed.protocol)) {
      throw this.notAllowed(url, `only ${schemes.join(' and ')} URLs are fetched`);
    }
    if (parsed.username !== '' || parsed.password !== '') {
      throw this.notAllowed(url, 'URLs with credentials are not fetched');
    }
    if (!this.hostAllowed(parsed)) {
      throw this.notAllowed(url, `host ${parsed.host} is not in the allowed hosts`);
    }
    return parsed;
  }

  private hostAllowed(url: URL): boolean {
    const host = url.host.toLowerCase();
    const hostname = url.hostname.toLowerCase();
    return this.settings.allowed_hosts.some((entry) => {
      if (entry.startsWith('*.')) return hostname.endsWith(entry.slice(1));
      const hasPort = /:\d+$/.test(entry) && !entry.endsWith(']');
      return hasPort ? host === entry : hostname === entry;
    });
  }

  private notAllowed(url: string, reason: string): RemoteSchemaError {
    return new RemoteSchemaError(
      'JULEE_REMOTE_SCHEMA_NOT_ALLOWED',
      `Remote schema ${safeUrl(url)} is not fetched: ${reason}`,
      { details: { url: safeUrl(url) } },
    );
  }

  private async download(start: URL): Promise<JsonObject> {
    const signal = AbortSignal.timeout(this.settings.timeout_ms);
    const shown = safeUrl(start.href);
    try {
      let target = start;
      for (let redirects = 0; ; redirects++) {
        this.requests++;
        const response = await fetch(target, {
          redirect: 'manual',
          signal,
          headers: { accept: 'application/schema+json, application/json;q=0.9' },
        });
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location !== null) {
          await response.body?.cancel();
          if (redirects >= this.settings.max_redirects) {
            throw this.failed(shown, `more than ${this.settings.max_redirects} redirects`, false);
          }
          target = this.check(new URL(location, target).href);
          continue;
        }
        if (!response.ok) {
          await response.body?.cancel();
          const retryable = response.status >= 500 || [408, 429].includes(response.status);
          throw this.failed(shown, `the server answered ${response.status}`, retryable);
        }
        return parseSchema(shown, await this.readBody(shown, response));
      }
    } catch (error) {
      if (error instanceof RemoteSchemaError) throw error;
      if (signal.aborted) {
        throw new RemoteSchemaError(
          'JULEE_REMOTE_SCHEMA_TIMEOUT',
          `Remote schema ${shown} did not arrive within ${this.settings.timeout_ms} ms`,
          { cause: error, details: { url: shown, timeout_ms: this.settings.timeout_ms } },
        );
      }
      throw this.failed(shown, `the request failed (${(error as Error).message})`, true, error);
    }
  }

  private async readBody(url: string, response: Response): Promise<Uint8Array> {
    const limit = this.settings.max_bytes;
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > limit) {
      await response.body?.cancel();
      throw this.tooLarge(url, limit);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body !== null) {
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      for (let next = await reader.read(); next.done !== true; next = await reader.read()) {
        size += next.value.byteLength;
        if (size > limit) {
          await reader.cancel();
          throw this.tooLarge(url, limit);
        }
        chunks.push(next.value);
      }
    }
    return Buffer.concat(chunks);
  }

  private tooLarge(url: string, limit: number): RemoteSchemaError {
    return new RemoteSchemaError(
      'JULEE_REMOTE_SCHEMA_TOO_LARGE',
      `Remote schema ${url} is larger than the limit of ${limit} bytes`,
      { details: { url, max_bytes: limit } },
    );
  }

  private failed(url: string, reason: string, retryable: boolean, cause?: unknown) {
    return new RemoteSchemaError(
      'JULEE_REMOTE_SCHEMA_FETCH_FAILED',
      `Remote schema ${url} could not be fetched: ${reason}`,
      { cause, retryable, details: { url } },
    );
  }

  private remember(key: string, schema: JsonObject): void {
    if (this.settings.cache_ttl_ms <= 0) return;
    this.cache.delete(key);
    this.cache.set(key, { schema, expiresAt: this.now() + this.settings.cache_ttl_ms });
    while (this.cache.size > this.settings.max_cache_entries) {
      this.cache.delete(this.cache.keys().next().value!);
    }
  }
}

/** The promise, or a CANCELLED error as soon as the signal fires. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, url: string) {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const cancelled = () =>
      reject(
        new RemoteSchemaError('JULEE_REMOTE_SCHEMA_CANCELLED', `Fetching ${url} was cancelled`, {
          cause: signal.reason,
          details: { url },
        }),
      );
    if (signal.aborted) return cancelled();
    signal.addEventListener('abort', cancelled, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', cancelled));
  });
}

/** The URL without credentials or query string, for messages. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return JSON.stringify(url.slice(0, 200));
  }
}

function parseSchema(url: string, body: Uint8Array): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    throw new RemoteSchemaError('JULEE_REMOTE_SCHEMA_INVALID', `Remote schema ${url} is not JSON`, {
      cause: error,
      details: { url },
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RemoteSchemaError(
      'JULEE_REMOTE_SCHEMA_INVALID',
      `Remote schema ${url} is not a JSON object`,
      { details: { url } },
    );
  }
  return deepFreeze(value as JsonObject);
}
