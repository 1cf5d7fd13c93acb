import type { JsonObject } from '../domain/entities.js';

/** At most this many violations are listed in a re-ask or an error message. */
export const MAX_LISTED_VIOLATIONS = 20;

/**
 * The paragraph appended to a prompt when the output schema cannot go to the provider natively.
 */
export function schemaInstructions(schema: JsonObject): string {
  return [
    '',
    '',
    'Answer with one JSON value that is valid against the following JSON Schema:',
    '```json',
    JSON.stringify(schema, null, 2),
    '```',
    'Reply with the JSON only: no explanation, no Markdown code fence.',
  ].join('\n');
}

/** The user turn that asks again after an answer broke the schema or was not JSON. */
export function repairRequest(violations: readonly string[]): string {
  const listed = violations.slice(0, MAX_LISTED_VIOLATIONS).map((v) => `- ${v}`);
  if (violations.length > MAX_LISTED_VIOLATIONS) {
    listed.push(`- ... and ${violations.length - MAX_LISTED_VIOLATIONS} more`);
  }
  return [
    'Your previous answer cannot be used. Problems found:',
    ...listed,
    'Answer again with the complete, corrected JSON only (no explanation, no Markdown fence).',
  ].join('\n');
}

/** Violations joined for an error message. */
export function listViolations(violations: readonly string[]): string {
  const shown = violations.slice(0, MAX_LISTED_VIOLATIONS).join('; ');
  const more = violations.length - MAX_LISTED_VIOLATIONS;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}
