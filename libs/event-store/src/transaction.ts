import pg, { type Pool, type PoolClient } from 'pg';
import type { TransactionHandle } from './types.js';

/** A transaction bound to one pooled connection. */
export interface Transaction extends TransactionHandle {
  readonly client: PoolClient;
  afterCommit(callback: () => void): void;
}

export interface TransactionOptions {
  readOnly?: boolean;
  /** transaction-level advisory locks to take first (same round trip as BEGIN): writers of one stream queue up */
  locks?: readonly string[];
}

/**
 * The one transaction wrapper (the store's own appends and the service's
 * Database.transaction): one pooled connection, BEGIN with the practice scope
 * (row-level security) and the advisory locks in one round trip, COMMIT and
 * then the after-commit callbacks, or ROLLBACK; a connection whose ROLLBACK
 * failed is discarded, not returned to the pool. `null` is the system scope.
 */
export async function inTransaction<T>(
  pool: Pool,
  practiceId: string | null,
  fn: (tx: Transaction) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  const callbacks: (() => void)[] = [];
  // statements of one transaction run one after another (callers may start several at once, as
  // Promise.all does): node-postgres still queues them itself, but that is deprecated (pg 9 drops it)
  let last: Promise<unknown> = Promise.resolve();
  const tx: Transaction = {
    client,
    query: (text, values) => {
      const run = last.then(() => client.query(text, values));
      last = run.catch(() => undefined);
      return run as never;
    },
    afterCommit: (cb) => callbacks.push(cb),
  };
  let broken = false;
  try {
    await client.query(begin(practiceId, options.readOnly ?? false, options.locks));
    const result = await fn(tx);
    await client.query('COMMIT');
    for (const cb of callbacks) cb();
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * BEGIN and the practice scope in one round trip: the simple query protocol
 * takes several statements at once (so no parameters: the value is quoted).
 */
export function begin(practiceId: string | null, readOnly: boolean, locks: readonly string[] = [], statementTimeoutMs?: number): string {
  const statements = [readOnly ? 'BEGIN READ ONLY' : 'BEGIN'];
  // a statement timeout for this transaction only rides on the same SELECT (no extra statement)
  const timeout = statementTimeoutMs !== undefined ? `, set_config('statement_timeout', '${Math.max(1, Math.ceil(statementTimeoutMs))}', true)` : '';
  if (practiceId !== null) statements.push(`SELECT set_config('app.practice_id', ${pg.escapeLiteral(practiceId)}, true)${timeout}`);
  // sorted, so two transactions taking overlapping sets cannot deadlock
  for (const key of [...new Set(locks)].sort()) {
    statements.push(`SELECT pg_advisory_xact_lock(hashtextextended(${pg.escapeLiteral(key)}, 0))`);
  }
  return statements.join('; ');
}
