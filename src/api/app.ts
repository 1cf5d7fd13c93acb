import { Hono } from 'hono';
import type { Logger as PinoLogger } from 'pino';
import type { InstanceHealth } from '../core/runtime.js';
import type { AuthPluginInstance } from '../plugin-api/contract.js';
import { registerErrorHandling } from './error-handler.js';

export interface AppDependencies {
  readonly logger: PinoLogger;
  readonly version: string;
  readonly role: string;
  /** Health of every plugin instance. */
  readonly health: () => Promise<readonly InstanceHealth[]>;
  /** False once shutdown has begun, so load balancers stop sending traffic. */
  readonly accepting: () => boolean;
  /** The auth plugin instance; without one the API is open. */
  readonly auth?: AuthPluginInstance;
}

/** Probes must keep working without credentials. */
const OPEN_PATHS = new Set(['/health', '/ready', '/metrics']);

/** The REST API. Routes are added here as the API grows; errors map to HTTP in one place. */
export function createApp(deps: AppDependencies): Hono {
  const app = new Hono();
  const startedAt = Date.now();

  app.use(async (c, next) => {
    const begun = performance.now();
    await next();
    deps.logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - begun) * 10) / 10,
      },
      'request',
    );
  });

  const auth = deps.auth;
  if (auth) {
    app.use(async (c, next) => {
      if (OPEN_PATHS.has(c.req.path)) return next();
      const headers: Record<string, string> = {};
      c.req.raw.headers.forEach((value, key) => {
        headers[key] = value;
      });
      const principal = await auth.authenticate({
        method: c.req.method,
        path: c.req.path,
        headers,
      });
      if (!principal) {
        return c.json(
          { detail: 'Missing or invalid credentials', code: 'JULEE_AUTHENTICATION' },
          401,
          {
            'WWW-Authenticate': 'Bearer',
          },
        );
      }
      c.set('principal' as never, principal as never);
      return next();
    });
  }

  app.get('/health', (c) =>
    c.json({
      status: 'healthy',
      timestamp: new Date().toISOString(),
      version: deps.version,
      role: deps.role,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
    }),
  );

  app.get('/ready', async (c) => {
    const instances = await deps.health();
    const accepting = deps.accepting();
    const down = instances.filter((i) => i.status === 'down');
    const ready = accepting && down.length === 0;
    return c.json(
      {
        status: ready ? 'ready' : 'not_ready',
        ...(accepting ? {} : { detail: 'shutting down' }),
        timestamp: new Date().toISOString(),
        instances: instances.map((i) => ({
          id: i.id,
          plugin: i.plugin,
          status: i.status,
          ...(i.detail === undefined ? {} : { detail: i.detail }),
        })),
      },
      ready ? 200 : 503,
    );
  });

  registerErrorHandling(app, deps.logger);
  return app;
}
