import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import { ENTITY_NAMES, type EntityName } from '../domain/entities.js';
import type { JsonSchema, PluginKind } from '../plugin-api/contract.js';
import { builtinPluginFolders } from '../core/builtin-plugins.js';
import { loadPluginModule, type LoadedPlugin } from '../core/plugin-loader.js';
import { PluginError } from '../core/plugin-errors.js';
import { didYouMean, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { EMBEDDED_DEFAULTS_NAME, EMBEDDED_DEFAULTS_YAML } from './defaults.js';
import { convertInterpolated, interpolate, type Provenance } from './interpolate.js';
import { toDotted, toPointer, type ConfigPath } from './pointer.js';
import { schemaDiagnostics } from './schema-diagnostics.js';
import {
  applyEnvDefaults,
  createConfigAjv,
  expectedTypes,
  isSecretSchema,
  schemaAt,
  secretPaths,
  type ValidateFunction,
} from './schema-tools.js';
import { SecretValues } from './secret-values.js';
import { ConfigSource, parseConfigText } from './source.js';
import type { InstanceConfig, InstancePlan, JuleeConfig } from './types.js';

export interface LoadOptions {
  /** --config; falls back to JULEE_CONFIG, then ./config.yaml, then the embedded defaults. */
  readonly configPath?: string;
  /** --role; falls back to JULEE_ROLE, then the file. */
  readonly role?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

export interface LoadedConfiguration {
  /** The file read, or "<embedded defaults>". */
  readonly file: string;
  readonly configDir: string;
  readonly source: ConfigSource;
  /** Valid only when `ok`. */
  readonly config: JuleeConfig;
  readonly plugins: readonly LoadedPlugin[];
  readonly instances: readonly InstancePlan[];
  /** The configuration's secret values, to scrub from any text shown or logged. */
  readonly secrets: SecretValues;
  /** Every problem found, sorted by position. */
  readonly diagnostics: readonly Diagnostic[];
  readonly ok: boolean;
}

const ROLES = ['api', 'worker', 'all'];
const COMMAND_LINE = '<command line>';

/** Finds the configuration file to read; undefined means the embedded defaults. */
export function locateConfig(options: LoadOptions): { file?: string; explicit: boolean } {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.configPath ?? env.JULEE_CONFIG;
  if (explicit !== undefined && explicit !== '')
    return { file: resolve(cwd, explicit), explicit: true };
  const local = resolve(cwd, 'config.yaml');
  return existsSync(local) ? { file: local, explicit: false } : { explicit: false };
}

/**
 * Reads, interpolates and validates the configuration, loads every plugin it needs and validates
 * each plugin instance's options. `julee validate` and `julee start` both run exactly this; it
 * has no side effects beyond reading files and importing plugin modules.
 */
export async function loadConfiguration(options: LoadOptions = {}): Promise<LoadedConfiguration> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const diagnostics: Diagnostic[] = [];
  const located = locateConfig(options);

  let file = EMBEDDED_DEFAULTS_NAME;
  let text = EMBEDDED_DEFAULTS_YAML;
  let configDir = cwd;
  if (located.file !== undefined) {
    file = located.file;
    configDir = dirname(file);
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'unreadable';
      diagnostics.push({
        code: 'JULEE_CONFIG_NOT_FOUND',
        severity: 'error',
        file,
        line: 0,
        col: 0,
        path: '',
        message: `cannot read the configuration file (${reason})`,
        hint: 'pass an existing file with --config or JULEE_CONFIG, or run without one for the embedded defaults',
      });
      return failed(file, configDir, new ConfigSource(file, '', undefined), diagnostics);
    }
  }

  const parsed = parseConfigText(file, text);
  const source = parsed.source;
  diagnostics.push(...parsed.diagnostics);
  if (parsed.diagnostics.some((d) => d.severity === 'error')) {
    return failed(file, configDir, source, diagnostics);
  }
  if (source.data === null || source.data === undefined) source.data = {};
  if (typeof source.data !== 'object' || Array.isArray(source.data)) {
    diagnostics.push({
      code: 'JULEE_CONFIG_WRONG_TYPE',
      severity: 'error',
      file,
      ...source.locate([]),
      path: '',
      message: 'the configuration must be a mapping of settings',
      expected: 'a mapping',
      found: Array.isArray(source.data) ? 'a list' : `a ${typeof source.data}`,
    });
    return failed(file, configDir, source, diagnostics);
  }

  const provenance = interpolate(source, { env, baseDir: configDir }, diagnostics);
  const data = source.data as Record<string, unknown>;

  const roleOverride = options.role ?? (env.JULEE_ROLE === '' ? undefined : env.JULEE_ROLE);
  if (roleOverride !== undefined) {
    if (!ROLES.includes(roleOverride)) {
      diagnostics.push({
        code: 'JULEE_USAGE',
        severity: 'error',
        file: options.role !== undefined ? COMMAND_LINE : '<environment JULEE_ROLE>',
        line: 0,
        col: 0,
        path: 'role',
        message: 'unknown role',
        expected: 'one of api, worker, all',
        found: `"${roleOverride}"`,
      });
    } else {
      data.role = roleOverride;
    }
  }

  const core = configSchema as JsonSchema;
  applyEnvDefaults(core, data, env, (path, variable) => {
    provenance.set(toPointer(path), { refs: [`env:${variable}`], whole: true, fromFile: false });
  });
  convertValues(core, data, [], provenance);
  checkFileReferences(core, data, [], provenance, source, diagnostics);

  const ajv = createConfigAjv();
  const validateCore = ajv.compile(core);
  if (!validateCore(data)) {
    diagnostics.push(
      ...schemaDiagnostics(validateCore.errors ?? [], {
        source,
        basePath: [],
        schema: core,
        provenance,
      }),
    );
  }
  const config = data as unknown as JuleeConfig;
  if (diagnostics.some((d) => d.severity === 'error' && d.path.split(/[.[]/)[0] === 'plugins')) {
    return failed(file, configDir, source, diagnostics, config);
  }

  const plugins = await loadAllPlugins(config, source, configDir, diagnostics);
  const validators = new Map<LoadedPlugin, ValidateFunction | undefined>();
  const validatorFor = (plugin: LoadedPlugin): ValidateFunction | undefined => {
    if (!validators.has(plugin)) {
      try {
        validators.set(plugin, ajv.compile(plugin.definition.optionsSchema));
      } catch (error) {
        validators.set(plugin, undefined);
        const index = (config.plugins ?? []).indexOf(plugin.specifier);
        diagnostics.push({
          code: 'JULEE_PLUGIN_INVALID',
          severity: 'error',
          file: plugin.source === 'builtin' ? '<built-in plugins>' : file,
          ...(index >= 0 ? source.locate(['plugins', index]) : { line: 0, col: 0 }),
          path: index >= 0 ? `plugins[${index}]` : '',
          message: `${plugin.kind} plugin "${plugin.type}" (${plugin.specifier}) has an invalid options schema: ${(error as Error).message}`,
        });
      }
    }
    return validators.get(plugin);
  };

  const instances: InstancePlan[] = [];
  const plan = (
    kind: PluginKind,
    path: ConfigPath,
    name: string,
    extra: { entity?: EntityName; fromDefault?: boolean } = {},
  ): void => {
    const entry = getAt(data, path) as InstanceConfig | undefined;
    if (
      entry === undefined ||
      entry === null ||
      typeof entry !== 'object' ||
      typeof entry.type !== 'string'
    ) {
      return; // the envelope check has reported it
    }
    const plugin = findPlugin(plugins, kind, entry.type, path, source, diagnostics);
    if (!plugin) return;
    const validate = validatorFor(plugin);
    const { type: _type, ...rest } = entry;
    const pluginOptions = structuredClone(rest) as Record<string, unknown>;
    const schema = plugin.definition.optionsSchema;
    const existing = instances.find((i) => i.path === path && i.plugin === plugin);
    if (existing) {
      instances.push({ ...existing, id: `repositories.${name}`, name, ...extra });
      return;
    }
    applyEnvDefaults(schema, pluginOptions, env, (p, variable) => {
      provenance.set(toPointer([...path, ...p]), {
        refs: [`env:${variable}`],
        whole: true,
        fromFile: false,
      });
    });
    convertValues(schema, pluginOptions, path, provenance);
    checkFileReferences(schema, pluginOptions, path, provenance, source, diagnostics);
    if (validate && !validate(pluginOptions)) {
      diagnostics.push(
        ...schemaDiagnostics(validate.errors ?? [], {
          source,
          basePath: path,
          schema,
          provenance,
          subject: `${kind} plugin "${plugin.type}"`,
        }),
      );
    }
    instances.push({
      id: extra.entity ? `repositories.${name}` : toDotted(path),
      kind,
      name,
      ...extra,
      fromDefault: extra.fromDefault ?? false,
      path,
      plugin,
      options: pluginOptions,
      secretPaths: secretPaths(schema, pluginOptions),
    });
  };

  const repositories = config.repositories ?? {};
  for (const entity of ENTITY_NAMES) {
    if (repositories[entity] !== undefined) {
      plan('repository', ['repositories', entity], entity, { entity });
    } else if (repositories.default !== undefined) {
      plan('repository', ['repositories', 'default'], entity, { entity, fromDefault: true });
    } else {
      data.repositories = { ...repositories, default: { type: 'filesystem' } };
      source.remember(['repositories', 'default'], source.locate(['repositories']));
      plan('repository', ['repositories', 'default'], entity, { entity, fromDefault: true });
      data.repositories = repositories;
    }
  }
  for (const name of Object.keys(config.services ?? {})) {
    plan('service', ['services', name], name);
  }
  if (config.auth !== undefined) plan('auth', ['auth'], 'auth');

  diagnostics.push(...roleWarnings(config, instances, source));
  diagnostics.push(...availabilityProblems(config, configDir, source));
  const secrets = collectSecrets(core, data, instances, provenance, env);
  // A value whose reference could not be resolved is reported once, as the reference problem.
  const unresolved = new Set(
    diagnostics.filter((d) => d.code === 'JULEE_CONFIG_ENV').map((d) => d.path),
  );
  const sorted = sortDiagnostics(
    diagnostics
      .filter((d) => d.code === 'JULEE_CONFIG_ENV' || !unresolved.has(d.path))
      .map((d) => secrets.scrubDiagnostic(d)),
  );
  return {
    file,
    configDir,
    source,
    config,
    plugins,
    instances,
    secrets,
    diagnostics: sorted,
    ok: !sorted.some((d) => d.severity === 'error'),
  };
}

function failed(
  file: string,
  configDir: string,
  source: ConfigSource,
  diagnostics: Diagnostic[],
  config: JuleeConfig = {} as JuleeConfig,
): LoadedConfiguration {
  return {
    file,
    configDir,
    source,
    config,
    plugins: [],
    instances: [],
    secrets: new SecretValues(),
    diagnostics: sortDiagnostics(diagnostics),
    ok: false,
  };
}

function getAt(data: unknown, path: ConfigPath): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[String(segment)];
  }
  return current;
}

