import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppConfigService } from '#platform';
import { EngagementWriteModule } from '#engagement';
import { ConsoleController, consoleDistDir } from './console.controller.js';
import { WebhookTestResolver } from './webhook-test.resolver.js';

@Module({ imports: [EngagementWriteModule], controllers: [ConsoleController], providers: [WebhookTestResolver] })
export class ConsoleModule {}

/** The console's built files at /console (one origin with /graphql: no CORS); says so once when it is not built. */
export function mountConsole(app: NestExpressApplication): void {
  const dir = consoleDistDir(app.get(AppConfigService));
  if (!existsSync(join(dir, 'index.html'))) {
    app.get(Logger).warn(`Console not built (${dir} has no index.html): /console answers 503 until \`npm run build\``);
    return;
  }
  app.useStaticAssets(dir, {
    prefix: '/console',
    index: false,
    // file names under assets/ carry a content hash
    setHeaders: (res, path) => res.setHeader('Cache-Control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
}
