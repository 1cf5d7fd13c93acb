import type { EntityName } from '../domain/entities.js';
import type { EntityRepository, DocumentRepository } from '../domain/repositories.js';
import type { KnowledgeService } from '../domain/knowledge-service.js';
import type { ObjectStore } from '../storage/object-store.js';

/**
 * The plugin contract version this runtime implements. A plugin declares the version it was
 * written against in `apiVersion`; the loader refuses any other (JULEE_PLUGIN_API_MISMATCH).
 */
export const PLUGIN_API_VERSION = 1;

/** Marks objects made by definePlugin, so that two copies of this package still recognise them. */
export const PLUGIN_BRAND = Symbol.for('julee-runtime.plugin');

export type PluginKind = 'repository' | 'service' | 'auth';
export const PLUGIN_KINDS: readonly PluginKind[] = ['repository', 'service', 'auth'];

/**
 * A JSON Schema (draft 2020-12) object. Two annotations are understood in option schemas:
 * - `"x-secret": true` marks a string whose value is never shown in logs, diagnostics or
 *   `julee config print`, and the only kind of field that may take `${file:...}` references;
 * - `"x-env": "NAME"` names an environment variable that supplies the value when the option is
 *   left out of config.yaml.
 */
export type JsonSchema = { readonly [key: string]: unknown };

/** The logger handed to plugins: pino's call shape, `log.info({ id }, 'fixed message')`. */
export interface Logger {
  trace(obj: object, msg?: string): void;
  trace(msg: string): void;
  debug(obj: object, msg?: string): void;
  debug(msg: string): void;
  info(obj: object, msg?: string): void;
  info(msg: string): void;
  warn(obj: object, msg?: string): void;
  warn(msg: string): void;
  error(obj: object, msg?: string): void;
  error(msg: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface HealthReport {
  readonly status: HealthStatus;
  /** A short human reason, required when the status is not ok. Never contains secrets. */
  readonly detail?: string;
}

/** What the runtime tells a plugin factory about the instance it is creating. */
export interface PluginContext {
  /** Where the instance sits in config.yaml, e.g. "repositories.document" or "services.knowledge". */
  readonly instanceId: string;
  /** The instance's name: the key under `services:`, the entity under `repositories:`. */
  readonly name: string;
  /** For repository plugins: the entity kind this instance stores. */
  readonly entity?: EntityName;
  /** True when the instance was made from the `repositories.default` entry. */
  readonly fromDefault?: boolean;
  /** Logger bound to this instance (its lines carry `plugin` and `instance`). */
  readonly logger: Logger;
  /** Directory of the configuration file; relative paths in options resolve against it. */
  readonly configDir: string;
}

/** Lifecycle hooks every instance may implement. */
export interface PluginInstance {
  /** Connects, checks or creates what the instance needs. Called once, before use. */
  start?(signal: AbortSignal): Promise<void>;
  /** Releases resources. Called once, in reverse start order; errors are logged, not fatal. */
  stop?(): Promise<void>;
  /** A cheap check of the instance's dependencies, for `/ready`. */
  health?(): Promise<HealthReport>;
}

export interface RepositoryPluginInstance extends PluginInstance {
  /** For the `document` entity a DocumentRepository, otherwise the entity's repository. */
  readonly repository: EntityRepository<unknown> | DocumentRepository;
  /**
   * Optional: a key-value store beside this repository's data for records the runtime keeps
   * itself, such as knowledge-service file registrations (`name` is a folder-like name). Usable
   * once the instance has started. Without it those records live in process memory only.
   */
  auxiliaryStore?(name: string): ObjectStore;
}

export interface ServicePluginInstance extends PluginInstance {
  /** Present when the service is an LLM knowledge service. */
  readonly knowledge?: KnowledgeService;
}

/** Who made an API request, as established by an auth plugin. */
export interface Principal {
  readonly subject: string;
  readonly scopes: readonly string[];
}

export interface AuthRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface AuthPluginInstance extends PluginInstance {
  /** The principal, or null when the request carries no valid credentials. */
  authenticate(request: AuthRequest): Promise<Principal | null>;
}

export interface InstanceByKind {
  repository: RepositoryPluginInstance;
  service: ServicePluginInstance;
  auth: AuthPluginInstance;
}

/** A plugin: what a plugin module exports as its default export. */
export interface PluginDefinition<
  K extends PluginKind = PluginKind,
  Options = Record<string, unknown>,
> {
  /** The plugin contract version this plugin implements (PLUGIN_API_VERSION when written). */
  readonly apiVersion: number;
  readonly kind: K;
  /** The name used as `type:` in config.yaml: lower case letters, digits and dashes. */
  readonly type: string;
  /** The plugin's own version; defaults to the version in its package.json. */
  readonly version?: string;
  readonly description?: string;
  readonly stability?: 'stable' | 'beta' | 'experimental';
  /**
   * JSON Schema of the instance options (every key beside `type`). Unknown keys should be
   * rejected (`additionalProperties: false`); defaults are applied before `create` is called.
   */
  readonly optionsSchema: JsonSchema;
  /** Builds an instance from validated options. Must not do I/O that `start` could do instead. */
  create(options: Options, context: PluginContext): InstanceByKind[K] | Promise<InstanceByKind[K]>;
}

/**
 * Declares a plugin. Returns the definition, branded so the runtime recognises it.
 *
 * @example
 * export default definePlugin({
 *   apiVersion: PLUGIN_API_VERSION,
 *   kind: 'auth',
 *   type: 'allow-all',
 *   optionsSchema: { type: 'object', additionalProperties: false },
 *   create: () => ({ authenticate: async () => ({ subject: 'anonymous', scopes: [] }) }),
 * });
 */
export function definePlugin<K extends PluginKind, Options = Record<string, unknown>>(
  definition: PluginDefinition<K, Options>,
): PluginDefinition<K, Options> {
  return Object.assign(Object.create(null) as object, definition, { [PLUGIN_BRAND]: true });
}
