import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/** Where the run's Temporal dev server listens. */
export interface TemporalCoordinates {
  /** host:port of the frontend gRPC service. */
  address: string;
  namespace: string;
}

/** Where the run's S3-compatible server listens, and the keys it accepts (path-style only). */
export interface S3Coordinates {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  region: string;
  access_key: string;
  secret_key: string;
}

/** The servers test/global-setup.ts starts once per run. */
export interface TestServerCoordinates {
  temporal: TemporalCoordinates;
  s3: S3Coordinates;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testServers: TestServerCoordinates;
  }
}

/**
 * The coordinates of the real Temporal and S3 servers of this test run. All test files share them,
 * so give each test its own bucket and task queue (see uniqueName).
 */
export function testServers(): TestServerCoordinates {
  const servers = inject('testServers');
  if (servers === undefined) {
    throw new Error(
      "no test servers were provided: run the tests with vitest.config.ts, whose globalSetup 'test/global-setup.ts' starts them",
    );
  }
  return servers;
}

/**
 * A name no other test of this run uses, valid as an S3 bucket name and a Temporal task queue:
 * lowercase letters, digits and hyphens, at most 63 characters.
 */
export function uniqueName(prefix: string): string {
  const stem = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${stem === '' ? 'test' : stem}-${randomBytes(6).toString('hex')}`;
}
