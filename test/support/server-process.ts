import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, openSync, closeSync } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** Why a test server could not be found, started or reached. The message says what to do. */
export class TestServerError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'TestServerError';
  }
}

/** The server process ended during startup: often a port taken between choosing and binding it. */
export class ServerExitedError extends TestServerError {
  constructor(message: string) {
    super(message);
    this.name = 'ServerExitedError';
  }
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The folder scripts/install-test-servers.sh installs into (JULEE_TOOLS_DIR overrides it). */
export function defaultToolsDir(): string {
  return process.env.JULEE_TOOLS_DIR ?? join(repoRoot, '.tools');
}

/** Path of an installed server binary; fails with the install command when it is not there. */
export async function findServerBinary(
  toolsDir: string,
  binary: string,
  what: string,
): Promise<string> {
  const path = join(toolsDir, 'venv', 'bin', binary);
  try {
    await access(path, fsConstants.X_OK);
  } catch (error) {
    throw new TestServerError(
      `${what} is missing: no executable '${binary}' at ${path}. ` +
        'Install the test servers with `npm run test:servers` (scripts/install-test-servers.sh).',
      { cause: error },
    );
  }
  return path;
}

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolvePromise(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new TestServerError('a loopback listener has no TCP port');
  }
  return address.port;
}

async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map((server) => new Promise<void>((done) => server.close(() => done()))),
  );
}

/**
 * Distinct free loopback ports. With `pairedOffset`, each port P also has P + offset free (for
 * servers that derive a second port from the first). Ports are held together until all are found,
 * so they differ from each other; they are released just before the server binds them.
 */
export async function freePorts(count: number, pairedOffset?: number): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let tries = 0; ports.length < count; tries += 1) {
      if (tries > count * 20) throw new TestServerError(`found no ${count} free loopback ports`);
      const first = await listen(0);
      if (first === undefined) continue;
      held.push(first);
      const port = portOf(first);
      if (pairedOffset !== undefined) {
        const second =
          port + pairedOffset <= 65_535 ? await listen(port + pairedOffset) : undefined;
        if (second === undefined) continue;
        held.push(second);
      }
      ports.push(port);
    }
    return ports;
  } finally {
    await closeAll(held);
  }
}

/** Resolves when host:port accepts a TCP connection, rejects when it refuses or times out. */
export function tcpReachable(host: string, port: number, timeoutMs = 1_000): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`${host}:${port} did not accept a connection within ${timeoutMs} ms`));
    });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise();
    });
    socket.once('error', (error) => reject(error));
  });
}

/** A private temporary folder for one server's data and log. */
export function makeWorkDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `julee-test-${prefix}-`));
}

/** The last lines of a server's log, for error messages. */
export async function logTail(logPath: string, lines = 30): Promise<string> {
  let text: string;
  try {
    text = await readFile(logPath, 'utf8');
  } catch {
    // A log that was never written has no tail; the caller's message still names the server.
    return '(no log written)';
  }
  const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
  return tail === '' ? '(log is empty)' : tail.slice(-6_000);
}

/** How a server process ended. */
export interface ServerEnding {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** A started server process, alone in its own process group. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Set once the process has ended (or failed to spawn). */
  exited(): ServerEnding | undefined;
  /** Settles when the process has ended (or failed to spawn). */
  readonly ended: Promise<ServerEnding>;
  /** Ends the whole process group: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** If the test run ends without its teardown, no server outlives it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what stopping wants.
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => resolvePromise(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise(true);
    });
  });
}

/** Starts `binary args` detached (its own process group) with stdout and stderr in `logPath`. */
export function spawnServer(options: {
  name: string;
  binary: string;
  args: string[];
  logPath: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}): ServerProcess {
  const logFd = openSync(options.logPath, 'a');
  let ended: ServerEnding | undefined;
  let announceEnd: (ending: ServerEnding) => void = () => undefined;
  const endedPromise = new Promise<ServerEnding>((resolvePromise) => {
    announceEnd = resolvePromise;
  });
  let child: ChildProcess;
  try {
    child = spawn(options.binary, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  child.on('error', (error) => {
    ended = { code: null, signal: null, error };
    announceEnd(ended);
  });
  child.on('exit', (code, signal) => {
    running.delete(child);
    ended ??= { code, signal };
    announceEnd(ended);
  });
  child.unref();
  running.add(child);
  installExitHook();

  return {
    name: options.name,
    pid: child.pid ?? -1,
    logPath: options.logPath,
    exited: () => ended,
    ended: endedPromise,
    stop: async (graceMs = 5_000) => {
      if (ended !== undefined) {
        // The leader is gone; anything it started in its group goes with it.
        killGroup(child, 'SIGKILL');
        return;
      }
      killGroup(child, 'SIGTERM');
      if (!(await waitForExit(child, graceMs))) {
        killGroup(child, 'SIGKILL');
        await waitForExit(child, 2_000);
      }
      running.delete(child);
    },
  };
}

/** Describes how a server process ended, for error messages. */
export function describeExit(ending: ServerEnding): string {
  if (ending.error !== undefined) return `could not be started (${ending.error.message})`;
  if (ending.signal !== null) return `was killed by ${ending.signal}`;
  return `exited with code ${String(ending.code)}`;
}

/**
 * Polls `probe` until it resolves, the process ends, or `timeoutMs` passes. The error names the
 * server, the last probe failure and the tail of the server's log.
 */
export async function waitUntilServing(
  server: ServerProcess,
  probe: () => Promise<void>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no probe finished yet';
  for (;;) {
    const ending = server.exited();
    if (ending !== undefined) {
      throw new ServerExitedError(
        `${server.name} ${describeExit(ending)} before it served. Log tail:\n` +
          (await logTail(server.logPath)),
      );
    }
    // A probe may wait for its own timeout; a server that dies meanwhile ends the wait at once.
    const probing = probe().then(
      () => true,
      (error: unknown) => {
        lastProblem = error instanceof Error ? error.message : String(error);
        return false;
      },
    );
    if (await Promise.race([probing, server.ended.then(() => false)])) return;
    if (server.exited() !== undefined) continue;
    if (Date.now() >= deadline) {
      throw new TestServerError(
        `${server.name} did not serve within ${timeoutMs} ms (last probe: ${lastProblem}). ` +
          `Log tail:\n${await logTail(server.logPath)}`,
      );
    }
    await sleep(150);
  }
}

/**
 * Runs `attempt` up to `tries` times while it fails with ServerExitedError (fresh ports each time);
 * any other failure, or the last one, is thrown.
 */
export async function withStartRetries<T>(tries: number, attempt: () => Promise<T>): Promise<T> {
  for (let index = 1; ; index += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ServerExitedError) || index >= tries) throw error;
    }
  }
}

/** The environment for a server: the caller's, less settings that would redirect or confuse it. */
export function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AWS_|TEMPORAL_|S3_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Removes a server's work folder. */
export async function removeWorkDir(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    // A leftover temporary folder must not turn a passing run into a failing one; it is reported.
    process.emitWarning(`could not remove the test server folder ${dir}: ${String(error)}`);
  }
}
