import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const SKIP = new Set(['node_modules', 'dist', '.tools', '.git', 'coverage', 'fixtures', 'data']);

/** Source files of the project (relative paths), for rules that read code as text. */
export function sourceFiles(
  folders: readonly string[],
  pattern = /\.(ts|js|mjs|cjs|sh)$/,
): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (SKIP.has(name) || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (pattern.test(name)) out.push(relative(ROOT, path));
    }
  };
  for (const folder of folders) walk(join(ROOT, folder));
  return out.sort();
}

export function read(relativePath: string): string {
  return readFileSync(join(ROOT, relativePath), 'utf8');
}
