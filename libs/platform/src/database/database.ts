import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { inTransaction, type Queryable, type StatementResult, type Transaction, type TransactionOptions } from '#event-store';

/**
 * The only way the service talks to PostgreSQL. Every transaction is scoped to
 * one practice through a transaction-local setting that row-level security
 * policies read, so a pooled connection never carries one caller's practice
 * into the next caller's work. `null` is the system scope (no practice rows).
 * Statements go to node-postgres directly, because the hot paths are
 * hand-written SQL; TypeORM runs the migrations (./migrate.ts).
 */
@Injectable()
export class Database {
  /** the event store and raw readers share this pool (./data-source-options.ts `poolConfig`) */
  constructor(readonly pool: Pool) {}

  /** A practice-scoped transaction (the event store's one wrapper, on this pool). */
  transaction<T>(practiceId: string | null, fn: (tx: Transaction, first: StatementResult[]) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return inTransaction(this.pool, practiceId, fn, options);
  }

  /** One read-only statement in the practice's scope. */
  async read<R extends Record<string, unknown>>(practiceId: string, sql: string, params: unknown[] = []): Promise<R[]> {
    return this.transaction(practiceId, async (tx) => (await tx.query<R>(sql, params)).rows, { readOnly: true });
  }
}

/** The advisory lock key of a stream: the same one the event store's append takes for 'any' writers. */
export const streamLock = (streamId: string) => `stream:${streamId}`;

export type { Queryable, StatementResult, Transaction, TransactionOptions };
export { batch, begin, inline } from '#event-store';
