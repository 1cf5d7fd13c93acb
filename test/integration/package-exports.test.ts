import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Imports a specifier the way a plugin author's code would, in a fresh Node process. */
function importInNode(specifier: string, expression: string): string {
  return execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import('${specifier}'); console.log(${expression});`,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  ).trim();
}

describe('package exports for plugin authors (built output)', () => {
  it('exposes the plugin contract at julee-runtime/plugin-api', () => {
    expect(
      importInNode(
        'julee-runtime/plugin-api',
        'typeof m.definePlugin + " " + m.PLUGIN_API_VERSION',
      ),
    ).toBe('function 1');
  });

  it('exposes definePlugin at the package root', () => {
    expect(importInNode('julee-runtime', 'typeof m.definePlugin')).toBe('function');
  });

  it('exposes the conformance kits at julee-runtime/testing', () => {
    expect(
      importInNode(
        'julee-runtime/testing',
        'typeof m.runRepositoryConformance + " " + typeof m.runKnowledgeServiceConformance',
      ),
    ).toBe('function function');
  });
});
