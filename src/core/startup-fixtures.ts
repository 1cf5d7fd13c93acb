import { resolve } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import type { JuleeConfig } from '../config/types.js';
import { RandomIdGenerator } from '../domain/ids.js';
import type { Repositories } from '../domain/repositories.js';
import {
  describeProblem,
  InitializeSystemDataUseCase,
} from '../domain/use-cases/initialize-system-data.js';
import { JuleeError } from '../errors/julee-error.js';
import { defaultFixturesDirectory, DirectoryFixtureSource } from './fixture-source.js';
import { systemClock } from '../storage/object-store-repository.js';

/**
 * Loads the configured fixtures at startup (`fixtures.enabled`). Existing entities are left alone,
 * so every start may do it. With `on_error: fail` any problem stops the start; with `warn` each
 * problem is logged and the rest is loaded.
 */
export async function loadStartupFixtures(
  config: JuleeConfig,
  configDir: string,
  repositories: Repositories,
  logger: PinoLogger,
): Promise<void> {
  if (!config.fixtures.enabled) return;
  const directory =
    config.fixtures.path === undefined
      ? defaultFixturesDirectory()
      : resolve(configDir, config.fixtures.path);
  const useCase = new InitializeSystemDataUseCase(
    { repositories, clock: systemClock, ids: new RandomIdGenerator() },
    new DirectoryFixtureSource(directory),
  );
  const result = await useCase.execute({ failOnError: false });
  logger.info(
    {
      fixtures: directory,
      created: result.created.length,
      existing: result.existing.length,
      missing: result.missing,
      problems: result.problems.length,
    },
    'fixtures loaded',
  );
  if (result.problems.length === 0) return;
  const level = config.fixtures.on_error === 'fail' ? 'error' : 'warn';
  for (const problem of result.problems) {
    logger[level](
      { file: problem.file, index: problem.index, id: problem.id },
      describeProblem(problem),
    );
  }
  if (config.fixtures.on_error === 'fail') {
    throw new JuleeError(
      'JULEE_FIXTURES_INVALID',
      `${result.problems.length} fixture problem(s) in ${directory}: ${result.problems.map(describeProblem).join('; ')}`,
    );
  }
}
