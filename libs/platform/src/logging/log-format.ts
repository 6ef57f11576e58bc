import { createRequire } from 'node:module';
import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import type * as Pretty from 'pino-pretty';

/**
 * One log format per environment, shared by the apps, the CLI and start-up failures:
 * development prints one readable line per event (pino-pretty) with ISO times;
 * production and tests print JSON lines only, with ISO times (`"time":"2026-11-29T21:40:00.000Z"`).
 */
export function isPretty(nodeEnv: string | undefined): boolean {
  return (nodeEnv || 'development') === 'development';
}

/** pino options common to every logger of the service. */
export function baseLogOptions(level: string): LoggerOptions {
  return { level, timestamp: pino.stdTimeFunctions.isoTime };
}

/** Where development lines go: pino-pretty, one line per event, UTC ISO times, the Nest context first. */
export function prettyStream(sync = false): DestinationStream {
  // loaded only in development: a production process never holds pino-pretty's modules
  const { PinoPretty } = createRequire(import.meta.url)('pino-pretty') as typeof Pretty;
  return PinoPretty({
    translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
    ignore: 'pid,hostname,context,responseTime',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
    sync,
  });
}

/**
 * A plain logger for what runs outside Nest (the CLI, migrations, start-up checks and failures):
 * the same format as the apps' logs. Writes synchronously, so a line before `process.exit` is kept.
 */
export function processLogger(env: Record<string, string | undefined> = process.env, level = env.LOG_LEVEL || 'info'): PinoLogger {
  const valid = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level) ? level : 'info';
  return isPretty(env.NODE_ENV)
    ? pino(baseLogOptions(valid), prettyStream(true))
    : pino(baseLogOptions(valid), pino.destination({ fd: 1, sync: true }));
}

/** Nest's own start-up chatter: one line per module, route and mapping (about 75 lines). */
const STARTUP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication', 'GraphQLModule']);

/**
 * Nest's logger with its start-up chatter lowered to debug: at info a start shows the service's own
 * lines (where to go), not every module that was instantiated. Everything else passes unchanged.
 */
export class QuietStartupLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && STARTUP_CONTEXTS.has(context)) this.inner.debug?.(message, ...rest);
    else this.inner.log(message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug?.(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.inner.fatal?.(message, ...rest);
  }
}
