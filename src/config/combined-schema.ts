import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import type { LoadedPlugin } from '../core/plugin-loader.js';
import type { JsonSchema, PluginKind } from '../plugin-api/contract.js';

/**
 * One JSON Schema for config.yaml covering this runtime and the plugins it can load, for editors
 * (yaml-language-server). The runtime itself validates each instance against its plugin's schema.
 */
export function combinedSchema(plugins: readonly LoadedPlugin[]): JsonSchema {
  const schema = structuredClone(configSchema) as Record<string, unknown> & {
    $defs: Record<string, unknown>;
  };
  for (const kind of ['repository', 'service', 'auth'] as PluginKind[]) {
    const ofKind = plugins.filter((p) => p.kind === kind);
    schema.$defs[`${kind}_instance`] = {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ofKind.map((p) => p.type) } },
      allOf: ofKind.map((p) => {
        const {
          $schema: _s,
          $id: _i,
          ...options
        } = p.definition.optionsSchema as Record<string, unknown>;
        const properties = (options.properties ?? {}) as Record<string, unknown>;
        return {
          if: { properties: { type: { const: p.type } } },
          then: {
            ...options,
            description: p.definition.description ?? `${kind} plugin ${p.type}`,
            properties: { ...properties, type: { const: p.type } },
          },
        };
      }),
    };
  }
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  const repositories = properties.repositories!.properties as Record<string, unknown>;
  for (const key of Object.keys(repositories))
    repositories[key] = { $ref: '#/$defs/repository_instance' };
  properties.services!.additionalProperties = { $ref: '#/$defs/service_instance' };
  properties.auth = { ...properties.auth, $ref: '#/$defs/auth_instance' };
  return schema;
}
