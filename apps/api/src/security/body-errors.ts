import type { NextFunction, Request, Response } from 'express';
import { formatError } from '#platform';

/**
 * The largest request the API reads: an HTTP body, and a websocket message
 * (connection_init or subscribe). The largest legitimate one is a
 * 50,000-character draft; anything far beyond is refused before it is parsed.
 */
export const MAX_REQUEST_BYTES = 1_048_576;

/** body-parser's refusals, as GraphQL answers: what a caller sees, and the HTTP status that says why. */
const BODY_ERRORS: Record<string, { status: number; limit?: string; message: (err: BodyParserError) => string }> = {
  'entity.too.large': { status: 413, limit: 'bodySize', message: (err) => `The request body is larger than the limit of ${err.limit ?? 'the server'} bytes` },
  'entity.parse.failed': { status: 400, message: () => 'The request body is not valid JSON' },
  'encoding.unsupported': { status: 415, message: () => 'The request body has an unsupported content encoding' },
  'charset.unsupported': { status: 415, message: () => 'The request body has an unsupported charset' },
  'request.aborted': { status: 400, message: () => 'The request was aborted before its body arrived' },
  'request.size.invalid': { status: 400, message: () => 'The request body is shorter or longer than its Content-Length' },
  'stream.encoding.set': { status: 400, message: () => 'The request body could not be read' },
};

interface BodyParserError {
  type?: string;
  limit?: number;
  status?: number;
}

/**
 * An Express error handler placed right after the body parser: a body too
 * large or not JSON is answered as GraphQL (`{"errors":[...]}`, code
 * BAD_USER_INPUT) with its own HTTP status (413, 400, 415), never Nest's or
 * Express's default page. Anything else goes on to the next handler.
 */
export function bodyParserErrors() {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    const type = (err as BodyParserError | null)?.type;
    const known = type ? BODY_ERRORS[type] : undefined;
    if (!known || res.headersSent) return next(err);
    const extensions: Record<string, unknown> = { code: 'BAD_REQUEST' };
    if (known.limit) extensions.limit = known.limit;
    const formatted = formatError({ message: known.message(err as BodyParserError), extensions }, err, {
      exposeUnexpected: false,
      report: () => undefined,
    });
    res.status(known.status).type('application/json').send(JSON.stringify({ errors: [formatted] }));
  };
}
