import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { AppConfigService, TokenService } from '#platform';
import { ReminderClock } from '#reminders';

export const QUEUES_PATH = '/admin/queues';

/**
 * Bull Board at /admin/queues, for operators: a bearer token of an ADMIN, or
 * HTTP Basic with ADMIN_QUEUES_SECRET as the password (what a browser can
 * send). Everything else gets 401 before the board sees the request. The
 * board shows every practice's jobs, so a practice ADMIN token is accepted
 * only when no secret is configured (single-practice deployments).
 */
export function mountQueuesDashboard(app: NestExpressApplication): void {
  const config = app.get(AppConfigService);
  const tokens = app.get(TokenService);
  const secret = config.get('ADMIN_QUEUES_SECRET');
  const board = new ExpressAdapter();
  board.setBasePath(QUEUES_PATH);
  createBullBoard({ queues: [new BullMQAdapter(app.get(ReminderClock).queue, { readOnlyMode: config.isProduction })], serverAdapter: board });

  const guard = async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    if (secret && header.startsWith('Basic ')) {
      const password = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':').slice(1).join(':');
      if (safeEqual(password, secret)) return next();
    } else if (!secret && header.startsWith('Bearer ')) {
      try {
        const principal = await tokens.authenticate(header);
        if (principal.role === 'ADMIN') return next();
        return res.status(403).json({ error: 'ADMIN only' });
      } catch {
        // fall through to 401
      }
    }
    res.setHeader('WWW-Authenticate', secret ? 'Basic realm="queues"' : 'Bearer');
    res.status(401).json({ error: 'authentication required' });
  };
  app.use(QUEUES_PATH, guard, board.getRouter());
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
