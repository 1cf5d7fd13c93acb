import type { JsonValue } from '../domain/entities.js';

export type ParsedAnswer =
  { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly error: string };

/**
 * Parses a model's answer as JSON. The prefill (e.g. "{") is part of the answer when it opens a
 * JSON value; a model that repeats it, wraps the JSON in a Markdown fence or adds a sentence
 * around one object is still understood. The error names the problem, never the answer's text.
 */
export function parseJsonAnswer(text: string, prefill: string | null = null): ParsedAnswer {
  const opener = prefill?.trim() ?? '';
  const full = opener.startsWith('{') || opener.startsWith('[') ? prefill! + text : text;
  if (full.trim() === '') return { ok: false, error: 'the answer is empty' };

  const candidates = [full, text, stripFence(full), stripFence(text), outermostObject(text)];
  let firstError: unknown = null;
  for (const candidate of candidates) {
    if (candidate === null || candidate.trim() === '') continue;
    try {
      return { ok: true, value: JSON.parse(candidate) as JsonValue };
    } catch (error) {
      firstError ??= error;
    }
  }
  return { ok: false, error: describeParseError(firstError, full) };
}

function stripFence(text: string): string | null {
  const match = /^\s*```[a-zA-Z0-9_-]*\s*\n([\s\S]*?)\n?\s*```\s*$/.exec(text);
  return match ? match[1]! : null;
}

function outermostObject(text: string): string | null {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  return start >= 0 && end > start ? text.slice(start, end + 1) : null;
}

function describeParseError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : '';
  if (
    /end of JSON input|Unterminated|Expected .* after/i.test(message) &&
    !/position/.test(message)
  ) {
    return `the answer is not valid JSON: it ends early (after ${text.length} characters)`;
  }
  const position = /position (\d+)/.exec(message);
  if (position) return `the answer is not valid JSON: unexpected text at position ${position[1]}`;
  return 'the answer is not valid JSON';
}
