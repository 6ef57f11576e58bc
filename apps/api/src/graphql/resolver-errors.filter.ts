import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';

/**
 * Hands every error a resolver throws back to GraphQL unlogged, over HTTP and the websocket alike.
 *
 * Without it Nest's exception handler logs each one at ERROR with its stack — a client's FORBIDDEN or
 * RULE_VIOLATED included — before graphql-js sees it: noise that buries the real failures an operator is
 * paged for. The error mapping (error-format.ts) is the one place that decides: a refusal of PRODUCT.md's
 * family goes to the caller and is not logged; anything unexpected is logged there, once.
 * For HTTP routes (health, metrics, console) returning the error leaves it to Nest's default answer.
 */
@Catch()
export class ResolverErrorsFilter implements ExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): Error {
    return exception instanceof Error ? exception : new Error(String(exception));
  }
}
