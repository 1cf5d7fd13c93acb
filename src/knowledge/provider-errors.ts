import { JuleeError } from '../errors/julee-error.js';
import {
  KNOWLEDGE_ERROR_CODES,
  KnowledgeServiceError,
  type KnowledgeErrorCode,
} from '../errors/knowledge-errors.js';

export interface ProviderErrorContext {
  /** Provider family, e.g. "anthropic". */
  readonly provider: string;
  readonly serviceInstance: string;
  /** What was being done, e.g. "query" or "file upload". */
  readonly operation: string;
  /** The caller's signal: when it fired, any failure is a cancellation. */
  readonly signal?: AbortSignal | undefined;
}

/** Error codes (Anthropic `error.details.error_code`, OpenAI `error.code`) meaning "no more spend". */
const SPEND_LIMIT_CODES = new Set([
  'enforced_spend_limit_reached',
  'spend_limit_reached',
  'insufficient_quota',
  'billing_hard_limit_reached',
]);

interface StainlessLikeError {
  readonly name?: string;
  readonly status?: unknown;
  readonly headers?: { get(name: string): string | null } | undefined;
  readonly error?: unknown;
  readonly type?: unknown;
  readonly code?: unknown;
  readonly errorCode?: unknown;
  readonly requestID?: unknown;
  readonly apiMessage?: unknown;
  readonly message?: string;
}

/**
 * Turns what a provider SDK threw into a KnowledgeServiceError with the right code, retryability
 * and retry-after. Works on the errors of both Stainless-generated SDKs (Anthropic, OpenAI) by
 * their shape: `status`, `headers`, the error body, and the class name for connection errors.
 * JuleeErrors pass through unchanged.
 */
export function toKnowledgeError(error: unknown, ctx: ProviderErrorContext): Error {
  if (error instanceof JuleeError) return error;
  const e = (error ?? {}) as StainlessLikeError;
  // Anthropic's SDK sets `name` to the class name; OpenAI's leaves "Error", so the class name is
  // read from the constructor as well.
  const names = [e.name, (error as { constructor?: { name?: unknown } } | null)?.constructor?.name];
  const is = (className: string) => names.includes(className);
  const name = names.find((n): n is string => typeof n === 'string' && n !== 'Error') ?? '';
  const base = {
    provider: ctx.provider,
    service_instance: ctx.serviceInstance,
    operation: ctx.operation,
  };
  const what = `${ctx.provider} ${ctx.operation} for service "${ctx.serviceInstance}"`;

  if (ctx.signal?.aborted || is('APIUserAbortError') || is('AbortError')) {
    return new KnowledgeServiceError('JULEE_KNOWLEDGE_CANCELLED', `${what} was cancelled`, {
      cause: error,
      details: base,
    });
  }
  if (is('APIConnectionTimeoutError') || is('TimeoutError')) {
    return new KnowledgeServiceError('JULEE_KNOWLEDGE_TIMEOUT', `${what} timed out`, {
      cause: error,
      details: base,
    });
  }
  const status = typeof e.status === 'number' ? e.status : null;
  if (status === null) {
    return new KnowledgeServiceError(
      'JULEE_KNOWLEDGE_PROVIDER_UNAVAILABLE',
      `${what} failed: the provider could not be reached (${name || 'connection error'})`,
      { cause: error, details: base },
    );
  }

  const body = providerErrorBody(e);
  const requestId = typeof e.requestID === 'string' ? e.requestID : null;
  const details = {
    ...base,
    status,
    provider_error_type: body.type,
    provider_error_code: body.code,
    request_id: requestId,
  };
  const code = codeForStatus(status, body);
  const retryAfterMs =
    KNOWLEDGE_ERROR_CODES[code].retryable && e.headers ? retryAfterFromHeaders(e.headers) : null;
  const said = body.message ? `: ${truncate(body.message, 200)}` : '';
  return new KnowledgeServiceError(code, `${what} failed with HTTP ${status}${said}`, {
    cause: error,
    details,
    retryAfterMs,
  });
}

interface ErrorBody {
  readonly type: string | null;
  readonly code: string | null;
  readonly message: string | null;
}

/** The provider's error type, code and message, wherever the SDK put them. */
function providerErrorBody(e: StainlessLikeError): ErrorBody {
  const raw = (e.error ?? {}) as Record<string, unknown>;
  // Anthropic: the whole body { type: 'error', error: { type, message, details } }.
  // OpenAI: the inner object { message, type, code, param }.
  const inner = (typeof raw.error === 'object' && raw.error !== null ? raw.error : raw) as Record<
    string,
    unknown
  >;
  const details = (inner.details ?? {}) as Record<string, unknown>;
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  return {
    type: str(inner.type) ?? str(e.type),
    code: str(e.errorCode) ?? str(details.error_code) ?? str(inner.code) ?? str(e.code),
    message: str(e.apiMessage) ?? str(inner.message),
  };
}

function codeForStatus(status: number, body: ErrorBody): KnowledgeErrorCode {
  if (status === 429) {
    const spend =
      (body.code !== null && SPEND_LIMIT_CODES.has(body.code)) ||
      (body.type !== null && SPEND_LIMIT_CODES.has(body.type)) ||
      /spend(ing)? limit|quota/i.test(body.message ?? '');
    return spend ? 'JULEE_KNOWLEDGE_SPEND_LIMIT' : 'JULEE_KNOWLEDGE_RATE_LIMITED';
  }
  if (
    status === 529 ||
    body.type === 'overloaded_error' ||
    (status === 503 && /overload/i.test(body.message ?? ''))
  ) {
    return 'JULEE_KNOWLEDGE_OVERLOADED';
  }
  if (status === 408) return 'JULEE_KNOWLEDGE_TIMEOUT';
  if (status === 409 || status >= 500) return 'JULEE_KNOWLEDGE_PROVIDER_UNAVAILABLE';
  if (status === 401 || status === 403) return 'JULEE_KNOWLEDGE_AUTH';
  if (status === 404) return 'JULEE_KNOWLEDGE_NOT_FOUND';
  if (status === 413) return 'JULEE_KNOWLEDGE_TOO_LARGE';
  return 'JULEE_KNOWLEDGE_BAD_REQUEST';
}

/**
 * The wait a provider asks for: `retry-after-ms` (milliseconds), else `retry-after` (seconds or an
 * HTTP date). Null when neither is present or readable.
 */
export function retryAfterFromHeaders(
  headers: { get(name: string): string | null },
  now: number = Date.now(),
): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) {
    return Math.round(Number(ms));
  }
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return null;
  const seconds = Number(after);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
