import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnJulee, type JuleeProcess } from '../support/spawn-julee.js';

const ECHO_PLUGIN = fileURLToPath(new URL('../fixtures/plugins/echo-service', import.meta.url));

function writeConfig(extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'julee-api-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    `role: api
server:
  host: 127.0.0.1
  port: 0
repositories:
  default:
    type: filesystem
    data_dir: ./data
services:
  echo:
    type: echo
plugins:
  - ${ECHO_PLUGIN}
logging:
  format: json
${extra}`,
  );
  return file;
}

let running: JuleeProcess | undefined;

afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill('SIGKILL');
    await running.exited();
  }
  running = undefined;
});

describe('julee start --role api', () => {
  it('serves /health and /ready and stops cleanly on SIGTERM', async () => {
    running = spawnJulee(['start', '--config', writeConfig()]);
    const ready = await running.waitForLog('julee ready');
    const base = `http://127.0.0.1:${String(ready.port)}`;

    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', role: 'api' });

    const readiness = await fetch(`${base}/ready`);
    expect(readiness.status).toBe(200);
    const body = (await readiness.json()) as {
      status: string;
      instances: { id: string; status: string }[];
    };
    expect(body.status).toBe('ready');
    expect(body.instances).toContainEqual(
      expect.objectContaining({ id: 'services.echo', status: 'ok' }),
    );
    expect(body.instances).toContainEqual(
      expect.objectContaining({ id: 'repositories.document', status: 'ok' }),
    );

    const missing = await fetch(`${base}/no-such-route`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      detail: expect.stringContaining('/no-such-route'),
    });

    const begun = Date.now();
    running.child.kill('SIGTERM');
    const exit = await running.exited();
    expect(exit.code).toBe(0);
    expect(Date.now() - begun).toBeLessThan(5000);
    const messages = running.lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('julee stopping');
    expect(messages).toContain('julee stopped');
  });

  it('reports an unhealthy plugin instance on /ready with 503', async () => {
    const file = writeConfig().replace(/config\.yaml$/, 'config.yaml');
    const text = `role: api
server: { host: 127.0.0.1, port: 0 }
repositories: { default: { type: memory } }
services: { echo: { type: echo, fail_health: true } }
plugins: [${ECHO_PLUGIN}]
`;
    writeFileSync(file, text);
    running = spawnJulee(['start', '--config', file]);
    const ready = await running.waitForLog('julee ready');
    const response = await fetch(`http://127.0.0.1:${String(ready.port)}/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'not_ready',
      instances: expect.arrayContaining([
        expect.objectContaining({ id: 'services.echo', status: 'down', detail: 'told to fail' }),
      ]),
    });
  });

  it('names the plugin in its log lines', async () => {
    running = spawnJulee(['start', '--config', writeConfig()]);
    await running.waitForLog('julee ready');
    const line = running.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'echo service started');
    expect(line).toMatchObject({ plugin: 'echo', instance: 'services.echo' });
  });

  it('exits 2 without a stack trace on an invalid configuration', async () => {
    running = spawnJulee(['start', '--config', writeConfig('bogus_key: 1\n')]);
    const exit = await running.exited();
    expect(exit.code).toBe(2);
    expect(running.stderr()).toContain('JULEE_CONFIG_UNKNOWN_KEY');
    expect(running.stderr()).not.toMatch(/^\s+at .+:\d+:\d+/m);
  });

  it('exits 1 when a plugin cannot start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'julee-api-'));
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      `role: api\nserver: { port: 0 }\nrepositories: { default: { type: filesystem, data_dir: ${blocker}/data } }\n`,
    );
    running = spawnJulee(['start', '--config', file]);
    const exit = await running.exited();
    expect(exit.code).toBe(1);
    expect(running.stderr()).toContain('failed to start');
    expect(running.stderr()).not.toMatch(/^\s+at .+:\d+:\d+/m);
  });

  it('loads the demo fixtures once: a second start finds them all in place', async () => {
    const file = writeConfig('fixtures:\n  enabled: true\n');
    running = spawnJulee(['start', '--config', file]);
    const first = await running.waitForLog('fixtures loaded');
    expect(first).toMatchObject({ created: 16, existing: 0, problems: 0 });
    running.child.kill('SIGTERM');
    expect((await running.exited()).code).toBe(0);

    running = spawnJulee(['start', '--config', file]);
    const second = await running.waitForLog('fixtures loaded');
    expect(second).toMatchObject({ created: 0, existing: 16, problems: 0 });
  });

  it('refuses to start when fixtures are broken and on_error is fail', async () => {
    const file = writeConfig('fixtures:\n  enabled: true\n  path: ./broken-fixtures\n');
    const dir = join(file, '..', 'broken-fixtures');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'knowledge_service_configs.yaml'),
      'knowledge_services:\n  - knowledge_service_id: ks-1\n    name: ""\n',
    );
    running = spawnJulee(['start', '--config', file]);
    const exit = await running.exited();
    expect(exit.code).toBe(1);
    expect(running.stderr()).toContain('knowledge_service_configs.yaml entry 0');
  });

  it('stops within seconds on SIGTERM while a plugin is still starting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'julee-api-'));
    const file = join(dir, 'config.yaml');
    const hanging = fileURLToPath(new URL('../fixtures/plugins/hanging-start', import.meta.url));
    writeFileSync(
      file,
      `role: api\nserver: { port: 0 }\nrepositories: { default: { type: memory } }\n` +
        `services: { stuck: { type: hanging } }\nplugins: [${hanging}]\n`,
    );
    running = spawnJulee(['start', '--config', file]);
    await running.waitForLog('hanging start begun');
    const begun = Date.now();
    running.child.kill('SIGTERM');
    const exit = await running.exited();
    expect(exit.code).toBe(0);
    expect(Date.now() - begun).toBeLessThan(5000);
    await running.waitForLog('julee stopped during startup');
  });
});
