import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { constants, createWriteStream } from 'node:fs';
import {
  access,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { addAbortSignal } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  InputError,
  JuleeError,
  StorageError,
  type ByteSource,
  type HealthReport,
  type ObjectStore,
} from '../../src/plugin-api/index.js';

/** One path segment of a key: no separators, no leading dot (so never "." or ".."), no NUL. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,229}$/;
const TEMP_SUFFIX = '.tmp';
const READ_CHUNK_BYTES = 256 * 1024;
const WRITE_CHUNK_BYTES = 256 * 1024;
/** Error codes after which trying again cannot help. */
const PERMANENT_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'ENAMETOOLONG']);

export interface FilesystemObjectStoreOptions {
  /** Flush file data and the directory entry to disk before a write counts as done. */
  readonly fsync?: boolean;
}

/**
 * An ObjectStore in a directory: a key "a/b" is the file "<root>/a/b". Writes go to a hidden
 * temporary file in the target's directory and are renamed into place, so readers see either the
 * old object or the whole new one. Keys are checked segment by segment and the final path must
 * stay inside the root.
 */
export class FilesystemObjectStore implements ObjectStore {
  readonly root: string;
  private readonly fsync: boolean;

  constructor(root: string, options: FilesystemObjectStoreOptions = {}) {
    this.root = resolve(root);
    this.fsync = options.fsync ?? true;
  }

  async get(key: string): Promise<Uint8Array | null> {
    const path = this.pathOf(key);
    try {
      return await readFile(path);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw failure('get', key, error);
    }
  }

  async put(key: string, body: Uint8Array, _contentType: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await this.writeAtomically(path, (temp) =>
        writeFile(temp, body, { flag: 'wx', flush: this.fsync }),
      );
    } catch (error) {
      throw failure('put', key, error);
    }
  }

  async delete(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
      return true;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw failure('delete', key, error);
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
      return { size: info.size };
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw failure('stat', key, error);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const slash = prefix.lastIndexOf('/');
    const directoryKey = slash < 0 ? '' : prefix.slice(0, slash);
    const start = directoryKey === '' ? this.root : this.pathOf(directoryKey);
    const keys: string[] = [];
    try {
      await this.collectKeys(start, directoryKey === '' ? '' : `${directoryKey}/`, keys);
    } catch (error) {
      // A missing sub-directory is an empty listing; a missing root is a failure (an unmounted
      // volume must not look like an empty store).
      if (errorCode(error) !== 'ENOENT' || start === this.root)
        throw failure('list', prefix, error);
    }
    const matching = keys.filter((key) => key.startsWith(prefix));
    yield* matching.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  async putStream(
    key: string,
    body: ByteSource,
    _contentType: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const path = this.pathOf(key);
    let written = 0;
    try {
      await this.writeAtomically(path, async (temp) => {
        const output = createWriteStream(temp, {
          flags: 'wx',
          flush: this.fsync,
          highWaterMark: WRITE_CHUNK_BYTES,
        });
        await pipeline(body, output, { signal: options.signal });
        written = output.bytesWritten;
      });
      return written;
    } catch (error) {
      throw failure('putStream', key, error);
    }
  }

  async openStream(
    key: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ByteSource | null> {
    const path = this.pathOf(key);
    let file: FileHandle;
    try {
      file = await open(path, 'r');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw failure('openStream', key, error);
    }
    const stream = file.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
    return options.signal === undefined ? stream : addAbortSignal(options.signal, stream);
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    const from = this.pathOf(fromKey);
    const to = this.pathOf(toKey);
    try {
      await mkdir(dirname(to), { recursive: true });
      await rename(from, to);
      if (this.fsync) await syncDirectory(dirname(to));
    } catch (error) {
      throw failure('move', fromKey, error);
    }
  }

  async ensureReady(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.R_OK | constants.W_OK);
    } catch (error) {
      throw failure('ensureReady', '', error, `data directory "${this.root}" is not usable`);
    }
  }

  /** Whether the root directory exists and is writable. */
  async health(): Promise<HealthReport> {
    try {
      await access(this.root, constants.R_OK | constants.W_OK);
      return { status: 'ok' };
    } catch (error) {
      const code = errorCode(error) ?? 'unknown error';
      return { status: 'down', detail: `data directory "${this.root}" is not writable (${code})` };
    }
  }

  /** The file of a key, after checking that the key cannot reach outside the root. */
  private pathOf(key: string): string {
    const segments = typeof key === 'string' ? key.split('/') : [];
    if (segments.length === 0 || !segments.every((segment) => SEGMENT.test(segment))) {
      throw invalidKey(key);
    }
    const path = resolve(this.root, ...segments);
    const inside = relative(this.root, path);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw invalidKey(key);
    return path;
  }

  private async collectKeys(directory: string, keyPrefix: string, keys: string[]): Promise<void> {
    const entries: Dirent[] = await readdir(directory, { withFileTypes: true });
    for (const entry of entries) {
      if (!SEGMENT.test(entry.name)) continue; // temporary files and foreign names
      if (entry.isDirectory()) {
        await this.collectKeys(join(directory, entry.name), `${keyPrefix}${entry.name}/`, keys);
      } else if (entry.isFile()) {
        keys.push(keyPrefix + entry.name);
      }
    }
  }

  /**
   * Has `write` create a new file at a temporary path beside `path` (and flush it when fsync is
   * on), then renames it over `path`. The temporary file is removed when anything fails.
   */
  private async writeAtomically(
    path: string,
    write: (temp: string) => Promise<void>,
  ): Promise<void> {
    const directory = dirname(path);
    await mkdir(directory, { recursive: true });
    const temp = join(
      directory,
      `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`,
    );
    try {
      await write(temp);
      await rename(temp, path);
    } catch (error) {
      // Removing the temporary file must not replace the error that made the write fail.
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
    if (this.fsync) await syncDirectory(directory);
  }
}

/** Flushes a directory's entries (a rename) to disk, where the platform allows it. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms and file systems cannot fsync a directory; the rename itself has happened.
    if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF'].includes(errorCode(error) ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function invalidKey(key: unknown): JuleeError {
  const shown = typeof key === 'string' ? JSON.stringify(key.slice(0, 80)) : typeof key;
  return new InputError(`invalid object key ${shown} for the filesystem store`);
}

function failure(operation: string, key: string, error: unknown, message?: string): unknown {
  if (error instanceof JuleeError || (error instanceof Error && error.name === 'AbortError')) {
    return error;
  }
  const code = errorCode(error);
  return new StorageError(
    message ?? `filesystem ${operation} failed for key "${key}"${code ? ` (${code})` : ''}`,
    {
      cause: error,
      details: { operation, key, code },
      retryable: !PERMANENT_CODES.has(code ?? ''),
    },
  );
}
