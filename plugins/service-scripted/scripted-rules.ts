import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import type { JsonSchema, JsonValue } from '../../src/plugin-api/index.js';

export const SCRIPTED_ERRORS = [
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'spend_limit',
  'bad_request',
  'auth',
  'not_found',
  'too_large',
] as const;
export type ScriptedErrorKind = (typeof SCRIPTED_ERRORS)[number];

/** One scripted answer. Exactly one of json, text, truncated, refusal, error and hang is set. */
export interface ScriptedReply {
  /** Answered as JSON text. */
  readonly json?: JsonValue;
  /** Answered as is (may be malformed JSON on purpose). */
  readonly text?: string;
  /** Answered as is, reported as cut off at max_tokens. */
  readonly truncated?: string;
  /** The model declines to answer. */
  readonly refusal?: true;
  /** The call fails as a provider error of this kind would. */
  readonly error?: ScriptedErrorKind;
  /** For errors: the retry-after the "provider" asks for. */
  readonly retry_after_ms?: number;
  /** Never answers (until the request times out or is cancelled). */
  readonly hang?: true;
  /** Waits this long before answering. */
  readonly delay_ms?: number;
}

export interface ScriptedRule {
  readonly name?: string;
  /** Every condition given must hold; a rule without conditions matches every query. */
  readonly when?: {
    /** Substrings the prompt must contain (all of them). */
    readonly prompt_contains?: string | readonly string[];
    /** A regular expression the prompt must match. */
    readonly prompt_matches?: string;
    /** A substring of one of the query's (text) documents. */
    readonly document_contains?: string;
    /** 1 for the first ask, 2 for the first re-ask, ... */
    readonly attempt?: number;
  };
  /** Answers given in turn to the queries this rule matches; the last one repeats. */
  readonly replies: readonly ScriptedReply[];
  /** Delay for every reply of the rule that sets none. */
  readonly delay_ms?: number;
}

const replySchema: JsonSchema = {
  description: 'One answer: exactly one of json, text, truncated, refusal, error, hang.',
  type: 'object',
  additionalProperties: false,
  properties: {
    json: { description: 'Answered as JSON text.' },
    text: { description: 'Answered as is.', type: 'string' },
    truncated: {
      description: 'Answered as is, reported as cut off at max_tokens.',
      type: 'string',
    },
    refusal: { description: 'The model declines to answer.', const: true },
    error: { description: 'The call fails with this provider error.', enum: [...SCRIPTED_ERRORS] },
    retry_after_ms: {
      description: 'Retry-after of a scripted error.',
      type: 'integer',
      minimum: 0,
    },
    hang: { description: 'Never answers (until timeout or cancellation).', const: true },
    delay_ms: { description: 'Wait before answering, in ms.', type: 'integer', minimum: 0 },
  },
  oneOf: [
    { required: ['json'] },
    { required: ['text'] },
    { required: ['truncated'] },
    { required: ['refusal'] },
    { required: ['error'] },
    { required: ['hang'] },
  ],
};

export const ruleSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['replies'],
  properties: {
    name: { description: 'Names the rule in call records.', type: 'string' },
    when: {
      description: 'Conditions, all of which must hold; none means "every query".',
      type: 'object',
      additionalProperties: false,
      properties: {
        prompt_contains: {
          description: 'Substring(s) the prompt must contain.',
          anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
        },
        prompt_matches: {
          description: 'Regular expression the prompt must match.',
          type: 'string',
        },
        document_contains: {
          description: "Substring of one of the query's text documents.",
          type: 'string',
        },
        attempt: {
          description: '1 for the first ask, 2 for the first re-ask, ...',
          type: 'integer',
          minimum: 1,
        },
      },
    },
    replies: {
      description: 'Answers in turn; the last one repeats.',
      type: 'array',
      minItems: 1,
      items: replySchema,
    },
    delay_ms: {
      description: 'Delay of every reply that sets none, in ms.',
      type: 'integer',
      minimum: 0,
    },
  },
};

const fixtureFileSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: { rules: { type: 'array', items: ruleSchema } },
};

let compiledFixtureSchema: ValidateFunction | null = null;

function fixtureValidator(): ValidateFunction {
  compiledFixtureSchema ??= new Ajv2020({ allErrors: true, strict: false }).compile(
    fixtureFileSchema,
  );
  return compiledFixtureSchema;
}

/** Reads rules from fixture files (YAML or JSON, `{ rules: [...] }`), relative to `baseDir`. */
export async function loadRuleFiles(
  paths: readonly string[],
  baseDir: string,
): Promise<ScriptedRule[]> {
  const rules: ScriptedRule[] = [];
  for (const path of paths) {
    const file = isAbsolute(path) ? path : resolve(baseDir, path);
    const data: unknown = parseYaml(await readFile(file, 'utf8'));
    const validate = fixtureValidator();
    if (!validate(data)) {
      const problems = (validate.errors ?? [])
        .map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim())
        .join('; ');
      throw new Error(`scripted fixture ${file} is not valid: ${problems}`);
    }
    rules.push(...(data as { rules: ScriptedRule[] }).rules);
  }
  return rules;
}
