// How errors of @aws-sdk/client-s3 are read: absence, retryability, and what is safe to keep.

/** What the SDK's service exceptions carry that we look at. */
export interface S3ErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

const STATUS_NAMES: { readonly [status: number]: string } = {
  400: 'BadRequest',
  403: 'AccessDenied',
  404: 'NotFound',
  409: 'Conflict',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

export function errorShape(error: unknown): S3ErrorShape {
  return typeof error === 'object' && error !== null ? error : {};
}

export function statusOf(error: unknown): number | undefined {
  return errorShape(error).$metadata?.httpStatusCode;
}

/** An absent object. A 404 naming a missing bucket is a failure, not an absence. */
export function isMissingObject(error: unknown): boolean {
  const { name } = errorShape(error);
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

/**
 * The cause to attach to a StorageError. A service error of the SDK carries the raw HTTP
 * exchange (`$response`, and through it the signed request with the access key id); a logger that
 * serialises causes would print it, so only its name, message, status and request id are kept.
 */
export function causeOf(error: unknown): unknown {
  if (!(error instanceof Error) || !('$metadata' in error)) return error;
  const metadata = (error as { $metadata?: { httpStatusCode?: number; requestId?: string } })
    .$metadata;
  const cause = new Error(error.message);
  cause.name = error.name;
  return Object.assign(cause, {
    status: metadata?.httpStatusCode,
    requestId: metadata?.requestId,
  });
}

export function isAbort(error: unknown): boolean {
  return errorShape(error).name === 'AbortError';
}

/** The error's name, or the status of an answer without a body (HEAD), named "Unknown". */
export function reasonOf(error: unknown): string {
  const { name } = errorShape(error);
  if (name !== undefined && name !== 'Unknown') return name;
  return STATUS_NAMES[statusOf(error) ?? 0] ?? 'Error';
}
