import type { Diagnostic } from './diagnostics.js';

/** Shorter values are too likely to occur by chance to be scrubbed from text. */
const MIN_SECRET_LENGTH = 4;
export const REDACTED_TEXT = '<redacted>';

/**
 * The secret values of one configuration (every value at a setting marked secret, and every
 * environment variable that fed one), so that text built from other sources, such as a plugin
 * factory's error message or a diagnostic about a misused variable, can be scrubbed of them.
 */
export class SecretValues {
  private readonly values = new Set<string>();

  add(value: unknown): void {
    if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) this.values.add(value);
  }

  get size(): number {
    return this.values.size;
  }

  scrub(text: string): string {
    let out = text;
    // Longest first, so that a secret containing another is replaced whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      if (out.includes(value)) out = out.split(value).join(REDACTED_TEXT);
    }
    return out;
  }

  scrubDiagnostic(d: Diagnostic): Diagnostic {
    const fields = ['message', 'expected', 'found', 'hint'] as const;
    let changed = false;
    const out: Record<string, unknown> = { ...d };
    for (const field of fields) {
      const text = d[field];
      if (text === undefined) continue;
      const clean = this.scrub(text);
      if (clean !== text) {
        out[field] = clean;
        changed = true;
      }
    }
    return changed ? ({ ...out, secret: true } as unknown as Diagnostic) : d;
  }
}
