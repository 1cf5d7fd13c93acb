/**
 * Stores one large document through the `filesystem` and `s3` repository plugins and reads it
 * back, and compares with a direct @aws-sdk/lib-storage upload of the same bytes to the same
 * S3-compatible server (SeaweedFS, started here as in the tests). Reports throughput and the
 * peak resident memory of each phase; each phase runs in its own Node process.
 *
 *   node --import tsx bench/storage-1gib.ts [--size 1GiB] [--phases filesystem,s3,direct]
 *     [--rounds 1] [--timeout 900] [--tsx]
 *
 * With --rounds N the phases run N times in turn (s3 and direct alternate, so that a change of
 * load on a shared machine hits both), each round into fresh buckets and directories, and a
 * summary gives the median ratio.
 *
 * The phases run compiled (see compileSelf); --tsx runs them under the TypeScript loader instead.
 *
 * Targets (issue 3): peak RSS under 150 MiB; s3 plugin at least 80 % of the direct upload.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import filesystemPlugin from '../plugins/repository-filesystem/index.js';
import s3Plugin, {
  createS3Client,
  type S3RepositoryInstance,
} from '../plugins/repository-s3/index.js';
import { S3ObjectStore } from '../plugins/repository-s3/s3-object-store.js';
import type {
  ByteSource,
  Document,
  DocumentRepository,
  Logger,
  PluginContext,
  RepositoryPluginInstance,
} from '../src/plugin-api/index.js';
import type { S3Coordinates } from '../test/support/test-servers.js';

const PHASES = ['filesystem', 's3', 'direct'] as const;
type Phase = (typeof PHASES)[number];
const MIB = 1024 ** 2;
const CHUNK_BYTES = 64 * 1024;
const RSS_TARGET_MIB = 150;
const RATIO_TARGET = 0.8;
const RESULT_MARK = 'BENCH_RESULT ';
/** lib-storage's own defaults for Upload, which the direct baseline uses. */
const LIB_STORAGE_PART_SIZE = 5 * MIB;
const LIB_STORAGE_QUEUE_SIZE = 4;

interface PhaseResult {
  phase: Phase;
  bytes: number;
  writeSeconds: number;
  /**
   * Server-side moves during the write and their time (s3: a copy and a delete each). The plugin
   * keeps uploads in place on S3, so both should be 0.
   */
  moves?: { count: number; seconds: number };
  readSeconds: number;
  sha256: string;
  /** RSS once everything is loaded, before the first byte moves. */
  idleRssMiB: number;
  writePeakRssMiB: number;
  readPeakRssMiB: number;
  /** The process's maximum resident set size as the kernel counted it. */
  maxRssMiB: number;
}

/** Deterministic pseudo-random bytes (AES-128-CTR keystream), made chunk by chunk. */
function* generatedChunks(total: number): Generator<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(CHUNK_BYTES);
  for (let produced = 0; produced < total; produced += CHUNK_BYTES) {
    const size = Math.min(CHUNK_BYTES, total - produced);
    yield cipher.update(size === CHUNK_BYTES ? zeros : zeros.subarray(0, size));
  }
}

const generated = (total: number): Readable => Readable.from(generatedChunks(total));

async function sha256Of(source: ByteSource): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Samples the resident set size; `take()` returns the peak since the last take. */
function rssSampler(intervalMs = 20) {
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, intervalMs);
  return {
    take(): number {
      sample();
      const value = peak;
      peak = 0;
      return value / MIB;
    },
    stop: () => clearInterval(timer),
  };
}

const silent: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

const documentContext: PluginContext = {
  instanceId: 'repositories.document',
  name: 'document',
  entity: 'document',
  logger: silent,
  configDir: process.cwd(),
};

/** A document store and read through a repository plugin instance. */
function pluginRun(instance: RepositoryPluginInstance, size: number) {
  const repository = instance.repository as DocumentRepository;
  const id = 'doc-bench';
  return {
    async write(): Promise<void> {
      const stored = await repository.putContent(generated(size));
      const document: Document = {
        document_id: id,
        original_filename: 'bench.bin',
        content_type: 'application/octet-stream',
        size_bytes: stored.size_bytes,
        content_multihash: stored.content_multihash,
        status: 'captured',
        knowledge_service_id: null,
        assembly_types: [],
        additional_metadata: {},
        created_at: null,
        updated_at: null,
      };
      await repository.save(document);
    },
    read: async () => sha256Of(await repository.openContent(id)),
  };
}

