import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Queryable, TransactionHandle } from '#event-store';

/** A transaction bound to one connection: raw SQL through `query`, TypeORM through `manager`. */
export interface Transaction extends TransactionHandle {
  readonly manager: EntityManager;
  readonly client: PoolClient;
  afterCommit(callback: () => void): void;
}

export interface TransactionOptions {
  readOnly?: boolean;
}

/**
 * The only way the service talks to PostgreSQL. Every transaction is scoped to
 * one practice through a transaction-local setting that row-level security
 * policies read, so a pooled connection never carries one caller's practice
 * into the next caller's work. `null` is the system scope (no practice rows).
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
    const runner: QueryRunner = this.dataSource.createQueryRunner();
    const callbacks: (() => void)[] = [];
    await runner.connect();
    const client = (runner as unknown as { databaseConnection: PoolClient }).databaseConnection;
    const tx: Transaction = {
      manager: runner.manager,
      client,
      query: (text, values) => client.query(text, values) as never,
      afterCommit: (cb) => callbacks.push(cb),
    };
    try {
      await runner.startTransaction();
      if (practiceId !== null || options.readOnly) {
        // one round trip for both settings; read-only may be switched on at any point of a transaction
        await client.query("SELECT set_config('app.practice_id', coalesce($1, ''), true), set_config('transaction_read_only', $2, true)", [
          practiceId,
          options.readOnly ? 'on' : 'off',
        ]);
      }
      const result = await fn(tx);
      await runner.commitTransaction();
      for (const cb of callbacks) cb();
      return result;
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
  }

  /** One read-only statement in the practice's scope. */
  async read<R extends Record<string, unknown>>(practiceId: string, sql: string, params: unknown[] = []): Promise<R[]> {
    return this.transaction(practiceId, async (tx) => (await tx.query<R>(sql, params)).rows, { readOnly: true });
  }
}

export type { Queryable };
