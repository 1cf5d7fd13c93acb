import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfiguration, type LoadedConfiguration, type LoadOptions } from '../config/load.js';
import { redactedConfig } from '../config/redact.js';
import { combinedSchema } from '../config/combined-schema.js';
import { createInstances } from '../core/runtime.js';
import { createLogger } from '../core/logger.js';
import { packageInfo } from '../core/package-info.js';
import { diagnosticsJson, processOutput, renderDiagnostics, type Output } from './output.js';
import { runStart } from './start.js';
import { USAGE } from './usage.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_INVALID = 2;

export interface MainContext {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly output?: Output;
  /** Resolves when the process should stop (tests); SIGTERM/SIGINT otherwise. */
  readonly stopSignal?: Promise<void>;
}

/** The `julee` command. Returns the exit code; never throws and never prints a stack trace. */
export async function main(argv: readonly string[], context: MainContext = {}): Promise<number> {
  const output = context.output ?? processOutput;
  try {
    return await dispatch(argv, context, output);
  } catch (error) {
    output.err(`julee: ${error instanceof Error ? error.message : String(error)}`);
    if ((context.env ?? process.env).JULEE_DEBUG === '1' && error instanceof Error && error.stack) {
      output.err(error.stack);
    }
    return EXIT_FAILURE;
  }
}

async function dispatch(
  argv: readonly string[],
  context: MainContext,
  output: Output,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        role: { type: 'string', short: 'r' },
        format: { type: 'string', short: 'f' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    output.err(`julee: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_INVALID;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    output.out(USAGE);
    return EXIT_OK;
  }
  if (values.version) {
    output.out(packageInfo().version);
    return EXIT_OK;
  }
  const loadOptions: LoadOptions = {
    ...(values.config === undefined ? {} : { configPath: values.config }),
    ...(values.role === undefined ? {} : { role: values.role }),
    ...(context.env === undefined ? {} : { env: context.env }),
    ...(context.cwd === undefined ? {} : { cwd: context.cwd }),
  };
  const command = positionals.join(' ') || 'start';
  const usage = (message: string): number => {
    output.err(`julee: ${message}\n\n${USAGE}`);
    return EXIT_INVALID;
  };
  const format = values.format;
  switch (command) {
    case 'start':
      if (format !== undefined) return usage('--format does not apply to start');
      return runStart(loadOptions, output, context.stopSignal);
    case 'validate': {
      if (format !== undefined && format !== 'text' && format !== 'json') {
        return usage(`unknown format "${format}" for validate (text or json)`);
      }
      return validate(loadOptions, output, format ?? 'text');
    }
    case 'config print': {
      if (format !== undefined && format !== 'yaml' && format !== 'json') {
        return usage(`unknown format "${format}" for config print (yaml or json)`);
      }
      const loaded = await loadConfiguration(loadOptions);
      if (!loaded.ok) return reportInvalid(loaded, output, 'text');
      const effective = redactedConfig(loaded);
      output.out(format === 'json' ? JSON.stringify(effective, null, 2) : stringify(effective));
      return EXIT_OK;
    }
    case 'plugins list': {
      if (format !== undefined && format !== 'text' && format !== 'json') {
        return usage(`unknown format "${format}" for plugins list (text or json)`);
      }
      const loaded = await loadConfiguration(loadOptions);
      const pluginErrors = loaded.diagnostics.filter((d) => /^JULEE_PLUGIN_/.test(d.code));
      if (pluginErrors.length > 0)
        return reportInvalid({ ...loaded, diagnostics: pluginErrors }, output, 'text');
      const rows = loaded.plugins.map((p) => ({
        kind: p.kind,
        type: p.type,
        version: p.version,
        source: p.source,
        specifier: p.specifier,
        file: p.file,
        description: p.definition.description ?? '',
      }));
      if (format === 'json') output.out(JSON.stringify(rows, null, 2));
      else output.out(pluginTable(rows));
      return EXIT_OK;
    }
    case 'schema': {
      const loaded = await loadConfiguration(loadOptions);
      const pluginErrors = loaded.diagnostics.filter((d) => /^JULEE_PLUGIN_/.test(d.code));
      if (pluginErrors.length > 0)
        return reportInvalid({ ...loaded, diagnostics: pluginErrors }, output, 'text');
      output.out(JSON.stringify(combinedSchema(loaded.plugins), null, 2));
      return EXIT_OK;
    }
    default:
      return usage(`unknown command "${command}"`);
  }
}

async function validate(
  loadOptions: LoadOptions,
  output: Output,
  format: 'text' | 'json',
): Promise<number> {
  const loaded = await loadConfiguration(loadOptions);
  let diagnostics = [...loaded.diagnostics];
  if (loaded.ok) {
    // Creating instances is part of what start does; factories must not do I/O.
    const logger = createLogger({ level: 'silent', format: 'json' });
    const created = await createInstances(loaded, logger);
    diagnostics = diagnostics.concat(created.diagnostics);
    await Promise.all(
      created.instances.map(async ({ instance }) => instance.stop?.().catch(() => undefined)),
    );
  }
  const invalid = diagnostics.some((d) => d.severity === 'error');
  if (format === 'json') {
    output.out(diagnosticsJson(loaded.file, diagnostics));
  } else if (diagnostics.length > 0) {
    output.err(
      renderDiagnostics(diagnostics, (file) =>
        file === loaded.file ? loaded.source.text : undefined,
      ),
    );
  }
  if (!invalid && format === 'text') output.out(`${loaded.file}: configuration is valid`);
  return invalid ? EXIT_INVALID : EXIT_OK;
}

export function reportInvalid(
  loaded: LoadedConfiguration,
  output: Output,
  format: 'text' | 'json',
): number {
  if (format === 'json') output.out(diagnosticsJson(loaded.file, loaded.diagnostics));
  else {
    output.err(
      renderDiagnostics(loaded.diagnostics, (file) =>
        file === loaded.file ? loaded.source.text : undefined,
      ),
    );
  }
  return EXIT_INVALID;
}

function pluginTable(
  rows: { kind: string; type: string; version: string; source: string; specifier: string }[],
): string {
  const header = {
    kind: 'KIND',
    type: 'TYPE',
    version: 'VERSION',
    source: 'SOURCE',
    specifier: 'FROM',
  };
  const all = [header, ...rows];
  const width = (key: keyof typeof header) => Math.max(...all.map((r) => r[key].length));
  const cols: (keyof typeof header)[] = ['kind', 'type', 'version', 'source'];
  return all
    .map((r) => [...cols.map((k) => r[k].padEnd(width(k))), r.specifier].join('  '))
    .join('\n');
}
