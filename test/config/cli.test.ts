import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, STACK_TRACE } from '../support/cli.js';

const GOOD = fileURLToPath(new URL('../fixtures/configs/good/', import.meta.url));
const THIRD_PARTY = `${GOOD}third-party.yaml`;
const SEED = `${GOOD}seed.yaml`;
const SEED_ENV = {
  MINIO_ENDPOINT: 'minio.internal:9000',
  MINIO_ACCESS_KEY: 'minio-access-key-value',
  MINIO_SECRET_KEY: 'minio-secret-key-value',
  TEMPORAL_ENDPOINT: 'temporal.internal:7233',
  TEMPORAL_NAMESPACE: 'ceap',
  ANTHROPIC_API_KEY: 'sk-ant-test-0123456789',
  LOG_LEVEL: 'INFO',
};

describe('julee CLI', () => {
  it('prints help and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: julee');
    expect(result.stdout).toContain('plugins list');
  });

  it('prints the package version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects an unknown command with usage and exit code 2', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
  });

  it('rejects an unknown option with exit code 2', async () => {
    const result = await runCli(['validate', '--colour']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--colour'");
  });

  it('reports a missing configuration file with exit code 2', async () => {
    const result = await runCli(['validate', '--config', '/nonexistent/julee.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('JULEE_CONFIG_NOT_FOUND');
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('reads the file named by JULEE_CONFIG', async () => {
    const result = await runCli(['validate'], {
      env: { JULEE_CONFIG: THIRD_PARTY, ECHO_TOKEN: 't' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${THIRD_PARTY}: configuration is valid`);
  });

  it('falls back to the embedded defaults without a file', async () => {
    const result = await runCli(['config', 'print', '--format', 'json'], { cwd: '/' });
    expect(result.code).toBe(0);
    const config = JSON.parse(result.stdout);
    expect(config.repositories.default.type).toBe('filesystem');
    expect(config.server.port).toBe(8000);
  });

  it('validates the seed configuration once its variables are set', async () => {
    const result = await runCli(['validate', '--config', SEED, '--format', 'json'], {
      env: SEED_ENV,
    });
    expect(result.code, result.stdout).toBe(0);
    expect(JSON.parse(result.stdout).valid).toBe(true);
  });

  it('fills the seed variables into the settings the file leaves out', async () => {
    const result = await runCli(['config', 'print', '--config', SEED, '--format', 'json'], {
      env: SEED_ENV,
    });
    expect(result.code).toBe(0);
    const config = JSON.parse(result.stdout);
    expect(config.temporal.address).toBe('temporal.internal:7233');
    expect(config.temporal.namespace).toBe('ceap');
    expect(config.logging.level).toBe('info');
    expect(config.repositories.document.endpoint).toBe('minio.internal:9000');
    expect(config.repositories.document.bucket).toBe('documents');
    expect(config.repositories.document.secret_key).toBe('<redacted>');
    expect(config.services.knowledge.api_key).toBe('<redacted>');
    for (const secret of ['minio-secret-key-value', 'sk-ant-test-0123456789']) {
      expect(result.stdout).not.toContain(secret);
    }
  });

  it('reports each deliberate mistake in the seed configuration with file:line:col', async () => {
    const broken = `${GOOD}../seed-mistakes.yaml`;
    const result = await runCli(['validate', '--config', broken, '--format', 'json'], {
      env: SEED_ENV,
    });
    expect(result.code).toBe(2);
    const found = (
      JSON.parse(result.stdout).diagnostics as {
        code: string;
        line: number;
        col: number;
        path: string;
      }[]
    ).map((d) => `${d.code} ${d.line}:${d.col} ${d.path}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'JULEE_CONFIG_UNKNOWN_KEY 6:5 repositories.document.buckt',
        'JULEE_CONFIG_UNKNOWN_PLUGIN_TYPE 8:11 repositories.assembly.type',
        'JULEE_CONFIG_WRONG_TYPE 14:17 services.knowledge.max_tokens',
      ]),
    );
  });

  it('lists a plugin loaded from a local folder with its kind, type, version and source', async () => {
    const result = await runCli(['plugins', 'list', '--config', THIRD_PARTY, '--format', 'json'], {
      env: { ECHO_TOKEN: 't' },
    });
    expect(result.code).toBe(0);
    const plugins = JSON.parse(result.stdout) as {
      kind: string;
      type: string;
      version: string;
      source: string;
    }[];
    expect(plugins).toContainEqual(
      expect.objectContaining({ kind: 'service', type: 'echo', version: '1.4.2', source: 'path' }),
    );
    expect(plugins).toContainEqual(
      expect.objectContaining({ kind: 'repository', type: 'memory', source: 'builtin' }),
    );
    const text = await runCli(['plugins', 'list', '--config', THIRD_PARTY], {
      env: { ECHO_TOKEN: 't' },
    });
    expect(text.stdout).toMatch(
      /service\s+echo\s+1\.4\.2\s+path\s+\.\.\/\.\.\/plugins\/echo-service/,
    );
  });

  it('never prints a secret option in config print', async () => {
    const result = await runCli(['config', 'print', '--config', THIRD_PARTY], {
      env: { ECHO_TOKEN: 'super-secret-echo-token' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('super-secret-echo-token');
    expect(parse(result.stdout).services.echo.token).toBe('<redacted>');
    expect(parse(result.stdout).services.echo.prefix).toBe('said: ');
  });

  it('prints a combined JSON Schema that knows every plugin option', async () => {
    const result = await runCli(['schema', '--config', THIRD_PARTY], { env: { ECHO_TOKEN: 't' } });
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(schema.$defs.service_instance.properties.type.enum).toContain('echo');
    expect(schema.$defs.repository_instance.properties.type.enum).toEqual(
      expect.arrayContaining(['memory', 'filesystem', 's3', 'minio']),
    );
  });

  it('lets --role override the role in the file', async () => {
    const result = await runCli(
      ['config', 'print', '--config', THIRD_PARTY, '--role', 'all', '--format', 'json'],
      {
        env: { ECHO_TOKEN: 't' },
      },
    );
    expect(JSON.parse(result.stdout).role).toBe('all');
    const bad = await runCli(['validate', '--config', THIRD_PARTY, '--role', 'director'], {
      env: { ECHO_TOKEN: 't' },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown role');
  });

  it('warns when memory storage is used by a split api role', async () => {
    const result = await runCli(['validate', '--config', THIRD_PARTY, '--format', 'json'], {
      env: { ECHO_TOKEN: 't' },
    });
    const codes = (
      JSON.parse(result.stdout).diagnostics as { code: string; severity: string }[]
    ).map((d) => `${d.severity} ${d.code}`);
    expect(codes).toContain('warning JULEE_CONFIG_ROLE_SPLIT');
    expect(result.code).toBe(0);
  });
});
