import type { NestExpressApplication } from '@nestjs/platform-express';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { apiStartupBlock, AppConfigService, applyGcSettings, exitWhenShutdownStalls, parseConfig, preflight, QuietStartupLogger } from '#platform';
import { mountQueuesDashboard } from './admin/queues-dashboard.js';
import { mountConsole } from './console/console.module.js';
import { mountGraphiql } from './graphiql/graphiql.js';
import { bodyParserErrors, MAX_REQUEST_BYTES } from './security/body-errors.js';

const mountedGraphiql = new WeakSet<NestExpressApplication>();

/** Builds the API application (not yet listening): shared by main, the all-in-one start and the tests. */
export async function createApi(): Promise<NestExpressApplication> {
  parseConfig(process.env); // fail before Nest starts, with a message naming each bad variable
  const { ApiModule } = await import('./api.module.js');
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, { bufferLogs: true, bodyParser: false, abortOnError: false });
  app.useLogger(new QuietStartupLogger(app.get(Logger)));
  const trustProxy = app.get(AppConfigService).get('TRUST_PROXY');
  if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
  // the same bound as a websocket message (the socket transport's maxPayload)
  app.useBodyParser('json', { limit: MAX_REQUEST_BYTES });
  // a body too large or not JSON is answered as GraphQL (BAD_USER_INPUT, HTTP 413/400), not a default error page
  app.use(bodyParserErrors());
  mountQueuesDashboard(app);
  mountConsole(app);
  if (mountGraphiql(app)) mountedGraphiql.add(app);
  app.enableShutdownHooks();
  return app;
}

/**
 * Starts the API: the configuration is checked whole, then PostgreSQL (DATABASE_URL) and Redis
 * (REDIS_URL) must answer within seconds (one line naming what is missing, then exit 1, instead of a
 * process that hangs or retries), then it listens on HOST:PORT and says where to go.
 */
export async function startApi(): Promise<NestExpressApplication> {
  const config = parseConfig(process.env);
  applyGcSettings(config);
  await preflight({ postgres: [{ variable: 'DATABASE_URL', url: config.DATABASE_URL }], redis: config.REDIS_URL });
  const app = await createApi();
  exitWhenShutdownStalls(config.SHUTDOWN_TIMEOUT_MS);
  await app.listen(config.PORT, config.HOST!);
  const graphiql = mountedGraphiql.has(app);
  app.get(Logger).log(apiStartupBlock(app.getHttpServer(), { graphiql, production: config.NODE_ENV === 'production' }));
  return app;
}
