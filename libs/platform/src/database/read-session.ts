import type { PoolClient } from 'pg';
import { begin, type Database } from './database.js';
import { ExecutionTimeout } from '../security/errors.js';

/**
 * One GraphQL request's reads: a read-only transaction scoped to the caller's
 * practice, opened at the first read and shared by every DataLoader batch of
 * the request, so a request costs one BEGIN and one COMMIT however many
 * batches it runs. Released when the response is sent (or before a command
 * runs, so a request never holds two connections at once). A failed statement
 * ends the transaction; the next read opens a fresh one.
 */
export class ReadSession {
  private client: Promise<PoolClient> | null = null;
  /** statements run one after another: node-postgres does not queue concurrent queries on one client for us */
  private tail: Promise<unknown> = Promise.resolve();
  /** statements sent to PostgreSQL by this session, BEGIN and COMMIT included */
  statements = 0;
  /** set by `end`: no statement runs any more */
  private ended = false;

  constructor(
    private readonly db: Database,
    readonly practiceId: string,
    /** the operation's time budget (epoch ms): no statement starts after it, none runs past it; null: none */
    private readonly deadline: { at: number; budgetMs: number } | null = null,
  ) {}

  query<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    const run = this.tail.then(() => this.run<R>(sql, params));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async run<R extends Record<string, unknown>>(sql: string, params: unknown[]): Promise<R[]> {
    if (this.ended) throw new Error('This read session has ended; it runs no more statements');
    if (this.deadline && Date.now() >= this.deadline.at) throw new ExecutionTimeout(this.deadline.budgetMs);
    const client = await this.open().catch((err: unknown) => {
      this.client = null;
      throw err;
    });
    this.statements += 1;
    try {
      return (await client.query<R>(sql, params)).rows;
    } catch (err) {
      await this.close(true);
      // 57014: cancelled by the statement timeout the budget set
      if (this.deadline && (err as { code?: unknown }).code === '57014') throw new ExecutionTimeout(this.deadline.budgetMs);
      throw err;
    }
  }

  /** This session in the shape of node-postgres' `query` (for code written against a client). */
  asQueryable(): { query: <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<{ rows: R[]; rowCount: number | null }> } {
    return { query: async (sql, params) => ({ rows: await this.query(sql, params ?? []), rowCount: null }) };
  }

  /** Commits (nothing was written) and returns the connection to the pool, after the statements in flight. */
  release(): Promise<void> {
    const done = this.tail.then(() => this.close(false));
    this.tail = done.catch(() => undefined);
    return done;
  }

  /** Releases the connection after the statements in flight, and refuses any later statement. */
  end(): Promise<void> {
    this.ended = true;
    return this.release();
  }

  private async close(failed: boolean): Promise<void> {
    const pending = this.client;
    this.client = null;
    if (!pending) return;
    let client: PoolClient;
    try {
      client = await pending;
    } catch {
      return;
    }
    let broken = false;
    try {
      this.statements += 1;
      await client.query(failed ? 'ROLLBACK' : 'COMMIT');
    } catch {
      broken = true;
    } finally {
      client.release(broken);
    }
  }

  private open(): Promise<PoolClient> {
    this.client ??= (async () => {
      const client = await this.db.pool.connect();
      try {
        this.statements += 2; // one round trip
        const remaining = this.deadline ? this.deadline.at - Date.now() : undefined;
        await client.query(begin(this.practiceId, true, [], { statementTimeoutMs: remaining }));
        return client;
      } catch (err) {
        client.release(true);
        throw err;
      }
    })();
    return this.client;
  }
}
