import type { NestExpressApplication } from '@nestjs/platform-express';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppConfigService, exitWhenShutdownStalls, parseConfig } from '#platform';
import { mountQueuesDashboard } from './admin/queues-dashboard.js';
import { mountConsole } from './console/console.module.js';
import { bodyParserErrors, MAX_REQUEST_BYTES } from './security/body-errors.js';

/** Builds the API application (not yet listening): shared by main, the all-in-one start and the tests. */
export async function createApi(): Promise<NestExpressApplication> {
  parseConfig(process.env); // fail before Nest starts, with a message naming each bad variable
  const { ApiModule } = await import('./api.module.js');
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, { bufferLogs: true, bodyParser: false, abortOnError: false });
  app.useLogger(app.get(Logger));
  const trustProxy = app.get(AppConfigService).get('TRUST_PROXY');
  if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
  // the same bound as a websocket message (the socket transport's maxPayload)
  app.useBodyParser('json', { limit: MAX_REQUEST_BYTES });
  // a body too large or not JSON is answered as GraphQL (BAD_USER_INPUT, HTTP 413/400), not a default error page
  app.use(bodyParserErrors());
  mountQueuesDashboard(app);
  mountConsole(app);
  app.enableShutdownHooks();
  return app;
}

export async function startApi(): Promise<NestExpressApplication> {
  const app = await createApi();
  exitWhenShutdownStalls(app.get(AppConfigService).get('SHUTDOWN_TIMEOUT_MS'));
  const port = app.get(AppConfigService).get('PORT');
  await app.listen(port);
  app.get(Logger).log(`API listening on http://localhost:${port}/graphql`);
  return app;
}
