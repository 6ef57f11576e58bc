import { createRequire } from 'node:module';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from '@nestjs/common';
import type * as BoardApi from '@bull-board/api';
import type * as BoardBullMQ from '@bull-board/api/bullMQAdapter';
import type * as BoardExpress from '@bull-board/express';
import type { Queue } from 'bullmq';
import { AppConfigService, OperatorAccess } from '#platform';
import { ReminderClock } from '#reminders';

export const QUEUES_PATH = '/admin/queues';

/**
 * Bull Board at /admin/queues — its pages and its API (/admin/queues/api/queues,
 * /admin/queues/api/redis/stats, ...) — for the platform operator only: OPERATOR_TOKEN (alias
 * ADMIN_QUEUES_SECRET) as a bearer token or as the HTTP Basic password a browser sends. The
 * board shows every practice's jobs and the Redis server, so a practice's token, even an
 * ADMIN's, is never enough. Without an operator credential the board is not mounted at all
 * (404), and the log says so once. Its packages load when an operator first opens it.
 */
export function mountQueuesDashboard(app: NestExpressApplication): void {
  const config = app.get(AppConfigService);
  const access = app.get(OperatorAccess);
  if (!access.operatorConfigured) {
    new Logger('QueuesDashboard').log(`OPERATOR_TOKEN is not set: the queue dashboard (${QUEUES_PATH}) is off`);
    return;
  }
  // every shard of the reminder queue (one on a single Redis), each under a name of its own
  const { queues } = app.get(ReminderClock);
  let router: RequestHandler | undefined;
  const board: RequestHandler = (req, res, next) => (router ??= boardRouter(queues, config.isProduction))(req, res, next);

  const guard = (req: Request, res: Response, next: NextFunction) => {
    if (access.isOperator(req.headers.authorization)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="operator", charset="UTF-8"');
    res.status(401).json({ error: 'operator credential required (OPERATOR_TOKEN)' });
  };
  app.use(QUEUES_PATH, guard, board);
}

/**
 * The board itself, built on an operator's first request: Bull Board and what it loads (valibot, lodash,
 * its templates; ~4 MB of heap) stay out of an API nobody opens it on.
 */
function boardRouter(queues: readonly Queue[], readOnlyMode: boolean): RequestHandler {
  const requireHere = createRequire(import.meta.url);
  const { createBullBoard } = requireHere('@bull-board/api') as typeof BoardApi;
  const { BullMQAdapter } = requireHere('@bull-board/api/bullMQAdapter') as typeof BoardBullMQ;
  const { ExpressAdapter } = requireHere('@bull-board/express') as typeof BoardExpress;
  const board = new ExpressAdapter();
  board.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: queues.map((q, i) => new BullMQAdapter(q, { readOnlyMode, ...(queues.length > 1 ? { prefix: `shard${i}-` } : {}) })),
    serverAdapter: board,
  });
  return board.getRouter() as RequestHandler;
}