/** The round this phase process runs in (from 1), for its own buckets and directory. */
const round = (): string => process.env['JULEE_BENCH_ROUND'] ?? '1';

/** The baseline: lib-storage's Upload with its default part size and queue, and a GetObject. */
function directRun(s3: S3Coordinates, size: number) {
  const client = createS3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    access_key_id: s3.access_key,
    secret_access_key: s3.secret_key,
  });
  const target = { Bucket: `bench-direct-${round()}`, Key: 'bench.bin' };
  return {
    prepare: () => new S3ObjectStore({ client, bucket: target.Bucket }).ensureReady(),
    async write(): Promise<void> {
      const upload = new Upload({
        client,
        params: { ...target, Body: generated(size), ContentType: 'application/octet-stream' },
        partSize: LIB_STORAGE_PART_SIZE,
        queueSize: LIB_STORAGE_QUEUE_SIZE,
      });
      await upload.done();
    },
    async read() {
      const output = await client.send(new GetObjectCommand(target));
      return sha256Of(output.Body as Readable);
    },
    close: () => client.destroy(),
  };
}

/** Counts and times every move of a store, to show what content addressing costs. */
function timeMoves(store: S3ObjectStore, total: { count: number; seconds: number }): void {
  const move = store.move.bind(store);
  store.move = async (fromKey, toKey) => {
    const started = performance.now();
    total.count += 1;
    try {
      await move(fromKey, toKey);
    } finally {
      total.seconds += (performance.now() - started) / 1000;
    }
  };
}

async function runPhase(phase: Phase, size: number): Promise<PhaseResult> {
  const sampler = rssSampler();
  const s3 = JSON.parse(process.env['JULEE_BENCH_S3'] ?? 'null') as S3Coordinates;
  const dataDir = join(process.env['JULEE_BENCH_DIR'] ?? tmpdir(), `round-${round()}`);
  let run: {
    prepare?(): Promise<void>;
    write(): Promise<void>;
    read(): Promise<{ sha256: string; bytes: number }>;
  };
  let stop: () => Promise<void> = () => Promise.resolve();
  const moves = { count: 0, seconds: 0 };

  if (phase === 'direct') {
    const direct = directRun(s3, size);
    stop = () => Promise.resolve(direct.close());
    run = direct;
  } else {
    let instance: RepositoryPluginInstance;
    if (phase === 'filesystem') {
      instance = await filesystemPlugin.create({ data_dir: dataDir, fsync: true }, documentContext);
    } else {
      const s3Instance = (await s3Plugin.create(
        {
          endpoint: s3.endpoint,
          region: s3.region,
          access_key_id: s3.access_key,
          secret_access_key: s3.secret_key,
          bucket: `bench-documents-${round()}`,
          content_bucket: `bench-content-${round()}`,
          create_bucket: true,
        },
        documentContext,
      )) as S3RepositoryInstance;
      timeMoves(s3Instance.stores.content!, moves);
      instance = s3Instance;
    }
    await instance.start?.(new AbortController().signal);
    stop = async () => instance.stop?.();
    run = pluginRun(instance, size);
  }
  await run.prepare?.();

  const idleRssMiB = sampler.take();
  let started = performance.now();
  await run.write();
  const writeSeconds = (performance.now() - started) / 1000;
  const writePeakRssMiB = sampler.take();
  started = performance.now();
  const { sha256, bytes } = await run.read();
  const readSeconds = (performance.now() - started) / 1000;
  const readPeakRssMiB = sampler.take();
  sampler.stop();
  await stop();

  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  return {
    phase,
    bytes,
    writeSeconds,
    ...(phase === 's3' ? { moves } : {}),
    readSeconds,
    sha256,
    idleRssMiB,
    writePeakRssMiB,
    readPeakRssMiB,
    maxRssMiB,
  };
}

/**
 * Compiles this script with esbuild (which tsx brings along) into one JavaScript file beside the
 * dependencies, so that the phases run on plain Node like the built runtime: the TypeScript
 * loader alone would add about 35 MiB to every figure.
 */
