import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import type { LoadedPlugin } from './plugin-loader.js';
import { PluginRuntime, type RunningInstance } from './runtime.js';
import type { PluginInstance } from '../plugin-api/contract.js';

function capture(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    logger: pino({ level: 'debug' }, stream),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function running(id: string, instance: PluginInstance): RunningInstance {
  return {
    plan: {
      id,
      kind: 'service',
      name: id,
      fromDefault: false,
      path: ['services', id],
      plugin: { type: 'test', kind: 'service' } as LoadedPlugin,
      options: {},
      secretPaths: [],
    },
    instance,
  };
}

describe('PluginRuntime', () => {
  it('starts instances in order and stops them in reverse order', async () => {
    const events: string[] = [];
    const make = (id: string) =>
      running(id, {
        start: () => {
          events.push(`start ${id}`);
          return Promise.resolve();
        },
        stop: () => {
          events.push(`stop ${id}`);
          return Promise.resolve();
        },
      });
    const runtime = new PluginRuntime([make('a'), make('b'), make('c')], capture().logger, 1000);
    await runtime.start();
    await runtime.stop();
    expect(events).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('keeps stopping the others when one stop fails, and logs the failure', async () => {
    const stopped: string[] = [];
    const { logger, lines } = capture();
    const runtime = new PluginRuntime(
      [
        running('a', { stop: () => Promise.resolve(void stopped.push('a')) }),
        running('b', { stop: () => Promise.reject(new Error('disk on fire')) }),
        running('c', { stop: () => Promise.resolve(void stopped.push('c')) }),
      ],
      logger,
      1000,
    );
    await runtime.start();
    await runtime.stop();
    expect(stopped).toEqual(['c', 'a']);
    expect(lines()).toContainEqual(
      expect.objectContaining({
        msg: 'plugin instance failed to stop',
        instance: 'b',
        err: 'disk on fire',
      }),
    );
  });

  it('fails a start that exceeds the timeout, naming the instance, and stops the started ones', async () => {
    const stopped: string[] = [];
    let aborted = false;
    const runtime = new PluginRuntime(
      [
        running('fast', {
          start: () => Promise.resolve(),
          stop: () => Promise.resolve(void stopped.push('fast')),
        }),
        running('slow', {
          start: (signal) =>
            new Promise<void>((resolve) => {
              signal.addEventListener('abort', () => {
                aborted = true;
                resolve();
              });
            }),
          stop: () => Promise.resolve(void stopped.push('slow')),
        }),
      ],
      capture().logger,
      50,
    );
    await expect(runtime.start()).rejects.toMatchObject({
      code: 'JULEE_PLUGIN_TIMEOUT',
      message: 'slow did not start within 50 ms',
    });
    expect(aborted).toBe(true);
    expect(stopped).toEqual(['slow', 'fast']);
  });

  it('abandons startup when the stop signal aborts, stopping what was started', async () => {
    const stopped: string[] = [];
    const stop = new AbortController();
    const runtime = new PluginRuntime(
      [
        running('first', { stop: () => Promise.resolve(void stopped.push('first')) }),
        running('hanging', {
          start: () => new Promise<void>(() => undefined),
          stop: () => Promise.resolve(void stopped.push('hanging')),
        }),
        running('never', { start: () => Promise.reject(new Error('must not start')) }),
      ],
      capture().logger,
      60_000,
    );
    setTimeout(() => stop.abort(), 20);
    await expect(runtime.start(stop.signal)).rejects.toMatchObject({
      code: 'JULEE_PLUGIN_START_INTERRUPTED',
    });
    expect(stopped).toEqual(['hanging', 'first']);
  });

  it('wraps a failing start with the instance and the cause', async () => {
    const runtime = new PluginRuntime(
      [running('db', { start: () => Promise.reject(new Error('connection refused')) })],
      capture().logger,
      1000,
    );
    await expect(runtime.start()).rejects.toMatchObject({
      code: 'JULEE_PLUGIN_START_FAILED',
      message: 'db (service plugin "test") failed to start: connection refused',
    });
  });

  it('reports health per instance, treating a throwing or hanging check as down', async () => {
    const runtime = new PluginRuntime(
      [
        running('plain', {}),
        running('good', { health: () => Promise.resolve({ status: 'ok' as const }) }),
        running('bad', { health: () => Promise.reject(new Error('no route to host')) }),
        running('hung', { health: () => new Promise(() => undefined) }),
      ],
      capture().logger,
      1000,
    );
    const health = await runtime.health(50);
    expect(health.map((h) => [h.id, h.status])).toEqual([
      ['plain', 'ok'],
      ['good', 'ok'],
      ['bad', 'down'],
      ['hung', 'down'],
    ]);
    expect(health[2]!.detail).toBe('no route to host');
  });
});
