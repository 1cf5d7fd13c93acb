import { describe, expect, it } from 'vitest';
import { read, sourceFiles } from './support.js';

const CODE = /['"`](JULEE_[A-Z0-9_]+)['"`]/g;

describe('error codes', () => {
  const files = sourceFiles(['src', 'plugins']).filter((f) => !f.endsWith('.test.ts'));
  const used = new Map<string, string>();
  for (const file of files) {
    for (const match of read(file).matchAll(CODE)) used.set(match[1]!, file);
  }
  const documented = new Set(
    [...read('docs/errors.md').matchAll(/^\| `(JULEE_[A-Z0-9_]+)`/gm)].map((m) => m[1]!),
  );

  it('finds codes in the code and in docs/errors.md', () => {
    expect(used.size).toBeGreaterThan(10);
    expect(documented.size).toBeGreaterThan(10);
  });

  it('every code used in the code MUST be documented in docs/errors.md', () => {
    const missing = [...used]
      .filter(([code]) => !documented.has(code))
      .map(([code, file]) => `${code} (${file})`);
    expect(missing).toEqual([]);
  });

  it('every documented code MUST be used somewhere (retired codes are marked, not deleted)', () => {
    const retired = new Set(
      [...read('docs/errors.md').matchAll(/^\| `(JULEE_[A-Z0-9_]+)` \| retired/gm)].map(
        (m) => m[1]!,
      ),
    );
    const unused = [...documented].filter((code) => !used.has(code) && !retired.has(code));
    expect(unused).toEqual([]);
  });
});
