import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('writes JSON lines and redacts credentials by key name', async () => {
    let written = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ level: 'info', format: 'json', destination });
    logger.info(
      {
        options: { api_key: 'sk-live-1', secret_key: 'minio-2', bucket: 'docs' },
        req: { headers: { authorization: 'Bearer t-3' } },
      },
      'configured',
    );
    logger.debug({ hidden: true }, 'below the level');
    await new Promise((resolve) => setImmediate(resolve));
    const lines = written
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string; options: { bucket: string } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'configured' });
    expect(lines[0]!.options.bucket).toBe('docs');
    for (const secret of ['sk-live-1', 'minio-2', 't-3']) expect(written).not.toContain(secret);
  });

  it('redacts credentials at any depth, at the top level and in child bindings', async () => {
    let written = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ level: 'info', format: 'json', destination });
    logger.info({ api_key: 'top-secret-1' }, 'top level');
    logger.info({ config: { services: { knowledge: { api_key: 'deep-secret-2' } } } }, 'deep');
    logger.child({ secret_key: 'bound-secret-3' }).info('child');
    logger.info({ headers: { Authorization: 'Bearer cap-secret-4' }, tokens_used: 5 }, 'headers');
    await new Promise((resolve) => setImmediate(resolve));
    for (const secret of ['top-secret-1', 'deep-secret-2', 'bound-secret-3', 'cap-secret-4']) {
      expect(written).not.toContain(secret);
    }
    expect(written.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(4);
  });
});
