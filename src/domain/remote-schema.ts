import { JuleeError } from '../errors/julee-error.js';
import type { JsonObject } from './entities.js';

/**
 * Where assembly specifications written as a bare `{ "$ref": "<url>#<fragment>" }` get their
 * schema from. Called at every assembly (never when the specification is stored), so that a
 * published schema's fixes reach later runs; implementations may cache within limits.
 *
 * Contract: `fetch` returns the whole JSON document at `url` (the caller applies the fragment),
 * as an object that the caller must not change. It is safe to retry and may run in a workflow
 * activity. It throws RemoteSchemaError (see codes below) and never returns partial documents.
 */
export interface RemoteSchemaRepository {
  fetch(url: string, options?: { readonly signal?: AbortSignal }): Promise<JsonObject>;
}

/** The stable codes of remote-schema failures, and whether trying again may help. */
export const REMOTE_SCHEMA_ERROR_CODES = {
  /** The URL's scheme or host is not on the allow-list (or it carries credentials). */
  JULEE_REMOTE_SCHEMA_NOT_ALLOWED: { retryable: false },
  /** The server did not answer within the time limit. */
  JULEE_REMOTE_SCHEMA_TIMEOUT: { retryable: true },
  /** The document is larger than the size limit. */
  JULEE_REMOTE_SCHEMA_TOO_LARGE: { retryable: false },
  /** The server answered with an error status or could not be reached. */
  JULEE_REMOTE_SCHEMA_FETCH_FAILED: { retryable: true },
  /** The document is not JSON, or not a JSON object. */
  JULEE_REMOTE_SCHEMA_INVALID: { retryable: false },
  /** The caller cancelled the fetch. */
  JULEE_REMOTE_SCHEMA_CANCELLED: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

export type RemoteSchemaErrorCode = keyof typeof REMOTE_SCHEMA_ERROR_CODES;

/** A remote schema could not be fetched. The message names the URL, never a response body. */
export class RemoteSchemaError extends JuleeError {
  declare readonly code: RemoteSchemaErrorCode;

  constructor(
    code: RemoteSchemaErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown>; retryable?: boolean } = {},
  ) {
    super(code, message, {
      ...options,
      retryable: options.retryable ?? REMOTE_SCHEMA_ERROR_CODES[code].retryable,
    });
  }
}

/**
 * Schemas registered up front, keyed by URL (without fragment): for tests, demos and deployments
 * that ship their schemas with the configuration. An unknown URL is JULEE_REMOTE_SCHEMA_NOT_ALLOWED.
 */
export class StaticRemoteSchemaRepository implements RemoteSchemaRepository {
  private readonly schemas: Map<string, JsonObject>;
  /** The URLs asked for, in order. */
  readonly fetched: string[] = [];

  constructor(schemas: Readonly<Record<string, JsonObject>> = {}) {
    this.schemas = new Map(Object.entries(schemas));
  }

  register(url: string, schema: JsonObject): void {
    this.schemas.set(url, schema);
  }

  fetch(url: string): Promise<JsonObject> {
    this.fetched.push(url);
    const schema = this.schemas.get(url);
    if (schema === undefined) {
      return Promise.reject(
        new RemoteSchemaError(
          'JULEE_REMOTE_SCHEMA_NOT_ALLOWED',
          `No schema is registered for URL ${url}`,
          { details: { url } },
        ),
      );
    }
    return Promise.resolve(schema);
  }
}
