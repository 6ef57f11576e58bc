import { groupBy } from '#platform';

/**
 * The order of a worker's writes against its sends. Sends go out as soon as
 * their time comes (`sending` counts them while in flight); the recordings of
 * SENT go one transaction at a time per process, each taking every batch that
 * waits, after the sends in flight have gone (or `yieldMs` at most).
 * Concurrent recordings would queue on the same engagements' stream locks
 * anyway, and one big one costs the same few round trips as a small one; so a
 * burst's sends are not held up by its own recordings.
 */
export class RecordQueue<E, J> {
  private queue: { practiceId: string; entries: E[]; jobs: J[]; resolve(): void; reject(err: unknown): void }[] = [];
  private recording = false;
  private inFlight = 0;
  private whenSent: (() => void)[] = [];

  constructor(
    /** one recording: every waiting batch's entries of one practice */
    private readonly record: (practiceId: string, entries: E[], jobs: J[]) => Promise<void>,
    private readonly yieldMs: number,
  ) {}

  /** Resolves once these entries are recorded (with others of the same practice, maybe). */
  enqueue(practiceId: string, entries: E[], jobs: J[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ practiceId, entries, jobs, resolve, reject });
      if (!this.recording) void this.drain();
    });
  }

  /** One send, counted while it is in flight. */
  async sending<T>(send: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await send();
    } finally {
      if (--this.inFlight === 0) this.whenSent.splice(0).forEach((settled) => settled());
    }
  }

  private async drain(): Promise<void> {
    this.recording = true;
    try {
      while (this.queue.length) {
        await this.sendsSettled();
        const waiting = this.queue;
        this.queue = [];
        for (const [practiceId, group] of groupBy(waiting, (w) => w.practiceId)) {
          try {
            await this.record(practiceId, group.flatMap((g) => g.entries), group.flatMap((g) => g.jobs));
            for (const g of group) g.resolve();
          } catch (err) {
            for (const g of group) g.reject(err);
          }
        }
      }
    } finally {
      this.recording = false;
    }
  }

  /** Resolves when no send is in flight, or after `yieldMs`. */
  private sendsSettled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.yieldMs);
      this.whenSent.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
