import type { PoolClient } from 'pg';
import { begin, type Database } from './database.js';
import { ExecutionTimeout } from '../security/errors.js';

/**
 * One GraphQL request's reads: a read-only transaction scoped to the caller's
 * practice, opened at the first read and shared by every DataLoader batch of
 * the request, so a request costs one BEGIN and one COMMIT however many
 * batches it runs. Released when the response is sent (or before a command
 * runs, so a request never holds two connections at once).
 *
 * The connection runs in node-postgres' pipeline mode while the session holds
 * it: BEGIN goes on the wire with the first read, reads asked for together (a
 * list's three levels, a dashboard's figures) go together, and COMMIT follows
 * the last, each answered in order, instead of a round trip each. A read's
 * rows are used only once BEGIN has succeeded, so nothing read outside the
 * practice-scoped transaction reaches a caller.
 *
 * A failed statement ends the transaction (rolled back) and the next read
 * opens a fresh one. A read sent behind the failed one fails only because the
 * transaction was aborted (25P02): it is sent again, once, on a fresh one.
 */
export class ReadSession {
  private current: Promise<Held> | null = null;
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
    return this.send<R>(sql, params, false);
  }

  private async send<R extends Record<string, unknown>>(sql: string, params: unknown[], resent: boolean): Promise<R[]> {
    if (this.ended) throw new Error('This read session has ended; it runs no more statements');
    if (this.deadline && Date.now() >= this.deadline.at) throw new ExecutionTimeout(this.deadline.budgetMs);
    const pending = this.open();
    const held = await pending;
    this.statements += 1;
    oneWritePerTurn(held.client);
    const answer = held.client.query<R>(sql, params);
    try {
      // BEGIN's failure wins: rows read outside the transaction are never used
      const [, result] = await Promise.all([held.begun, answer]);
      return result.rows;
    } catch (err) {
      await this.close(pending, true);
      const code = (err as { code?: unknown }).code;
      // 57014: cancelled by the statement timeout the budget set
      if (this.deadline && code === '57014') throw new ExecutionTimeout(this.deadline.budgetMs);
      if (code === '25P02' && !resent) return this.send<R>(sql, params, true);
      throw err;
    }
  }

  /** This session in the shape of node-postgres' `query` (for code written against a client). */
  asQueryable(): { query: <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<{ rows: R[]; rowCount: number | null }> } {
    return { query: async (sql, params) => ({ rows: await this.query(sql, params ?? []), rowCount: null }) };
  }

  /** Commits (nothing was written) and returns the connection to the pool, after the statements already sent. */
  release(): Promise<void> {
    return this.current ? this.close(this.current, false) : Promise.resolve();
  }

  /** Releases the connection after the statements already sent, and refuses any later statement. */
  end(): Promise<void> {
    this.ended = true;
    return this.release();
  }

  /**
   * Ends the transaction of `pending` once (later calls wait for the first): COMMIT or ROLLBACK goes
   * behind every statement already sent on it, so its answer comes after theirs; a new read opens a
   * fresh transaction meanwhile.
   */
  private close(pending: Promise<Held>, failed: boolean): Promise<void> {
    if (this.current === pending) this.current = null;
    const closing = closings.get(pending);
    if (closing) return closing;
    const done = (async () => {
      let held: Held;
      try {
        held = await pending;
      } catch {
        return;
      }
      let broken = false;
      try {
        this.statements += 1;
        await held.client.query(failed ? 'ROLLBACK' : 'COMMIT');
      } catch {
        broken = true;
      } finally {
        pipelined(held.client, false);
        held.client.release(broken);
      }
    })();
    closings.set(pending, done);
    return done;
  }

  private open(): Promise<Held> {
    this.current ??= (async () => {
      const client = await this.db.pool.connect();
      pipelined(client, true);
      oneWritePerTurn(client);
      this.statements += 2; // BEGIN and set_config: one message
      const remaining = this.deadline ? this.deadline.at - Date.now() : undefined;
      const begun = client.query(begin(this.practiceId, true, [], { statementTimeoutMs: remaining }));
      begun.catch(() => undefined); // its failure reaches every read through `held.begun`
      return { client, begun };
    })();
    const pending = this.current;
    pending.catch(() => {
      if (this.current === pending) this.current = null; // no connection: the next read tries again
    });
    return pending;
  }
}

interface Held {
  client: PoolClient;
  /** BEGIN's answer: every read waits for it before its rows are used */
  begun: Promise<unknown>;
}

const closings = new WeakMap<Promise<Held>, Promise<void>>();

/**
 * Pipeline mode for one checkout: node-postgres reads the flag at each statement, so a connection the
 * session holds sends its statements without waiting for the previous answer, and is handed back to
 * the pool (to the event store's transactions, which use portals and expect one statement at a time)
 * in the ordinary mode, with nothing in flight.
 */
function pipelined(client: PoolClient, on: boolean): void {
  (client as { pipeline: boolean }).pipeline = on;
}

const corked = new WeakSet<object>();

/**
 * Holds a pipelined connection's writes until this turn of the event loop has queued its statements,
 * then sends them in one write: BEGIN with the first read, a list's three levels together. Each write
 * to PostgreSQL's socket is a system call that wakes its backend (~70 µs each on this VM, bench/PROFILE.md);
 * node-postgres writes every statement on its own.
 */
function oneWritePerTurn(client: PoolClient): void {
  const stream = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork: () => void } } }).connection?.stream;
  if (!stream?.cork || corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  setImmediate(() => {
    corked.delete(stream);
    stream.uncork();
  });
}
