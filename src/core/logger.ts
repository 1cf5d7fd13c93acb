import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import type { Logger } from '../plugin-api/contract.js';

export type LogFormat = 'json' | 'pretty' | 'auto';

/** Paths pino blanks out wherever they appear in a log line. */
export const REDACTED_PATHS = [
  '*.token',
  '*.password',
  '*.secret',
  '*.api_key',
  '*.apiKey',
  '*.secret_key',
  '*.secret_access_key',
  '*.access_key',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
];

/** Keys whose values are credentials, at any depth of a log object (the paths above are not deep). */
const CREDENTIAL_KEY = /(api_?key|secret|passw(or)?d|token|authorization|credential|cookie)/i;
const MAX_DEPTH = 8;

/**
 * A copy of a log object with the value of every credential-like key replaced, at any depth.
 * Errors and other class instances are kept as they are (pino serialises errors itself).
 */
export function redactCredentials(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactCredentials(item, depth + 1));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      CREDENTIAL_KEY.test(key) && item !== undefined && item !== null && typeof item !== 'boolean'
        ? '[redacted]'
        : redactCredentials(item, depth + 1);
  }
  return out;
}

export interface LoggerSettings {
  readonly level: string;
  readonly format: LogFormat;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  readonly destination?: NodeJS.WritableStream;
}

/** The process logger: JSON lines by default, readable text for people on a terminal. */
export function createLogger(settings: LoggerSettings): PinoLogger {
  const pretty =
    settings.format === 'pretty' || (settings.format === 'auto' && process.stdout.isTTY === true);
  const options: LoggerOptions = {
    level: settings.level,
    base: { pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactCredentials(object) as Record<string, unknown>,
    },
  };
  if (pretty && settings.destination === undefined) {
    return guardChildBindings(
      pino({
        ...options,
        transport: {
          target: 'pino-pretty',
          options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid' },
        },
      }),
    );
  }
  return guardChildBindings(
    pino(options, settings.destination ?? pino.destination({ sync: false })),
  );
}

/** Child bindings skip pino's log formatter, so they are redacted when the child is made. */
function guardChildBindings(logger: PinoLogger): PinoLogger {
  const makeChild = logger.child.bind(logger);
  logger.child = ((bindings: Record<string, unknown>, options?: object) =>
    guardChildBindings(
      makeChild(redactCredentials(bindings) as Record<string, unknown>, options),
    )) as unknown as PinoLogger['child'];
  return logger;
}

/** Pino loggers satisfy the plugin Logger interface; this only narrows the type. */
export function asPluginLogger(logger: PinoLogger): Logger {
  return logger;
}
