import { describe, expect, it } from 'vitest';
import { PipelineError } from './pipeline-errors.js';
import { parseScore } from './score-parsing.js';

describe('parseScore', () => {
  it.each([
    ['80', 80],
    [' 80\n', 80],
    ['Score: 80', 80],
    ['score:80', 80],
    ['SCORE = 80', 80],
    ['The score is 80.', 80],
    ['Final score: 80', 80],
    ['80/100', 80],
    ['80 / 100', 80],
    ['80 out of 100', 80],
    ['80%', 80],
    ['**Score:** 80', 80],
    ['**Score: 80/100**', 80],
    ['`80`', 80],
    ['0', 0],
    ['100', 100],
    ['80.0', 80],
    ['{"score": 80}', 80],
    [75, 75],
  ])('reads %j as %i', (answer, score) => {
    expect(parseScore(answer, 'q')).toBe(score);
  });

  it.each([
    ['', 'answered with an empty text'],
    ['   ', 'answered with an empty text'],
    ['eighty', 'answered with no score'],
    ['8/10', 'answered with no score'],
    ['Between 70 and 80', 'answered with no score'],
    ['I would give it 80, maybe 90', 'answered with no score'],
    ['80.5', 'answered with 80.5, which is not a whole number'],
    ['101', 'answered with the score 101, which is outside 0..100'],
    ['Score: 120', 'answered with the score 120, which is outside 0..100'],
    ['-5', 'answered with the score -5, which is outside 0..100'],
    ['{"score": 140}', 'answered with the score 140, which is outside 0..100'],
    [null, 'answered with no text'],
  ])('refuses %j', (answer, reason) => {
    let caught: unknown;
    try {
      parseScore(answer, 'score-query');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PipelineError);
    expect((caught as PipelineError).code).toBe('JULEE_VALIDATION_SCORE_INVALID');
    expect((caught as Error).message).toContain(`Scoring query score-query ${reason}`);
  });
});
