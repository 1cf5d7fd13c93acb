import { createHash, timingSafeEqual } from 'node:crypto';
import {
  definePlugin,
  PLUGIN_API_VERSION,
  type AuthRequest,
  type Principal,
} from '../../src/plugin-api/index.js';

interface ApiKeyOptions {
  readonly keys: readonly {
    readonly name: string;
    readonly key: string;
    readonly scopes: readonly string[];
  }[];
  readonly header: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Static API keys, sent as `Authorization: Bearer <key>` or in a configurable header. */
export default definePlugin<'auth', ApiKeyOptions>({
  apiVersion: PLUGIN_API_VERSION,
  kind: 'auth',
  type: 'api-key',
  description: 'Static API keys (Authorization: Bearer <key>, or a custom header)',
  stability: 'beta',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['keys'],
    properties: {
      keys: {
        description: 'Accepted keys; `name` identifies the caller in logs.',
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'key'],
          properties: {
            name: { type: 'string', minLength: 1 },
            key: { type: 'string', minLength: 16, 'x-secret': true },
            scopes: { type: 'array', items: { type: 'string' }, default: [] },
          },
        },
      },
      header: {
        description: 'Header that may carry the key instead of Authorization: Bearer.',
        type: 'string',
        default: 'x-api-key',
      },
    },
  },
  create(options) {
    // Keys are compared by digest, in constant time, so neither timing nor logs reveal them.
    const known = options.keys.map((k) => ({
      name: k.name,
      scopes: k.scopes,
      digest: digest(k.key),
    }));
    const header = options.header.toLowerCase();
    return {
      authenticate(request: AuthRequest): Promise<Principal | null> {
        const authorization = request.headers.authorization;
        const presented =
          authorization !== undefined && /^bearer\s+/i.test(authorization)
            ? authorization.replace(/^bearer\s+/i, '').trim()
            : request.headers[header];
        if (presented === undefined || presented === '') return Promise.resolve(null);
        const candidate = digest(presented);
        const match = known.find((k) => timingSafeEqual(k.digest, candidate));
        return Promise.resolve(match ? { subject: match.name, scopes: match.scopes } : null);
      },
    };
  },
});
