/**
 * The one base class of every error julee raises on purpose. `code` is stable and documented in
 * docs/errors.md; `details` carries structured facts (ids, paths) and never secrets or content.
 */
export class JuleeError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** Whether trying the same operation again may succeed (rate limits, outages, timeouts). */
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown>; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }
}

/** A request or entity that breaks a rule; the caller must change it. */
export class InputError extends JuleeError {
  constructor(
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super('JULEE_INPUT_INVALID', message, options);
  }
}

/** The named thing does not exist. */
export class NotFoundError extends JuleeError {
  constructor(
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super('JULEE_NOT_FOUND', message, options);
  }
}

/** The operation conflicts with the current state (a concurrent change, a duplicate). */
export class ConflictError extends JuleeError {
  constructor(
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super('JULEE_CONFLICT', message, options);
  }
}

/**
 * Stored data contradicts itself: metadata that names content which is not there, content whose
 * hash is not its name. Never reported as "not found".
 */
export class IntegrityError extends JuleeError {
  constructor(
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super('JULEE_STORAGE_INTEGRITY', message, options);
  }
}

/** A storage backend failed (network, permissions, a full disk). Retryable unless told otherwise. */
export class StorageError extends JuleeError {
  constructor(
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown>; retryable?: boolean } = {},
  ) {
    super('JULEE_STORAGE_FAILED', message, { retryable: true, ...options });
  }
}
