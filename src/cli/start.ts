import { createApp } from '../api/app.js';
import { listen, type RunningServer } from '../api/server.js';
import { loadConfiguration, type LoadOptions } from '../config/load.js';
import { createLogger } from '../core/logger.js';
import { packageInfo } from '../core/package-info.js';
import { causeChain } from '../core/plugin-errors.js';
import { JuleeError } from '../errors/julee-error.js';
import { createInstances, PluginRuntime } from '../core/runtime.js';
import { loadStartupFixtures } from '../core/startup-fixtures.js';
import { renderDiagnostics, type Output } from './output.js';

/** `julee start`: load, validate, create and start plugins, then run the role until stopped. */
export async function runStart(
  loadOptions: LoadOptions,
  output: Output,
  stopSignal?: Promise<void>,
): Promise<number> {
  // Listen for SIGTERM/SIGINT from the very beginning: a stop during startup waits for startup to
  // finish and then shuts down cleanly instead of killing the process half-way.
  const stopRequested = waitForStop(stopSignal);
  const loaded = await loadConfiguration(loadOptions);
  const sourceText = (file: string) => (file === loaded.file ? loaded.source.text : undefined);
  if (!loaded.ok) {
    output.err(renderDiagnostics(loaded.diagnostics, sourceText));
    return 2;
  }
  const { config } = loaded;
  const logger = createLogger({ level: config.logging.level, format: config.logging.format });
  for (const warning of loaded.diagnostics) {
    logger.warn({ code: warning.code, path: warning.path, line: warning.line }, warning.message);
  }
  const created = await createInstances(loaded, logger);
  if (created.diagnostics.length > 0) {
    output.err(renderDiagnostics(created.diagnostics, sourceText));
    logger.flush();
    return 2;
  }
  const version = packageInfo().version;
  logger.info(
    {
      role: config.role,
      config: loaded.file,
      version,
      plugins: loaded.plugins
        .filter((p) => loaded.instances.some((i) => i.plugin === p))
        .map((p) => `${p.kind}/${p.type}@${p.version}`),
    },
    'julee starting',
  );
  const runtime = new PluginRuntime(created.instances, logger, config.plugin_start_timeout_ms);
  let accepting = true;
  let server: RunningServer | undefined;
  const startup = new AbortController();
  void stopRequested.then(() => startup.abort());
  try {
    await runtime.start(startup.signal);
    await loadStartupFixtures(config, loaded.configDir, runtime.repositories(), logger);
    const app = createApp({
      logger,
      version,
      role: config.role,
      health: () => runtime.health(),
      accepting: () => accepting,
      ...(runtime.auth() ? { auth: runtime.auth()! } : {}),
    });
    server = await listen(app, config.server.host, config.server.port);
  } catch (error) {
    if (error instanceof JuleeError && error.code === 'JULEE_PLUGIN_START_INTERRUPTED') {
      logger.info({ detail: error.message }, 'julee stopped during startup');
      logger.flush();
      return 0;
    }
    const reason = loaded.secrets.scrub(causeChain(error));
    logger.error({ err: reason }, 'julee failed to start');
    output.err(`julee: ${reason}`);
    await runtime.stop();
    logger.flush();
    return 1;
  }
  if (config.role === 'all') {
    logger.warn(
      { role: 'all' },
      'the Temporal worker is not available in this version: serving the API only',
    );
  }
  logger.info(
    { host: server.address.address, port: server.address.port, role: config.role },
    'julee ready',
  );

  const signal = await stopRequested;
  logger.info({ signal }, 'julee stopping');
  accepting = false;
  const stopping = (async () => {
    await server.close(config.server.shutdown_timeout_ms);
    await runtime.stop();
  })();
  const secondSignal = stopSignal ? new Promise<never>(() => undefined) : waitForStop();
  const outcome = await Promise.race([
    stopping.then(() => 'done' as const),
    secondSignal.then(() => 'forced' as const),
  ]);
  logger.info({ outcome }, 'julee stopped');
  logger.flush();
  return outcome === 'done' ? 0 : 1;
}

async function waitForStop(stopSignal?: Promise<void>): Promise<string> {
  if (stopSignal) {
    await stopSignal;
    return 'test';
  }
  return new Promise((resolve) => {
    const signals = ['SIGTERM', 'SIGINT'] as const;
    const handlers = signals.map((name) => {
      const handler = () => {
        signals.forEach((other, i) => process.off(other, handlers[i]!));
        resolve(name);
      };
      process.once(name, handler);
      return handler;
    });
  });
}