/** Converts interpolated strings to the type their schema expects (numbers, booleans). */
function convertValues(
  schema: JsonSchema,
  data: Record<string, unknown>,
  basePath: ConfigPath,
  provenance: ReadonlyMap<string, Provenance>,
): void {
  const prefix = toPointer(basePath);
  for (const [pointer, origin] of provenance) {
    if (!origin.whole || !pointer.startsWith(prefix + '/')) continue;
    const relative = pointer
      .slice(prefix.length + 1)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const sub = schemaAt(schema, relative);
    if (!sub) continue;
    const parent = getAt(data, relative.slice(0, -1));
    const key = relative[relative.length - 1]!;
    if (parent === null || typeof parent !== 'object') continue;
    const current = (parent as Record<string, unknown>)[key];
    if (typeof current === 'string') {
      (parent as Record<string, unknown>)[key] = convertInterpolated(current, expectedTypes(sub));
    }
  }
}

/** `${file:...}` is meant for mounted secrets: only fields marked secret may use it. */
function checkFileReferences(
  schema: JsonSchema,
  data: Record<string, unknown>,
  basePath: ConfigPath,
  provenance: ReadonlyMap<string, Provenance>,
  source: ConfigSource,
  diagnostics: Diagnostic[],
): void {
  const prefix = toPointer(basePath);
  for (const [pointer, origin] of provenance) {
    if (!origin.fromFile || !pointer.startsWith(prefix + '/')) continue;
    const relative = pointer
      .slice(prefix.length + 1)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const sub = schemaAt(schema, relative);
    if (sub === undefined || isSecretSchema(sub)) continue;
    if (basePath.length === 0 && ['repositories', 'services', 'auth'].includes(relative[0]!))
      continue;
    const path = [...basePath, ...relative];
    diagnostics.push({
      code: 'JULEE_CONFIG_SECRET_MISPLACED',
      severity: 'error',
      file: source.file,
      ...source.locate(path),
      path: toDotted(path),
      message: 'a ${file:...} secret reference is used on a setting that is not a secret',
      hint: 'file references are for secrets mounted as files (API keys, passwords); write this value directly or use ${VAR}',
    });
    void getAt(data, relative);
  }
}

