import { Injectable } from '@nestjs/common';
import pg, { type Pool, type PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { Queryable, TransactionHandle } from '#event-store';

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
 * The only way the service talks to PostgreSQL. Every transaction is scoped to
 * one practice through a transaction-local setting that row-level security
 * policies read, so a pooled connection never carries one caller's practice
 * into the next caller's work. `null` is the system scope (no practice rows).
 * TypeORM owns the pool and the migrations; statements go to node-postgres
 * directly, because the hot paths are hand-written SQL.
 */
@Injectable()
export class Database {
  constructor(readonly dataSource: DataSource) {}

  /** node-postgres pool under TypeORM: the event store and raw readers share it. */
  get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  async transaction<T>(
    practiceId: string | null,
    fn: (tx: Transaction) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const client = await this.pool.connect();
    const callbacks: (() => void)[] = [];
    const tx: Transaction = {
      client,
      query: (text, values) => client.query(text, values) as never,
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

  /** One read-only statement in the practice's scope. */
  async read<R extends Record<string, unknown>>(practiceId: string, sql: string, params: unknown[] = []): Promise<R[]> {
    return this.transaction(practiceId, async (tx) => (await tx.query<R>(sql, params)).rows, { readOnly: true });
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

/** The advisory lock key of a stream: the same one the event store's append takes for 'any' writers. */
export const streamLock = (streamId: string) => `stream:${streamId}`;

export type { Queryable };
