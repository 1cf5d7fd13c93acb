import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { ROOT } from './support.js';

describe('config.example.yaml', () => {
  it('MUST validate with the variables it names', async () => {
    const result = await runCli(
      ['validate', '--config', join(ROOT, 'config.example.yaml'), '--format', 'json'],
      {
        env: { ANTHROPIC_API_KEY: 'sk-ant-example', MINIO_ACCESS_KEY: 'a', MINIO_SECRET_KEY: 'b' },
      },
    );
    expect(JSON.parse(result.stdout).diagnostics).toEqual([]);
    expect(result.code).toBe(0);
  });
});
