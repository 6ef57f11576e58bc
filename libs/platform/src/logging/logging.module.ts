import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfigService } from '../config/app-config.js';
import { baseLogOptions, isPretty, prettyStream } from './log-format.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The request id: the caller's `X-Request-Id` when it is sane, otherwise a new UUID. Echoed back. */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Logs (pino): one readable line per event in development (pino-pretty), JSON lines in production
 * and tests, ISO times in both (./log-format.ts). Every line logged while serving a request
 * carries its id, which is also the correlation id stored on the events the
 * request appends and on the jobs they cause.
 */
@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => {
        const options = {
          ...baseLogOptions(config.get('LOG_LEVEL')),
          genReqId: requestIdOf,
          customProps: (req: IncomingMessage) => ({ correlationId: (req as IncomingMessage & { id: string }).id }),
          redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
          autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? '') },
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
          },
        };
        if (!isPretty(config.get('NODE_ENV'))) return { pinoHttp: options };
        // development: a request is one short line, "POST /graphql 200 (12 ms)", with its correlation id
        const pretty = {
          ...options,
          customSuccessMessage: (req: IncomingMessage, res: ServerResponse, ms: number) =>
            `${req.method} ${(req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode} (${Math.round(ms)} ms)`,
          serializers: { ...options.serializers, res: () => undefined, req: () => undefined },
        };
        return { pinoHttp: [pretty, prettyStream()] };
      },
    }),
  ],
})
export class LoggingModule {}
