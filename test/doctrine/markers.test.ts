import { describe, expect, it } from 'vitest';
import { read, sourceFiles } from './support.js';

describe('shortcoming markers', () => {
  const files = sourceFiles(['src', 'plugins', 'test', 'bench', 'scripts', 'bin']);

  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('code MUST NOT carry bare shortcoming markers (only the issue-linked form)', () => {
    const marker = new RegExp(['TO', 'DO|FIX', 'ME|X', 'XX|HA', 'CK'].join(''));
    const violations: string[] = [];
    for (const file of files) {
      read(file)
        .split('\n')
        .forEach((line, index) => {
          const found = new RegExp(`\\b(${marker.source})\\b(?!\\(#\\d+\\))`).exec(line);
          if (found) violations.push(`${file}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(violations).toEqual([]);
  });
});
