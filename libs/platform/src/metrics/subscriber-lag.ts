import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.js';

export interface SubscriberLagRow {
  name: string;
  transactionId: string;
  position: number;
  /** age of the oldest committed event the subscriber has not processed; 0 when caught up */
  lagSeconds: number;
}

const CACHE_MS = 1_000;

/**
 * How far each subscriber is behind the log, read from PostgreSQL (so every
 * process sees the same figure, owner or standby): the age of the first
 * committed event after its checkpoint. That event is found through
 * `event_store_read_committed`, which, unlike `read_all`, is not held back by
 * transactions still running: a transaction left open for a minute stops
 * every subscriber, and this is where it shows. One statement for all
 * subscribers, cached for a second so probes and scrapes that arrive together
 * share it. Ages are measured on the database's clock against the events'
 * `occurred_at` (the writer's clock): keep the hosts' clocks in sync.
 */
@Injectable()
export class SubscriberLag {
  private cached: { at: number; rows: Promise<SubscriberLagRow[]> } | null = null;

  constructor(private readonly db: Database) {}

  /** Every subscriber that has a checkpoint, or only `names`. */
  async read(names?: readonly string[]): Promise<SubscriberLagRow[]> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) {
      const rows = this.query();
      this.cached = { at: now, rows };
      rows.catch(() => {
        if (this.cached?.rows === rows) this.cached = null;
      });
    }
    const rows = await this.cached.rows;
    return names ? rows.filter((r) => names.includes(r.name)) : rows;
  }

  private async query(): Promise<SubscriberLagRow[]> {
    const { rows } = await this.db.pool.query<{ name: string; transaction_id: string; position: string; lag_seconds: number }>(
      // a partitioned subscriber's checkpoints are "<name>#<partition>": it is as far behind as its slowest partition
      `SELECT DISTINCT ON (split_part(c.name, '#', 1)) split_part(c.name, '#', 1) AS name,
              c.transaction_id::text AS transaction_id, c.position,
              coalesce(greatest(0, extract(epoch FROM clock_timestamp() - f.occurred_at)), 0)::float8 AS lag_seconds
         FROM subscription_checkpoints c
         LEFT JOIN LATERAL event_store_read_committed(c.transaction_id, c.position, 1) f ON true
        ORDER BY split_part(c.name, '#', 1), lag_seconds DESC, c.transaction_id, c.position`,
    );
    return rows.map((r) => ({
      name: r.name,
      transactionId: r.transaction_id,
      position: Number(r.position),
      lagSeconds: Number(r.lag_seconds),
    }));
  }
}
