import { createHash, type Hash } from 'node:crypto';

/** Prefix of a SHA-256 multihash: code 0x12 (sha2-256), digest length 0x20 (32 bytes). */
const SHA256_MULTIHASH_PREFIX = '1220';
const MULTIHASH_PATTERN = /^1220[0-9a-f]{64}$/;

/** Incremental SHA-256 multihash over a stream of chunks. */
export class ContentHasher {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
  }

  get size(): number {
    return this.bytes;
  }

  /** The multihash in hex ("1220" + 64 hex digits). Call once, after the last chunk. */
  digest(): string {
    return SHA256_MULTIHASH_PREFIX + this.hash.digest('hex');
  }
}

/** The SHA-256 multihash (hex) of bytes held in memory. */
export function multihashOf(bytes: Uint8Array | string): string {
  return SHA256_MULTIHASH_PREFIX + createHash('sha256').update(bytes).digest('hex');
}

export function isMultihash(value: string): boolean {
  return MULTIHASH_PATTERN.test(value);
}
