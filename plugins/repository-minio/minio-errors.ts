// How errors of the minio client are read: absence and retryability.

/** What the minio client's errors carry that we look at. */
export interface MinioErrorShape {
  name?: string;
  code?: string;
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as MinioErrorShape).code : undefined;
}

/** An absent object. A missing bucket is a failure, not an absence. */
export function isMissingObject(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'NoSuchKey' || code === 'NotFound';
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Client-side refusals and these server answers do not heal by trying again. */
export const PERMANENT_CODES = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'NoSuchBucket',
  'InvalidBucketName',
  'InvalidArgument',
  'MethodNotAllowed',
]);
