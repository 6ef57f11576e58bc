import { ApiError } from '../auth/errors.js';

/**
 * A query ran out of its time budget (GRAPHQL_TIMEOUT_MS): its remaining reads
 * were not started, or the database cancelled the one that ran too long. The
 * caller's operation is what it is asked to change (narrower, smaller pages),
 * hence BAD_USER_INPUT, with a `reason` telling it apart from bad values.
 */
export class ExecutionTimeout extends ApiError {
  readonly code = 'BAD_USER_INPUT';
  constructor(readonly timeoutMs: number) {
    super(`The operation ran out of its ${timeoutMs} ms time budget; ask for less (fewer fields, smaller pages)`);
  }
  override extensions(): Record<string, unknown> {
    return { reason: 'EXECUTION_TIMEOUT', limit: 'timeout' };
  }
}
