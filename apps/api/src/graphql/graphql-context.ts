import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Database, RequestContext, TokenService, Unauthenticated } from '#platform';

/** The context of one HTTP GraphQL request: principal from the bearer token (if any), request id from the logger. */
export async function httpContext(req: IncomingMessage & { id?: unknown }, tokens: TokenService, db: Database): Promise<RequestContext> {
  const requestId = typeof req.id === 'string' ? req.id : randomUUID();
  try {
    const principal = await tokens.authenticate(req.headers.authorization);
    return new RequestContext(db, principal, requestId);
  } catch (err) {
    if (!(err instanceof Unauthenticated)) throw err;
    return new RequestContext(db, null, requestId, err);
  }
}
