import type { Pool } from 'pg';

export const DEFAULT_CHANNEL = 'event_store';

/**
 * Wakes subscribers after commits. A NOTIFY inside every appending transaction
 * would serialise commits on PostgreSQL's notify-queue lock, so appends only
 * "poke": at most one NOTIFY per process is in flight, and pokes that arrive
 * within `minIntervalMs` of the last one are folded into one more. Subscribers
 * also poll, so a lost notification costs latency, never an event.
 */
export class EventNotifier {
  private inFlight = false;
  private pending = false;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    readonly channel: string = DEFAULT_CHANNEL,
    private readonly minIntervalMs = 5,
  ) {}

  poke(): void {
    if (this.closed) return;
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.inFlight = true;
    this.pool
      .query('SELECT pg_notify($1, $2)', [this.channel, ''])
      .catch(() => undefined)
      .then(() => new Promise((r) => setTimeout(r, this.minIntervalMs)))
      .finally(() => {
        this.inFlight = false;
        if (this.pending) {
          this.pending = false;
          this.poke();
        }
      });
  }

  /** Resolves once no NOTIFY is in flight (so a pool can be closed cleanly). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight) await new Promise((r) => setTimeout(r, 5));
  }
}