async function compileSelf(): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = fileURLToPath(
    new URL('../node_modules/.cache/julee-bench/storage-1gib.mjs', import.meta.url),
  );
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    outfile,
    bundle: true,
    packages: 'external',
    // The test servers' module (and the Temporal client it imports) is for the parent process
    // only: bundled, its static imports would load in every phase and add about 10 MiB to each.
    external: ['*/test/support/servers.js'],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return outfile;
}

/** Runs a phase in a fresh Node process so that its memory is its own. */
function runChild(
  phase: Phase,
  size: number,
  script: { path: string; loader: string[] },
  env: NodeJS.ProcessEnv,
  timeoutSeconds: number,
): Promise<PhaseResult> {
  const child = spawn(
    process.execPath,
    [...script.loader, script.path, '--child', phase, '--size', String(size)],
    {
      env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  const timer = setTimeout(() => child.kill(), timeoutSeconds * 1000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = output.split('\n').find((each) => each.startsWith(RESULT_MARK));
      if (code !== 0 || line === undefined) {
        const why = code === null ? `stopped after ${timeoutSeconds} s` : `exit code ${code}`;
        reject(new Error(`phase ${phase} failed (${why}): ${output.trim()}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARK.length)) as PhaseResult);
    });
  });
}

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|kb|mb|gb)?$/i.exec(text.trim());
  if (match === null) throw new Error(`invalid --size "${text}": try 1GiB, 256MiB or 1048576`);
  const units: Record<string, number> = {
    b: 1,
    kib: 1024,
    mib: MIB,
    gib: 1024 * MIB,
    kb: 1e3,
    mb: 1e6,
    gb: 1e9,
  };
  return Math.round(Number(match[1]) * (units[(match[2] ?? 'b').toLowerCase()] ?? 1));
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

const mbPerSecond = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;
const fixed = (value: number, digits = 1): string => value.toFixed(digits);

function printReport(
  size: number,
  expected: string,
  generatorSeconds: number,
  results: PhaseResult[],
  label = '',
) {
  const rows = results.map((r) => [
    r.phase,
    fixed(mbPerSecond(r.bytes, r.writeSeconds)),
    fixed(mbPerSecond(r.bytes, r.readSeconds)),
    fixed(r.writeSeconds, 2),
    fixed(r.readSeconds, 2),
    fixed(r.idleRssMiB, 0),
    fixed(r.writePeakRssMiB, 0),
    fixed(r.readPeakRssMiB, 0),
    fixed(r.maxRssMiB, 0),
    r.maxRssMiB < RSS_TARGET_MIB ? 'yes' : 'NO',
    r.sha256 === expected && r.bytes === size ? 'ok' : 'MISMATCH',
  ]);
  const header = [
    'phase',
    'write MB/s',
    'read MB/s',
    'write s',
    'read s',
    'idle RSS',
    'write peak',
    'read peak',
    'max RSS',
    `< ${RSS_TARGET_MIB} MiB`,
    'sha-256',
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;

  console.log(
    `\nstorage benchmark${label}: ${fixed(size / MIB, 0)} MiB document, sha-256 ${expected}`,
  );
  console.log(
    `generator alone: ${fixed(mbPerSecond(size, generatorSeconds))} MB/s ` +
      '(MB = 10^6 bytes, RSS in MiB)\n',
  );
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(row));

  const s3 = results.find((r) => r.phase === 's3');
  const direct = results.find((r) => r.phase === 'direct');
  if (s3 !== undefined && direct !== undefined) {
    const write = direct.writeSeconds / s3.writeSeconds;
    const read = direct.readSeconds / s3.readSeconds;
    console.log(
      `\ns3 plugin / direct upload: write ${fixed(write * 100)} %, read ${fixed(read * 100)} % ` +
        `(target >= ${RATIO_TARGET * 100} %: ${write >= RATIO_TARGET ? 'met' : 'NOT met'})`,
    );
  }
  if (s3?.moves !== undefined) {
    console.log(
      `s3 plugin write: ${fixed(s3.writeSeconds, 2)} s, of which ${s3.moves.count} server-side ` +
        `move(s) ${fixed(s3.moves.seconds, 2)} s`,
    );
  }
}

async function main(): Promise<void> {
  const size = parseSize(argument('size') ?? '1GiB');
  const child = argument('child');
  if (child !== undefined) {
    if (!(PHASES as readonly string[]).includes(child)) throw new Error(`unknown phase ${child}`);
    const result = await runPhase(child as Phase, size);
    process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
    return;
  }

  const phases = (argument('phases') ?? PHASES.join(',')).split(',') as Phase[];
  const underTsx = process.argv.includes('--tsx');
  const timeoutSeconds = Number(argument('timeout') ?? 900);
  const roundCount = Number(argument('rounds') ?? 1);
  if (!Number.isInteger(roundCount) || roundCount < 1) {
    throw new Error(`invalid --rounds "${argument('rounds')}": a whole number from 1`);
  }
  const script = underTsx
    ? { path: fileURLToPath(import.meta.url), loader: ['--import', 'tsx'] }
    : { path: await compileSelf(), loader: [] };
  const started = performance.now();
  const expected = (await sha256Of(generated(size))).sha256;
  const generatorSeconds = (performance.now() - started) / 1000;

  // Imported here only: the phase processes need none of the test servers' dependencies.
  const { startS3Server } = await import('../test/support/servers.js');
  const server = await startS3Server();
  const dataDir = await mkdtemp(join(tmpdir(), 'julee-bench-'));
  const rounds: PhaseResult[][] = [];
  try {
    for (let index = 1; index <= roundCount; index++) {
      const env = {
        JULEE_BENCH_S3: JSON.stringify(server.coordinates),
        JULEE_BENCH_DIR: dataDir,
        JULEE_BENCH_ROUND: String(index),
      };
      const results: PhaseResult[] = [];
      for (const phase of phases) {
        console.log(`round ${index}/${roundCount}: running ${phase} ...`);
        results.push(await runChild(phase, size, script, env, timeoutSeconds));
      }
      rounds.push(results);
      // Frees the disk between rounds; the S3 server's data goes when it stops.
      await rm(join(dataDir, `round-${index}`), { recursive: true, force: true });
    }
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(`\nphases ran on ${underTsx ? 'Node with the tsx loader' : 'plain Node (compiled)'}`);
  rounds.forEach((results, index) => {
    const label = roundCount > 1 ? ` (round ${index + 1}/${roundCount})` : '';
    printReport(size, expected, generatorSeconds, results, label);
  });
  if (roundCount > 1) printSummary(rounds);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

/** Medians and extremes over the rounds, and the ratios of each round. */
function printSummary(rounds: PhaseResult[][]): void {
  console.log(`\nsummary over ${rounds.length} rounds (MB/s: median [min-max]; RSS: highest)`);
  for (const phase of PHASES) {
    const runs = rounds.flatMap((results) => results.filter((r) => r.phase === phase));
    if (runs.length === 0) continue;
    const spread = (values: number[]): string =>
      `${fixed(median(values))} [${fixed(Math.min(...values))}-${fixed(Math.max(...values))}]`;
    console.log(
      `  ${phase}: write ${spread(runs.map((r) => mbPerSecond(r.bytes, r.writeSeconds)))}, ` +
        `read ${spread(runs.map((r) => mbPerSecond(r.bytes, r.readSeconds)))}, ` +
        `peak RSS write ${fixed(Math.max(...runs.map((r) => r.writePeakRssMiB)), 0)} / ` +
        `read ${fixed(Math.max(...runs.map((r) => r.readPeakRssMiB)), 0)} / ` +
        `max ${fixed(Math.max(...runs.map((r) => r.maxRssMiB)), 0)} MiB`,
    );
  }
  const ratios = rounds.flatMap((results) => {
    const s3 = results.find((r) => r.phase === 's3');
    const direct = results.find((r) => r.phase === 'direct');
    if (s3 === undefined || direct === undefined) return [];
    return [
      { write: direct.writeSeconds / s3.writeSeconds, read: direct.readSeconds / s3.readSeconds },
    ];
  });
  if (ratios.length > 0) {
    const percent = (values: number[]): string =>
      values.map((value) => `${fixed(value * 100, 0)} %`).join(', ');
    const write = median(ratios.map((r) => r.write));
    console.log(
      `  s3 plugin / direct, per round: write ${percent(ratios.map((r) => r.write))}; ` +
        `read ${percent(ratios.map((r) => r.read))}`,
    );
    console.log(
      `  median write ratio ${fixed(write * 100)} % (target >= ${RATIO_TARGET * 100} %: ` +
        `${write >= RATIO_TARGET ? 'met' : 'NOT met'})`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
