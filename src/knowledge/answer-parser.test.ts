import { describe, expect, it } from 'vitest';
import { parseJsonAnswer } from './answer-parser.js';

describe('parseJsonAnswer', () => {
  it('puts the "{" prefill back in front of the answer', () => {
    expect(parseJsonAnswer('"a": 1}', '{')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('accepts an answer that repeats the prefill', () => {
    expect(parseJsonAnswer('{"a": 1}', '{')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('ignores a prefill that does not open JSON', () => {
    expect(parseJsonAnswer('{"a": 1}', 'Answer:')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('unwraps a Markdown fence and a sentence around one object', () => {
    expect(parseJsonAnswer('```json\n{"a": [1]}\n```')).toEqual({ ok: true, value: { a: [1] } });
    expect(parseJsonAnswer('Here you are: {"a": 2}. Hope it helps')).toEqual({
      ok: true,
      value: { a: 2 },
    });
  });

  it('describes malformed JSON without quoting the answer', () => {
    const secret = 'Confidential salary figures';
    const result = parseJsonAnswer(`{"note": "${secret}", `);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^the answer is not valid JSON/);
    expect(!result.ok && result.error).not.toContain('salary');
  });

  it('reports an empty answer', () => {
    expect(parseJsonAnswer('  ')).toEqual({ ok: false, error: 'the answer is empty' });
  });
});
