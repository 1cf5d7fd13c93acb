import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  readonly root: string;
}

let cached: PackageInfo | undefined;

/** This package's name, version and root folder (works from src/ and from dist/src/). */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (parsed.name === 'julee-runtime') {
        cached = { name: parsed.name, version: parsed.version ?? '0.0.0', root: dir };
        return cached;
      }
    }
    dir = dirname(dir);
  }
  cached = { name: 'julee-runtime', version: '0.0.0', root: process.cwd() };
  return cached;
}
