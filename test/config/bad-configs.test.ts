import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, STACK_TRACE } from '../support/cli.js';

const CORPUS = fileURLToPath(new URL('../fixtures/configs/bad/', import.meta.url));

interface Case {
  readonly file: string;
  readonly code: string;
  readonly line?: number;
  readonly col?: number;
  readonly path?: string;
  readonly env: Record<string, string>;
  readonly secret?: string;
}

/** Each corpus file states what it must produce in its leading comments. */
function readCase(name: string): Case {
  const file = join(CORPUS, name);
  const header = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('#'));
  const expect = /^# expect: (\S+) (\S+) (\S+)/.exec(header[0] ?? '');
  if (!expect) throw new Error(`${name} has no "# expect:" line`);
  const [, code, position, path] = expect;
  const env: Record<string, string> = {};
  let secret: string | undefined;
  for (const line of header.slice(1)) {
    const envMatch = /^# env: ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (envMatch) env[envMatch[1]!] = envMatch[2]!;
    const secretMatch = /^# secret: (.+)$/.exec(line);
    if (secretMatch) secret = secretMatch[1]!;
  }
  const [line, col] = position === '-' ? [] : position!.split(':').map(Number);
  return {
    file,
    code: code!,
    ...(line === undefined ? {} : { line, col: col! }),
    ...(path === '-' ? {} : { path: path! }),
    env,
    ...(secret === undefined ? {} : { secret }),
  };
}

const cases = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('bad configuration corpus', () => {
  it('holds at least 30 configurations', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s is reported with its position and exit code 2', async (name) => {
    const c = readCase(name);
    const result = await runCli(['validate', '--config', c.file, '--format', 'json'], {
      env: c.env,
    });
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as {
      valid: boolean;
      diagnostics: { code: string; line: number; col: number; path: string; file: string }[];
    };
    expect(report.valid).toBe(false);
    const match = report.diagnostics.find(
      (d) =>
        d.code === c.code &&
        (c.line === undefined || (d.line === c.line && d.col === c.col)) &&
        (c.path === undefined || d.path === c.path),
    );
    expect(match, JSON.stringify(report.diagnostics, null, 2)).toBeDefined();

    const text = await runCli(['validate', '--config', c.file], { env: c.env });
    expect(text.code).toBe(2);
    expect(text.stderr).toContain(c.code);
    if (c.line !== undefined && c.line > 0) {
      expect(text.stderr).toContain(`${c.file}:${c.line}:${c.col}:`);
    }
    for (const output of [result.stdout, result.stderr, text.stdout, text.stderr]) {
      expect(output).not.toMatch(STACK_TRACE);
      if (c.secret !== undefined) expect(output).not.toContain(c.secret);
    }
  });
});
