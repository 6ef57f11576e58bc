import { Injectable } from '@nestjs/common';
import pg, { type Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { inTransaction, type Queryable, type Transaction, type TransactionOptions } from '#event-store';

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

  /** A practice-scoped transaction (the event store's one wrapper, on this pool). */
  transaction<T>(practiceId: string | null, fn: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return inTransaction(this.pool, practiceId, fn, options);
  }

  /** One read-only statement in the practice's scope. */
  async read<R extends Record<string, unknown>>(practiceId: string, sql: string, params: unknown[] = []): Promise<R[]> {
    return this.transaction(practiceId, async (tx) => (await tx.query<R>(sql, params)).rows, { readOnly: true });
  }
}

/**
 * Several statements in one round trip: node-postgres sends a query without
 * parameters as one simple-protocol message and answers a result per
 * statement (the rows parsed as for any query). Inside the caller's
 * transaction, so one failing fails the transaction as before. The
 * statements carry their values written in (`inline`).
 */
export async function batch(tx: Queryable, statements: readonly string[]): Promise<{ rows: Record<string, unknown>[] }[]> {
  if (statements.length === 0) return [];
  const result = (await tx.query(statements.join(';\n'))) as unknown as { rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[];
  return Array.isArray(result) ? result : [result];
}

/** A statement with its parameters written in as quoted literals (strings: the text node-postgres would send for them). */
export function inline(text: string, values: readonly string[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => pg.escapeLiteral(values[Number(n) - 1]!));
}

/** The advisory lock key of a stream: the same one the event store's append takes for 'any' writers. */
export const streamLock = (streamId: string) => `stream:${streamId}`;

export type { Queryable, Transaction, TransactionOptions };
export { begin } from '#event-store';