async function loadAllPlugins(
  config: JuleeConfig,
  source: ConfigSource,
  configDir: string,
  diagnostics: Diagnostic[],
): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  const report = (error: unknown, path: ConfigPath): void => {
    const known = error instanceof PluginError;
    diagnostics.push({
      code: known ? error.code : 'JULEE_PLUGIN_LOAD_FAILED',
      severity: 'error',
      file: path.length === 0 ? '<built-in plugins>' : source.file,
      ...(path.length === 0 ? { line: 0, col: 0 } : source.locate(path)),
      path: toDotted(path),
      message: known ? error.message : `plugin failed to load: ${String(error)}`,
    });
  };
  for (const folder of builtinPluginFolders()) {
    try {
      loaded.push(...(await loadPluginModule(folder.path, configDir, 'builtin')));
    } catch (error) {
      report(error, []);
    }
  }
  const specifiers = config.plugins ?? [];
  for (const [index, specifier] of specifiers.entries()) {
    try {
      const isPath = /^(\.{1,2}(\/|$)|\/|file:)/.test(specifier);
      loaded.push(...(await loadPluginModule(specifier, configDir, isPath ? 'path' : 'package')));
    } catch (error) {
      report(error, ['plugins', index]);
    }
  }
  const byKey = new Map<string, LoadedPlugin>();
  for (const plugin of loaded) {
    const key = `${plugin.kind}/${plugin.type}`;
    const previous = byKey.get(key);
    if (previous) {
      const index = specifiers.indexOf(plugin.specifier);
      diagnostics.push({
        code: 'JULEE_PLUGIN_DUPLICATE',
        severity: 'error',
        file: source.file,
        ...(index >= 0 ? source.locate(['plugins', index]) : { line: 0, col: 0 }),
        path: index >= 0 ? `plugins[${index}]` : '',
        message: `${plugin.kind} plugin type "${plugin.type}" is provided twice: by ${previous.specifier} and by ${plugin.specifier}`,
        hint: 'remove one of them, or give the third-party plugin another type name',
      });
      continue;
    }
    byKey.set(key, plugin);
  }
  return [...byKey.values()];
}

