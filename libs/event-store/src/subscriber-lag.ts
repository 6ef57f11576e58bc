import type { Queryable } from './types.js';

export interface SubscriberLagRow {
  name: string;
  transactionId: string;
  position: number;
  /** age of the oldest committed event the subscriber has not processed; 0 when caught up */
  lagSeconds: number;
}

/**
 * Every subscriber's checkpoint and how far it is behind the log: the age of
 * the first committed event after it, found through
 * `event_store_read_committed` (not held back by transactions still running,
 * so an open transaction that stops every subscriber shows here). One
 * statement; ages on the database's clock against the events' `occurred_at`.
 */
export async function readSubscriberLag(q: Queryable): Promise<SubscriberLagRow[]> {
  const { rows } = await q.query<{ name: string; transaction_id: string; position: string; lag_seconds: number }>(
    // a partitioned subscriber's checkpoints are "<name>#<partition>/<k>": it is as far behind as its slowest
    // partition; the single-owner row it started from ("<name>") nobody moves any more, so it does not count
    `SELECT DISTINCT ON (split_part(c.name, '#', 1)) split_part(c.name, '#', 1) AS name,
            c.transaction_id::text AS transaction_id, c.position,
            coalesce(greatest(0, extract(epoch FROM clock_timestamp() - f.occurred_at)), 0)::float8 AS lag_seconds
       FROM subscription_checkpoints c
       LEFT JOIN LATERAL event_store_read_committed(c.transaction_id, c.position, 1) f ON true
      WHERE c.name LIKE '%#%'
         OR NOT EXISTS (SELECT 1 FROM subscription_checkpoints x WHERE split_part(x.name, '#', 1) = c.name AND x.name LIKE '%#%')
      ORDER BY split_part(c.name, '#', 1), lag_seconds DESC, c.transaction_id, c.position`,
  );
  return rows.map((r) => ({ name: r.name, transactionId: r.transaction_id, position: Number(r.position), lagSeconds: Number(r.lag_seconds) }));
}
