import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve as resolveModule } from 'import-meta-resolve';
import {
  PLUGIN_API_VERSION,
  PLUGIN_KINDS,
  type PluginDefinition,
  type PluginKind,
} from '../plugin-api/contract.js';
import { causeChain, PluginError } from './plugin-errors.js';

export type PluginSource = 'builtin' | 'path' | 'package';

/** A plugin definition together with where it came from. */
export interface LoadedPlugin {
  readonly definition: PluginDefinition;
  readonly kind: PluginKind;
  readonly type: string;
  readonly version: string;
  readonly source: PluginSource;
  /** The specifier as written in config.yaml (or the built-in folder name). */
  readonly specifier: string;
  /** The file the plugin was imported from. */
  readonly file: string;
}

const TYPE_PATTERN = /^[a-z][a-z0-9-]*$/;

function isPathSpecifier(specifier: string): boolean {
  return (
    specifier.startsWith('./') ||
    specifier.startsWith('../') ||
    specifier === '.' ||
    specifier === '..' ||
    isAbsolute(specifier) ||
    specifier.startsWith('file:')
  );
}

/** Entry files tried, in order, when a plugin path names a folder without a package.json entry. */
const INDEX_FILES = ['index.js', 'index.mjs', 'index.ts'];

function entryOfFolder(folder: string): string | undefined {
  const manifestPath = join(folder, 'package.json');
  if (existsSync(manifestPath)) {
    const manifest = readManifest(manifestPath);
    const exported = manifest?.exports;
    const main =
      typeof exported === 'string'
        ? exported
        : typeof (exported as Record<string, unknown> | undefined)?.['.'] === 'string'
          ? ((exported as Record<string, string>)['.'] as string)
          : typeof manifest?.main === 'string'
            ? manifest.main
            : undefined;
    if (main !== undefined) return resolvePath(folder, main);
  }
  for (const name of INDEX_FILES) {
    const candidate = join(folder, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

interface Manifest {
  readonly name?: unknown;
  readonly version?: unknown;
  readonly main?: unknown;
  readonly exports?: unknown;
}

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    // An unreadable package.json only costs us the version; the import will say what is wrong.
    return undefined;
  }
}

/** The version in the nearest package.json above a file. */
function versionNear(file: string): string | undefined {
  let dir = dirname(file);
  for (let i = 0; i < 8; i++) {
    const manifestPath = join(dir, 'package.json');
    if (existsSync(manifestPath)) {
      const version = readManifest(manifestPath)?.version;
      return typeof version === 'string' ? version : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** Finds the file a specifier names, or throws JULEE_PLUGIN_NOT_INSTALLED. */
export function resolvePluginFile(specifier: string, baseDir: string): string {
  if (isPathSpecifier(specifier)) {
    const target = specifier.startsWith('file:')
      ? fileURLToPath(specifier)
      : resolvePath(baseDir, specifier);
    if (!existsSync(target)) {
      throw new PluginError(
        'JULEE_PLUGIN_NOT_INSTALLED',
        `plugin "${specifier}" is not installed: nothing at ${target}`,
        { details: { specifier, path: target } },
      );
    }
    if (statSync(target).isDirectory()) {
      const entry = entryOfFolder(target);
      if (entry === undefined) {
        throw new PluginError(
          'JULEE_PLUGIN_NOT_INSTALLED',
          `plugin "${specifier}" is not installed: the folder ${target} has no package.json entry and no ${INDEX_FILES.join(' or ')}`,
          { details: { specifier, path: target } },
        );
      }
      return entry;
    }
    return target;
  }
  try {
    return fileURLToPath(resolveModule(specifier, pathToFileURL(join(baseDir, 'noop.js')).href));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND') {
      throw new PluginError(
        'JULEE_PLUGIN_NOT_INSTALLED',
        `plugin package "${specifier}" is not installed (looked in node_modules from ${baseDir} upwards)`,
        { details: { specifier }, cause: error },
      );
    }
    throw new PluginError(
      'JULEE_PLUGIN_LOAD_FAILED',
      `plugin package "${specifier}" failed to load: ${causeChain(error)}`,
      { details: { specifier }, cause: error },
    );
  }
}

/**
 * Loads the plugins a module exports. Built-in and third-party plugins both come through here:
 * resolve, import, check the shape and the contract version.
 */
export async function loadPluginModule(
  specifier: string,
  baseDir: string,
  source: PluginSource,
): Promise<LoadedPlugin[]> {
  const file = resolvePluginFile(specifier, baseDir);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginError(
      'JULEE_PLUGIN_LOAD_FAILED',
      `plugin "${specifier}" failed to load: ${causeChain(error)}`,
      { details: { specifier, file }, cause: error },
    );
  }
  // CommonJS modules arrive as { default: module.exports }, TypeScript-compiled CJS nests once more.
  let exported: unknown = module.default ?? module;
  if (
    exported !== null &&
    typeof exported === 'object' &&
    'default' in exported &&
    !('kind' in exported)
  ) {
    exported = exported.default;
  }
  const definitions = Array.isArray(exported) ? exported : [exported];
  if (definitions.length === 0) {
    throw new PluginError(
      'JULEE_PLUGIN_INVALID',
      `plugin "${specifier}" exports no plugin (its default export is an empty list)`,
      { details: { specifier, file } },
    );
  }
  const version = versionNear(file) ?? '0.0.0';
  return definitions.map((definition) =>
    checkDefinition(definition, specifier, file, source, version),
  );
}

function checkDefinition(
  value: unknown,
  specifier: string,
  file: string,
  source: PluginSource,
  packageVersion: string,
): LoadedPlugin {
  const invalid = (problem: string) =>
    new PluginError(
      'JULEE_PLUGIN_INVALID',
      `plugin "${specifier}" is not a valid plugin: ${problem}`,
      {
        details: { specifier, file },
      },
    );
  if (value === null || typeof value !== 'object') {
    throw invalid('its default export must be a plugin definition (see definePlugin)');
  }
  const d = value as Partial<PluginDefinition> & Record<string, unknown>;
  if (typeof d.apiVersion !== 'number') {
    throw invalid('it declares no apiVersion (the plugin contract version it implements)');
  }
  if (d.apiVersion !== PLUGIN_API_VERSION) {
    throw new PluginError(
      'JULEE_PLUGIN_API_MISMATCH',
      `plugin "${specifier}" implements contract version ${d.apiVersion}, this runtime supports ${PLUGIN_API_VERSION}`,
      { details: { specifier, file, apiVersion: d.apiVersion, supported: PLUGIN_API_VERSION } },
    );
  }
  if (typeof d.kind !== 'string' || !PLUGIN_KINDS.includes(d.kind)) {
    throw invalid(
      `kind must be one of ${PLUGIN_KINDS.join(', ')}, found ${JSON.stringify(d.kind)}`,
    );
  }
  if (typeof d.type !== 'string' || !TYPE_PATTERN.test(d.type)) {
    throw invalid(
      `type must be lower-case letters, digits and dashes, found ${JSON.stringify(d.type)}`,
    );
  }
  if (d.optionsSchema === null || typeof d.optionsSchema !== 'object') {
    throw invalid('optionsSchema must be a JSON Schema object');
  }
  if (typeof d.create !== 'function') {
    throw invalid('create must be a function');
  }
  return {
    definition: d as PluginDefinition,
    kind: d.kind,
    type: d.type,
    version: typeof d.version === 'string' ? d.version : packageVersion,
    source,
    specifier,
    file,
  };
}
