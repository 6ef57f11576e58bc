import type { NestExpressApplication } from '@nestjs/platform-express';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppConfigService, exitWhenShutdownStalls, parseConfig } from '#platform';

/**
 * Starts a worker: subscribers, reminder processing, and its HTTP server for
 * probes and scrapes on WORKER_HTTP_PORT (all interfaces; 0 picks a free port,
 * as tests and several workers on one host do).
 */
export async function startWorker(): Promise<NestExpressApplication> {
  parseConfig(process.env);
  const { WorkerModule } = await import('./worker.module.js');
  const app = await NestFactory.create<NestExpressApplication>(WorkerModule, { bufferLogs: true, bodyParser: false, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  exitWhenShutdownStalls(app.get(AppConfigService).get('SHUTDOWN_TIMEOUT_MS'));
  await app.listen(app.get(AppConfigService).get('WORKER_HTTP_PORT'));
  const address = app.getHttpServer().address() as { port: number } | null;
  app.get(Logger).log(`worker started; health and metrics on port ${address?.port}`);
  return app;
}
