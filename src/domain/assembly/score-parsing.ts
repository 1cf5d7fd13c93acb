import type { JsonValue } from '../entities.js';
import { PipelineError } from './pipeline-errors.js';

/**
 * A score on its own, optionally labelled ("Score: 80", "Final score = 80", "The score is 80") and
 * optionally out of 100 ("80/100", "80 out of 100", "80%"). Anything else, such as "8/10" or a
 * sentence with several numbers, is refused rather than guessed at.
 */
const SCORE_PATTERN =
  /^(?:(?:the\s+)?(?:final\s+|overall\s+)?score\s*(?:[:=]|\bis\b)?\s*)?([+-]?\d+(?:\.\d+)?)\s*(?:\/\s*100|out\s+of\s+100|%)?$/i;

function invalid(queryId: string, reason: string): PipelineError {
  return new PipelineError('JULEE_VALIDATION_SCORE_INVALID', `Scoring query ${queryId} ${reason}`, {
    details: { query_id: queryId },
  });
}

/** The text with Markdown emphasis and code marks removed, blanks collapsed and trimmed. */
function plain(text: string): string {
  return text.replace(/[*_`]/g, '').replace(/\s+/g, ' ').trim().replace(/[.!]$/, '').trim();
}

/** A `{ "score": n }` answer, for models that answer in JSON anyway. */
function jsonScore(text: string): string | null {
  if (!text.startsWith('{')) return null;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const score = (value as Record<string, unknown>)['score'];
      if (typeof score === 'number' || typeof score === 'string') return String(score);
    }
  } catch {
    return null; // not JSON: the plain-text patterns decide
  }
  return null;
}

/**
 * The integer score 0..100 in a scoring answer: "80", "Score: 80", "80/100", "**Score:** 80",
 * "80%", `{"score": 80}`. Throws PipelineError JULEE_VALIDATION_SCORE_INVALID (naming the query,
 * never quoting the answer) when the answer is empty, holds no single score, holds a fraction, or
 * a score outside 0..100.
 */
export function parseScore(answer: JsonValue, queryId: string): number {
  if (typeof answer === 'number') return checkRange(answer, queryId);
  if (typeof answer !== 'string') throw invalid(queryId, 'answered with no text');
  const text = answer.trim();
  if (text === '') throw invalid(queryId, 'answered with an empty text');
  const candidate = jsonScore(text) ?? plain(text);
  const match = SCORE_PATTERN.exec(candidate);
  if (match === null) {
    throw invalid(
      queryId,
      'answered with no score; expected a whole number from 0 to 100, e.g. "80" or "Score: 80"',
    );
  }
  return checkRange(Number(match[1]), queryId);
}

function checkRange(score: number, queryId: string): number {
  if (!Number.isInteger(score)) {
    throw invalid(queryId, `answered with ${score}, which is not a whole number`);
  }
  if (score < 0 || score > 100) {
    throw invalid(queryId, `answered with the score ${score}, which is outside 0..100`);
  }
  return score;
}
