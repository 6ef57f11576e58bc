import type { Pool } from 'pg';

export const DEFAULT_CHANNEL = 'event_store';

/** PostgreSQL takes up to 8,000 bytes of payload; more practices than this fits say "any" instead. */
const MAX_PAYLOAD = 4_000;

/**
 * The practices a notification names, or null when it names none (any practice may have news: an
 * empty payload, one from an older notifier, or one that does not parse).
 */
export function notifiedPractices(payload: string | undefined): string[] | null {
  if (!payload) return null;
  try {
    const parsed: unknown = JSON.parse(payload);
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

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
  /** the practices whose events committed since the last NOTIFY; `everything`: a poke that named none */
  private readonly practices = new Set<string>();
  private everything = false;

  constructor(
    private readonly pool: Pool,
    readonly channel: string = DEFAULT_CHANNEL,
    private readonly minIntervalMs = 5,
  ) {}

  /**
   * Events of `practiceId` (or, without it, of any practice) committed. The NOTIFY names the
   * practices, so a partitioned subscriber reads only their partitions: read at every wake, the
   * partitions with nothing new were most of a worker's reads (bench/REPORT.md, 2026-12-02 17:35).
   */
  poke(practiceId?: string): void {
    if (this.closed) return;
    if (practiceId === undefined) this.everything = true;
    else this.practices.add(practiceId);
    this.send();
  }

  private send(): void {
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.inFlight = true;
    this.pool
      .query('SELECT pg_notify($1, $2)', [this.channel, this.payload()])
      .catch(() => undefined)
      .then(() => new Promise((r) => setTimeout(r, this.minIntervalMs)))
      .finally(() => {
        this.inFlight = false;
        if (this.pending && !this.closed) {
          this.pending = false;
          this.send();
        }
      });
  }

  /** What the pokes since the last NOTIFY name: a JSON array of practice ids, or '' (any practice). */
  private payload(): string {
    const named = JSON.stringify([...this.practices]);
    const payload = this.everything || named.length > MAX_PAYLOAD ? '' : named;
    this.practices.clear();
    this.everything = false;
    return payload;
  }

  /** Resolves once no NOTIFY is in flight (so a pool can be closed cleanly). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight) await new Promise((r) => setTimeout(r, 5));
  }
}
