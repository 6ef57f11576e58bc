import pg, { type Pool, type PoolClient } from 'pg';
import type { Queryable, TransactionHandle } from './types.js';

/** A transaction bound to one pooled connection. */
export interface Transaction extends TransactionHandle {
  readonly client: PoolClient;
  afterCommit(callback: () => void): void;
  /**
   * The transaction's last round trip: these statements (values written in) and COMMIT in one
   * message; their results, in order. A failing statement stops the rest (COMMIT too) and the
   * wrapper rolls back. The transaction is over once it resolves.
   */
  commitWith(statements: readonly string[]): Promise<StatementResult[]>;
}

/** One statement's answer in a multi-statement round trip. */
export interface StatementResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

export interface TransactionOptions {
  readOnly?: boolean;
  /** transaction-level advisory locks to take first (same round trip as BEGIN): writers of one stream queue up */
  locks?: readonly string[];
  /**
   * statements (values written in) sent after BEGIN and the locks in the same round trip: a
   * command's first reads, made under its locks without a round trip of their own; their results
   * are `fn`'s second argument
   */
  first?: readonly string[];
  /**
   * COMMIT without waiting for the WAL flush (`synchronous_commit = off`, this transaction only):
   * for bookkeeping a server crash may lose without harm (a reminder batch's lease: a lost lease
   * leaves its rows due, and their jobs take them again). Never for events or read models.
   */
  asyncCommit?: boolean;
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
  fn: (tx: Transaction, first: StatementResult[]) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  const callbacks: (() => void)[] = [];
  let committed = false;
  // statements of one transaction run one after another (callers may start several at once, as
  // Promise.all does): node-postgres still queues them itself, but that is deprecated (pg 9 drops it)
  let last: Promise<unknown> = Promise.resolve();
  const tx: Transaction = {
    client,
    query: (text, values) => {
      if (committed) return Promise.reject(new Error('the transaction has committed (commitWith)'));
      const run = last.then(() => client.query(text, values));
      last = run.catch(() => undefined);
      return run as never;
    },
    afterCommit: (cb) => callbacks.push(cb),
    commitWith: async (statements) => {
      const results = await batch(tx, [...statements, 'COMMIT']);
      committed = true;
      return results.slice(0, -1);
    },
  };
  let broken = false;
  try {
    const head = begin(practiceId, options.readOnly ?? false, options.locks, { asyncCommit: options.asyncCommit });
    const first = options.first ?? [];
    // BEGIN, the scope, the locks and the first reads: one message; only the first reads' results are the caller's
    const started = first.length ? (await batch(tx, [head, ...first])).slice(-first.length) : (await client.query(head), []);
    const result = await fn(tx, started);
    if (!committed) await client.query('COMMIT');
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
 * Several statements (values written in, one statement each) in one round trip: node-postgres
 * sends a query without parameters as one simple-protocol message and answers a result per
 * statement (an array, or the one result when the text held one statement). Inside a transaction
 * one failing fails the transaction, as sent one by one.
 */
export async function batch(tx: Queryable, statements: readonly string[]): Promise<StatementResult[]> {
  if (statements.length === 0) return [];
  const result = (await tx.query(statements.join(';\n'))) as unknown as StatementResult | StatementResult[];
  return Array.isArray(result) ? result : [result];
}

/**
 * A statement with its parameters written in as quoted literals (strings: the text node-postgres
 * would send for them; null: NULL), for a round trip of several statements (`batch`, `first`,
 * `commitWith`), which takes no parameters.
 */
export function inline(text: string, values: readonly (string | null)[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = values[Number(n) - 1]!;
    return value === null ? 'NULL' : pg.escapeLiteral(value);
  });
}

/**
 * BEGIN and the practice scope in one round trip: the simple query protocol
 * takes several statements at once (so no parameters: the value is quoted).
 */
export function begin(
  practiceId: string | null,
  readOnly: boolean,
  locks: readonly string[] = [],
  { statementTimeoutMs, asyncCommit = false }: { statementTimeoutMs?: number; asyncCommit?: boolean } = {},
): string {
  const statements = [readOnly ? 'BEGIN READ ONLY' : 'BEGIN'];
  // this transaction's own settings ride on one SELECT (no extra statement)
  const settings = [
    ...(practiceId !== null ? [`set_config('app.practice_id', ${pg.escapeLiteral(practiceId)}, true)`] : []),
    ...(statementTimeoutMs !== undefined ? [`set_config('statement_timeout', '${Math.max(1, Math.ceil(statementTimeoutMs))}', true)`] : []),
    ...(asyncCommit ? [`set_config('synchronous_commit', 'off', true)`] : []),
  ];
  if (settings.length) statements.push(`SELECT ${settings.join(', ')}`);
  // sorted, so two transactions taking overlapping sets cannot deadlock
  for (const key of [...new Set(locks)].sort()) {
    statements.push(`SELECT pg_advisory_xact_lock(hashtextextended(${pg.escapeLiteral(key)}, 0))`);
  }
  return statements.join('; ');
}