function findPlugin(
  plugins: readonly LoadedPlugin[],
  kind: PluginKind,
  type: string,
  path: ConfigPath,
  source: ConfigSource,
  diagnostics: Diagnostic[],
): LoadedPlugin | undefined {
  const found = plugins.find((p) => p.kind === kind && p.type === type);
  if (found) return found;
  const sameKind = plugins
    .filter((p) => p.kind === kind)
    .map((p) => p.type)
    .sort();
  const otherKind = plugins.find((p) => p.type === type);
  const suggestion = didYouMean(type, sameKind);
  const typePath = [...path, 'type'];
  const where = source.locate(typePath);
  if (
    diagnostics.some(
      (d) =>
        d.code === 'JULEE_CONFIG_UNKNOWN_PLUGIN_TYPE' &&
        d.line === where.line &&
        d.col === where.col,
    )
  ) {
    return undefined;
  }
  diagnostics.push({
    code: 'JULEE_CONFIG_UNKNOWN_PLUGIN_TYPE',
    severity: 'error',
    file: source.file,
    ...where,
    path: toDotted(typePath),
    message: otherKind
      ? `"${type}" is a ${otherKind.kind} plugin, not a ${kind} plugin`
      : `no ${kind} plugin of type "${type}" is installed`,
    expected:
      sameKind.length > 0
        ? `one of ${sameKind.join(', ')}`
        : `a ${kind} plugin (none is installed)`,
    found: `"${type}"`,
    ...(suggestion
      ? { hint: `did you mean "${suggestion}"?` }
      : { hint: 'third-party plugins are listed under `plugins:` by package name or path' }),
  });
  return undefined;
}

