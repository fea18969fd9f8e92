import { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import pretty from 'pino-pretty';
import { currentRequestId } from './request-context';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'json' | 'pretty';

export interface LoggingOptions {
  /** The process's name, on every line (`service`). */
  service: string;
  level: LogLevel;
  format: LogFormat;
}

/**
 * Fields that could hold a credential if an object carrying one were logged. Nothing logs such objects on
 * purpose; this is the second line of defence (the log scan in the observability test is the first check).
 */
const REDACTED_PATHS = [
  'authorization',
  'password',
  'secret',
  'secretAccessKey',
  'token',
  'apiKey',
  '*.authorization',
  '*.password',
  '*.secret',
  '*.secretAccessKey',
  '*.token',
  '*.apiKey',
  '*.headers.authorization',
  '*.headers.cookie',
];

/**
 * The process's pino logger: one JSON object per line on stdout (`LOG_FORMAT=json`), or coloured lines for a
 * terminal (`pretty`). Every line carries `service` and, inside a request, its `requestId`.
 */
export function createLogger(options: LoggingOptions): pino.Logger {
  const settings: pino.LoggerOptions = {
    level: options.level,
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const requestId = currentRequestId();
      return requestId === undefined ? {} : { requestId };
    },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  const logger =
    options.format === 'pretty'
      ? pino(
          settings,
          pretty({
            sync: true,
            singleLine: true,
            ignore: 'pid,hostname,service,context',
            messageFormat: '{if context}{context}: {end}{msg}',
            translateTime: 'SYS:HH:MM:ss.l',
          }),
        )
      : // Level names rather than numbers, so `grep '"level":"error"'` works.
        pino({ ...settings, formatters: { level: (label) => ({ level: label }) } });
  // Node's own warnings (deprecations, a library's runtime notice) become log lines too, not bare text on stderr.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => logger.warn({ warning: warning.name }, warning.message));
  return logger;
}

/**
 * nestjs-pino's module over that logger, for `app.useLogger(app.get(Logger))`. Its per-request HTTP middleware
 * is left out (`forRoutes: []`): the request id comes from our own context (see request-context.ts), which
 * gRPC calls and export jobs share, and the gateway writes its own access line per request.
 */
export function loggerModule(options: LoggingOptions): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger: createLogger(options) }, forRoutes: [] });
}
