import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { parseDocument } from 'yaml';
import { InputError, NotFoundError, StorageError } from '../errors/julee-error.js';
import type { ByteSource } from '../domain/repositories.js';
import type { FixtureSource } from '../domain/use-cases/initialize-system-data.js';
import { packageInfo } from './package-info.js';

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Fixture files in a directory. YAML and JSON files are parsed with the `yaml` package (JSON is
 * YAML 1.2), duplicate keys refused, and every syntax error reported with its line and column.
 * Names must stay inside the directory.
 */
export class DirectoryFixtureSource implements FixtureSource {
  readonly location: string;

  constructor(directory: string) {
    this.location = resolve(directory);
  }

  private pathOf(name: string): string {
    const path = resolve(this.location, name);
    const inside = relative(this.location, path);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw new InputError(`Fixture file name ${JSON.stringify(name)} leaves ${this.location}`);
    }
    return path;
  }

  async readData(name: string): Promise<unknown> {
    const path = this.pathOf(name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new StorageError(`Cannot read fixture file ${path}`, {
        cause: error,
        retryable: false,
      });
    }
    const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    if (document.errors.length > 0) {
      const errors = document.errors.map((e) => {
        const at = e.linePos?.[0];
        const reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return at === undefined ? reason : `${at.line}:${at.col} ${reason}`;
      });
      throw new InputError(`Cannot parse ${path}: ${errors.join('; ')}`, {
        details: { file: path, errors },
      });
    }
    return document.toJS({ maxAliasCount: 100 }) as unknown;
  }

  async openBytes(name: string): Promise<ByteSource> {
    const path = this.pathOf(name);
    try {
      if (!(await stat(path)).isFile())
        throw new NotFoundError(`Fixture content ${path} is not a file`);
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(`Fixture content file not found: ${path}`);
      throw error;
    }
    return createReadStream(path);
  }
}

/**
 * The demo fixtures shipped with the package: the `fixtures` folder beside the package.json of
 * julee-runtime, found from this module whether it runs from src/ or from dist/.
 */
export function defaultFixturesDirectory(): string {
  return join(packageInfo().root, 'fixtures');
}
