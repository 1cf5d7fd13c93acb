import type { ByteSource } from '../repositories.js';

/** A byte source that yields a text as UTF-8, for documents the pipelines produce themselves. */
export function textSource(text: string): ByteSource {
  const bytes = new TextEncoder().encode(text);
  return (async function* () {
    await Promise.resolve();
    yield bytes;
  })();
}
