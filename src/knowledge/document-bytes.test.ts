import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { multihashOf } from '../domain/content-hash.js';
import type { Document } from '../domain/entities.js';
import { readDocumentBytes, spoolDocument } from './document-bytes.js';

function doc(content: Buffer): Document {
  return {
    document_id: 'doc-1',
    original_filename: 'a.pdf',
    content_type: 'application/pdf',
    size_bytes: content.length,
    content_multihash: multihashOf(content),
    status: 'captured',
    knowledge_service_id: null,
    assembly_types: [],
    additional_metadata: {},
    created_at: null,
    updated_at: null,
  };
}

function chunks(content: Buffer, size = 1000): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < content.length; i += size) parts.push(content.subarray(i, i + size));
  return Readable.from(parts);
}

const limits = { maxBytes: 1 << 20, serviceInstance: 'knowledge' };

describe('readDocumentBytes', () => {
  it('returns the bytes when they hash to the document', async () => {
    const content = Buffer.from('x'.repeat(5000));
    expect((await readDocumentBytes(doc(content), chunks(content), limits)).equals(content)).toBe(
      true,
    );
  });

  it('refuses bytes that do not match the content hash', async () => {
    const content = Buffer.from('original');
    await expect(
      readDocumentBytes(doc(content), chunks(Buffer.from('tampered')), limits),
    ).rejects.toMatchObject({
      code: 'JULEE_KNOWLEDGE_CONTENT_MISMATCH',
    });
  });

  it('stops reading once the size limit is passed', async () => {
    const content = Buffer.alloc(5000);
    let read = 0;
    const counting = (async function* () {
      for await (const c of chunks(content)) {
        read += c.length;
        yield c;
      }
    })();
    await expect(
      readDocumentBytes(doc(content), counting, { ...limits, maxBytes: 1500 }),
    ).rejects.toMatchObject({ code: 'JULEE_KNOWLEDGE_TOO_LARGE' });
    expect(read).toBe(2000);
  });
});

async function stagedDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('julee-upload-'));
}

describe('spoolDocument', () => {
  it('stages the content in a temporary file that dispose removes', async () => {
    const content = Buffer.from('%PDF-1.4 '.repeat(10_000));
    const before = await stagedDirs();
    const spooled = await spoolDocument(doc(content), chunks(content, 4096), limits);
    const file = await spooled.file('a.pdf', 'application/pdf');

    expect(spooled.size).toBe(content.length);
    expect(file.name).toBe('a.pdf');
    expect(file.type).toBe('application/pdf');
    expect(Buffer.from(await file.arrayBuffer()).equals(content)).toBe(true);
    expect((await stagedDirs()).length).toBe(before.length + 1);
    await spooled.dispose();
    await spooled.dispose();
    expect(await stagedDirs()).toEqual(before);
  });

  it('removes the temporary file when the content is refused', async () => {
    const content = Buffer.from('original');
    const before = await stagedDirs();
    await expect(
      spoolDocument(doc(content), chunks(Buffer.from('tampered')), limits),
    ).rejects.toMatchObject({ code: 'JULEE_KNOWLEDGE_CONTENT_MISMATCH' });
    expect(await stagedDirs()).toEqual(before);
  });
});