/** Configurations that validate but cannot work as the role split implies. */
function roleWarnings(
  config: JuleeConfig,
  instances: readonly InstancePlan[],
  source: ConfigSource,
): Diagnostic[] {
  if (config.role === 'all') return [];
  return instances
    .filter((i) => i.kind === 'repository' && i.plugin.type === 'memory' && !i.fromDefault)
    .concat(
      instances
        .filter((i) => i.kind === 'repository' && i.plugin.type === 'memory' && i.fromDefault)
        .slice(0, 1),
    )
    .map((i) => ({
      code: 'JULEE_CONFIG_ROLE_SPLIT',
      severity: 'warning' as const,
      file: source.file,
      ...source.locate([...i.path, 'type']),
      path: toDotted([...i.path, 'type']),
      message: `memory storage is private to one process: with role "${config.role}", the ${config.role === 'api' ? 'worker' : 'api'} process will not see this data`,
      hint: 'use filesystem (shared volume), s3 or minio storage when api and worker run as separate processes',
    }));
}

/** Environment variable names that hold credentials, whatever setting they are used in. */
const SECRET_VARIABLE = /(KEY|SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL)/;

function collectSecrets(
  core: JsonSchema,
  data: Record<string, unknown>,
  instances: readonly InstancePlan[],
  provenance: ReadonlyMap<string, Provenance>,
  env: Readonly<Record<string, string | undefined>>,
): SecretValues {
  const secrets = new SecretValues();
  for (const path of secretPaths(core, data)) secrets.add(getAt(data, path));
  for (const plan of instances) {
    for (const path of plan.secretPaths) secrets.add(getAt(plan.options, path));
  }
  for (const origin of provenance.values()) {
    for (const ref of origin.refs) {
      const name = ref.startsWith('env:') ? ref.slice('env:'.length) : undefined;
      if (name !== undefined && SECRET_VARIABLE.test(name)) secrets.add(env[name]);
    }
  }
  return secrets;
}

/**
 * What start would refuse although the schema accepts it, so that validate refuses it too: a role
 * this version cannot run, a fixtures folder that is not there.
 */
function availabilityProblems(
  config: JuleeConfig,
  configDir: string,
  source: ConfigSource,
): Diagnostic[] {
  const problems: Diagnostic[] = [];
  if (config.role === 'worker') {
    problems.push({
      code: 'JULEE_CONFIG_ROLE_UNAVAILABLE',
      severity: 'error',
      file: source.file,
      ...source.locate(['role']),
      path: 'role',
      message: 'the worker role is not available in this version',
      expected: 'api or all',
      found: '"worker"',
    });
  }
  const fixtures = config.fixtures;
  if (fixtures?.enabled === true && fixtures.path !== undefined) {
    const directory = resolve(configDir, fixtures.path);
    if (!existsSync(directory) || !statSync(directory).isDirectory()) {
      problems.push({
        code: 'JULEE_CONFIG_INVALID_VALUE',
        severity: 'error',
        file: source.file,
        ...source.locate(['fixtures', 'path']),
        path: 'fixtures.path',
        message: `no fixtures folder at ${directory}`,
        hint: 'leave `path` out for the built-in demo fixtures, or set `enabled: false`',
      });
    }
  }
  return problems;
}
