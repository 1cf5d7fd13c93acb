import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import { convertInterpolated, interpolate } from './interpolate.js';
import { parseConfigText } from './source.js';

function run(text: string, env: Record<string, string> = {}, baseDir = '/') {
  const { source } = parseConfigText('c.yaml', text);
  const diagnostics: Diagnostic[] = [];
  const provenance = interpolate(source, { env, baseDir }, diagnostics);
  return { data: source.data as Record<string, unknown>, diagnostics, provenance };
}

describe('interpolate', () => {
  it('substitutes variables inside values', () => {
    const { data } = run('a: ${HOST}:${PORT}\nb: ${env:HOST}', { HOST: 'db', PORT: '5432' });
    expect(data).toEqual({ a: 'db:5432', b: 'db' });
  });

  it('uses the default when the variable is unset or empty', () => {
    const { data } = run('a: ${MISSING:-fallback}\nb: ${EMPTY:-x}\nc: ${MISSING:-}', { EMPTY: '' });
    expect(data).toEqual({ a: 'fallback', b: 'x', c: '' });
  });

  it('reports a required variable with its message and position', () => {
    const { diagnostics } = run('x: 1\nkey: ${API:?set the API key}', {});
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'JULEE_CONFIG_ENV',
        line: 2,
        col: 6,
        path: 'key',
        message: 'environment variable API is not set: set the API key',
      }),
    ]);
  });

  it('keeps $$ as a literal dollar sign and never interpolates keys', () => {
    const { data } = run('${KEY}: price $$5 and $${NOT}', { KEY: 'k', NOT: 'n' });
    expect(data).toEqual({ '${KEY}': 'price $5 and ${NOT}' });
  });

  it('does not re-parse substituted text as YAML', () => {
    const { data } = run('a: ${INJECT}', { INJECT: 'x\nb: injected' });
    expect(data).toEqual({ a: 'x\nb: injected' });
  });

  it('reads file references relative to the config folder, without the final newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'julee-interp-'));
    writeFileSync(join(dir, 'token'), 's3cr3t\n');
    const { data, provenance } = run('t: ${file:token}', {}, dir);
    expect(data).toEqual({ t: 's3cr3t' });
    expect(provenance.get('/t')).toMatchObject({ fromFile: true, whole: true });
  });

  it('reports an unreadable file reference without its content', () => {
    const { diagnostics } = run('t: ${file:/nonexistent/secret}');
    expect(diagnostics[0]?.message).toContain(
      'cannot read the file referenced by ${file:/nonexistent/secret} (ENOENT)',
    );
  });

  it('records whether a value was exactly one reference', () => {
    const { provenance } = run('a: ${P}\nb: x${P}', { P: '1' });
    expect(provenance.get('/a')).toMatchObject({ whole: true, refs: ['env:P'] });
    expect(provenance.get('/b')).toMatchObject({ whole: false });
  });

  it('converts whole references to the type the setting expects', () => {
    expect(convertInterpolated('8080', ['integer'])).toBe(8080);
    expect(convertInterpolated('true', ['boolean'])).toBe(true);
    expect(convertInterpolated('off', ['boolean'])).toBe(false);
    expect(convertInterpolated('8080', ['string'])).toBe('8080');
    expect(convertInterpolated('abc', ['integer'])).toBe('abc');
  });
});
