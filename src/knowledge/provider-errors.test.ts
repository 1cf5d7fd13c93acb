import { describe, expect, it } from 'vitest';
import { InputError } from '../errors/julee-error.js';
import { KnowledgeServiceError } from '../errors/knowledge-errors.js';
import { retryAfterFromHeaders, toKnowledgeError } from './provider-errors.js';

const ctx = { provider: 'anthropic', serviceInstance: 'knowledge', operation: 'query' };

/** The shape the Stainless SDKs give their HTTP errors. */
function apiError(status: number, body: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`${status}`), {
    status,
    error: body,
    headers: new Headers(headers),
    requestID: 'req_1',
  });
}

function mapped(error: unknown, signal?: AbortSignal): KnowledgeServiceError {
  const result = toKnowledgeError(error, { ...ctx, signal });
  expect(result).toBeInstanceOf(KnowledgeServiceError);
  return result as KnowledgeServiceError;
}

describe('toKnowledgeError', () => {
  it.each([
    [408, 'JULEE_KNOWLEDGE_TIMEOUT', true],
    [409, 'JULEE_KNOWLEDGE_PROVIDER_UNAVAILABLE', true],
    [429, 'JULEE_KNOWLEDGE_RATE_LIMITED', true],
    [500, 'JULEE_KNOWLEDGE_PROVIDER_UNAVAILABLE', true],
    [502, 'JULEE_KNOWLEDGE_PROVIDER_UNAVAILABLE', true],
    [529, 'JULEE_KNOWLEDGE_OVERLOADED', true],
    [400, 'JULEE_KNOWLEDGE_BAD_REQUEST', false],
    [401, 'JULEE_KNOWLEDGE_AUTH', false],
    [403, 'JULEE_KNOWLEDGE_AUTH', false],
    [404, 'JULEE_KNOWLEDGE_NOT_FOUND', false],
    [413, 'JULEE_KNOWLEDGE_TOO_LARGE', false],
    [422, 'JULEE_KNOWLEDGE_BAD_REQUEST', false],
  ])('maps HTTP %i to %s (retryable: %s)', (status, code, retryable) => {
    const error = mapped(apiError(status, { type: 'error', error: { type: 'x', message: 'm' } }));
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.details).toMatchObject({
      status,
      request_id: 'req_1',
      service_instance: 'knowledge',
    });
  });

  it('tells a spend-limit 429 from a rate limit by its code, type or message', () => {
    const anthropic = apiError(429, {
      type: 'error',
      error: {
        type: 'rate_limit_error',
        message: 'm',
        details: { error_code: 'enforced_spend_limit_reached' },
      },
    });
    const openai = apiError(429, {
      message: 'm',
      type: 'insufficient_quota',
      code: 'insufficient_quota',
    });
    const worded = apiError(429, { message: 'Your monthly spend limit is reached' });
    for (const e of [anthropic, openai, worded]) {
      expect(mapped(e)).toMatchObject({ code: 'JULEE_KNOWLEDGE_SPEND_LIMIT', retryable: false });
    }
  });

  it('treats an overloaded 503 as overloaded', () => {
    const error = apiError(503, {
      message: 'The engine is currently overloaded',
      type: 'server_error',
    });
    expect(mapped(error).code).toBe('JULEE_KNOWLEDGE_OVERLOADED');
  });

  it('carries the retry-after of retryable errors only', () => {
    expect(mapped(apiError(429, {}, { 'retry-after': '12' })).retryAfterMs).toBe(12_000);
    expect(mapped(apiError(400, {}, { 'retry-after': '12' })).retryAfterMs).toBeNull();
  });

  it('recognises SDK connection errors by class name', () => {
    class APIConnectionTimeoutError extends Error {}
    class APIConnectionError extends Error {}
    class APIUserAbortError extends Error {}
    expect(mapped(new APIConnectionTimeoutError('t')).code).toBe('JULEE_KNOWLEDGE_TIMEOUT');
    expect(mapped(new APIConnectionError('c'))).toMatchObject({
      code: 'JULEE_KNOWLEDGE_PROVIDER_UNAVAILABLE',
      retryable: true,
    });
    expect(mapped(new APIUserAbortError('a'))).toMatchObject({
      code: 'JULEE_KNOWLEDGE_CANCELLED',
      retryable: false,
    });
  });

  it('reports any failure after the signal fired as a cancellation', () => {
    expect(mapped(apiError(500, {}), AbortSignal.abort()).code).toBe('JULEE_KNOWLEDGE_CANCELLED');
  });

  it('passes JuleeErrors through unchanged', () => {
    const input = new InputError('bad');
    expect(toKnowledgeError(input, ctx)).toBe(input);
  });
});

describe('retryAfterFromHeaders', () => {
  it('prefers retry-after-ms, then seconds, then an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const headers = (h: Record<string, string>) => new Headers(h);
    expect(retryAfterFromHeaders(headers({ 'retry-after-ms': '250.4', 'retry-after': '9' }))).toBe(
      250,
    );
    expect(retryAfterFromHeaders(headers({ 'retry-after': '1.5' }))).toBe(1500);
    expect(
      retryAfterFromHeaders(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now),
    ).toBe(30_000);
    expect(retryAfterFromHeaders(headers({ 'retry-after': 'soon' }))).toBeNull();
    expect(retryAfterFromHeaders(headers({}))).toBeNull();
  });
});
