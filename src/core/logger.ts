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
    formatters: { level: (label) => ({ level: label }) },
  };
  if (pretty && settings.destination === undefined) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid' },
      },
    });
  }
  return pino(options, settings.destination ?? pino.destination({ sync: false }));
}

/** Pino loggers satisfy the plugin Logger interface; this only narrows the type. */
export function asPluginLogger(logger: PinoLogger): Logger {
  return logger;
}
