import type { NestExpressApplication } from '@nestjs/platform-express';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppConfigService, applyGcSettings, exitWhenShutdownStalls, parseConfig, preflight, QuietStartupLogger, workerStartupLine } from '#platform';

/**
 * Starts a worker: subscribers, reminder processing, and its HTTP server for
 * probes and scrapes on HOST:WORKER_HTTP_PORT (0 picks a free port, as tests and
 * several workers on one host do).
 */
export async function startWorker(options: { preflight?: boolean } = { preflight: true }): Promise<NestExpressApplication> {
  const config = parseConfig(process.env);
  applyGcSettings(config);
  // PostgreSQL and Redis answer, or one line each says which is missing and the process exits 1
  if (options.preflight) {
    await preflight({ postgres: [{ variable: 'DATABASE_URL', url: config.DATABASE_URL }], redis: config.REDIS_URL });
  }
  const { WorkerModule } = await import('./worker.module.js');
  const app = await NestFactory.create<NestExpressApplication>(WorkerModule, { bufferLogs: true, bodyParser: false, abortOnError: false });
  app.useLogger(new QuietStartupLogger(app.get(Logger)));
  app.enableShutdownHooks();
  exitWhenShutdownStalls(app.get(AppConfigService).get('SHUTDOWN_TIMEOUT_MS'));
  await app.listen(config.WORKER_HTTP_PORT, config.HOST!);
  app.get(Logger).log(workerStartupLine(app.getHttpServer()));
  return app;
}
