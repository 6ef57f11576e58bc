import type { Pool, PoolClient } from 'pg';

const guardedPools = new WeakSet<Pool>();
const guardedClients = new WeakSet<PoolClient>();

/**
 * Gives every connection of `pool` an 'error' listener for as long as it
 * lives. pg-pool listens for errors only while a connection is idle and
 * removes its listener while the connection is checked out, so a connection
 * that PostgreSQL terminates in the middle of a transaction (an administrator's
 * pg_terminate_backend, a failover, idle_in_transaction_session_timeout) would
 * emit an unhandled 'error' and end the process. With this listener the
 * failure is logged; the statement in flight rejects as usual, and the pool
 * drops the dead connection when it is released. Call once per pool: every
 * checkout (Database.transaction, ReadSession, the event store's own
 * transactions, pool.query) is covered, whoever makes it. An idle connection's
 * failure pg-pool re-emits on the pool itself, which needs its own listener
 * for the same reason.
 */
export function guardClientErrors(pool: Pool, report: (err: Error) => void): void {
  if (guardedPools.has(pool)) return;
  guardedPools.add(pool);
  // a connection that was ever checked out reports through its own listener below: once is enough
  pool.on('error', (err, client) => {
    if (!guardedClients.has(client)) report(err);
  });
  pool.on('acquire', (client) => {
    if (guardedClients.has(client)) return;
    guardedClients.add(client);
    client.on('error', report);
  });
}
