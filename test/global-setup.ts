import type { TestProject } from 'vitest/node';
import { startS3Server, startTemporalServer, type RunningServer } from './support/servers.js';

/**
 * Starts the real Temporal dev server and S3 server once per test run, in parallel, and hands
 * their coordinates to the tests (`testServers()` in test/support/test-servers.ts). A server that
 * is missing or does not start fails the run; nothing is skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The AWS SDK warns on every Node 20 process that newer SDK releases will need Node 22; the
  // lockfile pins a release that supports Node 20, so the warning is only noise in test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const startedAt = performance.now();
  const [temporal, s3] = await Promise.allSettled([startTemporalServer(), startS3Server()]);

  if (temporal.status === 'rejected' || s3.status === 'rejected') {
    const running: RunningServer<unknown>[] = [temporal, s3].flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    await Promise.all(running.map((server) => server.stop()));
    const reasons = [temporal, s3].flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    );
    if (reasons.length === 1) throw reasons[0];
    throw new AggregateError(
      reasons,
      reasons
        .map((reason) => (reason instanceof Error ? reason.message : String(reason)))
        .join('\n\n'),
    );
  }

  project.provide('testServers', {
    temporal: temporal.value.coordinates,
    s3: s3.value.coordinates,
  });
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(
    `test servers ready in ${seconds} s: Temporal ${temporal.value.coordinates.address}, ` +
      `S3 ${s3.value.coordinates.endpoint}`,
  );

  return async () => {
    await Promise.all([temporal.value.stop(), s3.value.stop()]);
  };
}
