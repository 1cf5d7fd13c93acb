import { JuleeError } from '../../errors/julee-error.js';

/**
 * The stable codes of failures found by the extract-assemble and validate-document pipelines
 * themselves (provider, storage and remote-schema failures keep their own codes).
 */
export const PIPELINE_ERROR_CODES = {
  /** A schema pointer or the (resolved) schema of a specification cannot be used to assemble. */
  JULEE_ASSEMBLY_SPECIFICATION_INVALID: { retryable: false },
  /** An answer does not have the shape its pointer needs, or collides with another answer. */
  JULEE_ASSEMBLY_ANSWER_UNPLACEABLE: { retryable: false },
  /** The assembled document breaks the specification's JSON Schema. */
  JULEE_ASSEMBLY_RESULT_INVALID: { retryable: false },
  /** No configured service instance answers for a knowledge service config. */
  JULEE_SERVICE_NOT_CONFIGURED: { retryable: false },
  /** A scoring answer holds no score, or a score outside 0..100. */
  JULEE_VALIDATION_SCORE_INVALID: { retryable: false },
  /** A transformation answer is not a JSON document. */
  JULEE_VALIDATION_TRANSFORMATION_INVALID: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

export type PipelineErrorCode = keyof typeof PIPELINE_ERROR_CODES;

/** A pipeline step found something it cannot work with. Messages hold ids, never content. */
export class PipelineError extends JuleeError {
  declare readonly code: PipelineErrorCode;

  constructor(
    code: PipelineErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, { ...options, retryable: PIPELINE_ERROR_CODES[code].retryable });
  }
}
