import { Injectable } from '@nestjs/common';
import { readSubscriberLag, type SubscriberLagRow } from '#event-store';
import { Database } from '../database/database.js';

export type { SubscriberLagRow };

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

  private query(): Promise<SubscriberLagRow[]> {
    // the event store's query: only the store names its checkpoint table
    return readSubscriberLag(this.db.pool);
  }
}
