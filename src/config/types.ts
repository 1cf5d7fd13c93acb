import type { EntityName } from '../domain/entities.js';
import type { PluginKind } from '../plugin-api/contract.js';
import type { LoadedPlugin } from '../core/plugin-loader.js';
import type { ConfigPath } from './pointer.js';

export type Role = 'api' | 'worker' | 'all';

/** A plugin instance entry: `type` names the plugin, every other key is an option. */
export interface InstanceConfig {
  readonly type: string;
  readonly [option: string]: unknown;
}

/** config.yaml after validation, with every default filled in. */
export interface JuleeConfig {
  readonly role: Role;
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly shutdown_timeout_ms: number;
  };
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly task_queue: string;
    readonly api_key?: string;
    readonly tls: boolean;
  };
  readonly repositories: Readonly<Partial<Record<EntityName | 'default', InstanceConfig>>>;
  readonly services: Readonly<Record<string, InstanceConfig>>;
  readonly auth?: InstanceConfig;
  readonly plugins: readonly string[];
  readonly logging: {
    readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
    readonly format: 'json' | 'pretty' | 'auto';
  };
  readonly telemetry: { readonly metrics: { readonly enabled: boolean } };
  readonly fixtures: {
    readonly enabled: boolean;
    readonly path?: string;
    readonly on_error: 'fail' | 'warn';
  };
  readonly extraction: {
    readonly max_parallel_queries: number;
    readonly remote_schemas: {
      readonly allowed_hosts: readonly string[];
      readonly allow_http: boolean;
      readonly timeout_ms: number;
      readonly max_bytes: number;
      readonly cache_ttl_ms: number;
    };
  };
  readonly plugin_start_timeout_ms: number;
}

/** One plugin instance the runtime will create, with its validated options. */
export interface InstancePlan {
  /** Dotted id, e.g. "repositories.document", "services.knowledge", "auth". */
  readonly id: string;
  readonly kind: PluginKind;
  readonly name: string;
  readonly entity?: EntityName;
  readonly fromDefault: boolean;
  /** Where the instance's entry is in the configuration. */
  readonly path: ConfigPath;
  readonly plugin: LoadedPlugin;
  readonly options: Readonly<Record<string, unknown>>;
  /** Paths (inside options) of secret values. */
  readonly secretPaths: readonly (readonly (string | number)[])[];
}
