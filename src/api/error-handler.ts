import type { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger as PinoLogger } from 'pino';
import { JuleeError } from '../errors/julee-error.js';

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  JULEE_INPUT_INVALID: 422,
  JULEE_NOT_FOUND: 404,
  JULEE_CONFLICT: 409,
  JULEE_NOT_ALLOWED: 403,
  JULEE_AUTHENTICATION: 401,
  JULEE_STORAGE_INTEGRITY: 500,
  JULEE_STORAGE_FAILED: 503,
};

/**
 * The one place where errors become HTTP responses: `{ detail, code }` as Julee clients expect.
 * Unexpected errors are logged once here and answered with a generic 500.
 */
export function registerErrorHandling(app: Hono, logger: PinoLogger): void {
  app.notFound((c) =>
    c.json({ detail: `No route for ${c.req.method} ${c.req.path}`, code: 'JULEE_NOT_FOUND' }, 404),
  );
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      return c.json({ detail: error.message, code: 'JULEE_HTTP' }, error.status);
    }
    if (error instanceof JuleeError) {
      const status = STATUS_BY_CODE[error.code] ?? 500;
      if (status >= 500) logger.error({ err: error, path: c.req.path }, 'request failed');
      return c.json(
        {
          detail: status >= 500 && status !== 503 ? 'Internal error' : error.message,
          code: error.code,
        },
        status as 500,
      );
    }
    logger.error({ err: error, path: c.req.path }, 'request failed');
    return c.json({ detail: 'Internal error', code: 'JULEE_INTERNAL' }, 500);
  });
}
