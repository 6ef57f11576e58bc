export interface JobBatchOptions<T> {
  /** items handled together at most */
  batch: number;
  /** how long the first waiting item waits for others before its batch starts */
  windowMs: number;
  /** batches of items running at once per practice; items arriving meanwhile wait and go together */
  concurrent: number;
  /** batches with no items of their own running at once per practice, while batches come back full */
  sweepers: number;
  practiceOf(item: T): string;
  /** one batch (items may be empty: a sweep); true when it took all it could, so more may be due */
  run(practiceId: string, items: T[]): Promise<boolean>;
  /** a batch failed before it answered its items */
  failed(items: T[], err: unknown): void;
  sweepFailed(err: unknown): void;
}

/**
 * Gathers a worker's jobs into batches per practice. Jobs arrive one by one
 * from BullMQ: without the cap on batches running, a burst would become
 * hundreds of batches of a few jobs, each a lease transaction and a recording
 * (queued for the same connections and stream locks), mostly finding their
 * rows already taken. A batch that comes back full starts sweeps (batches with
 * no job, taking due rows nobody holds) until one comes back short.
 */
export class JobBatches<T> {
  private readonly waiting = new Map<string, T[]>();
  private readonly running = new Map<string, number>();
  private readonly sweeping = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(private readonly o: JobBatchOptions<T>) {}

  add(item: T): void {
    const practiceId = this.o.practiceOf(item);
    const waiting = this.waiting.get(practiceId) ?? [];
    waiting.push(item);
    this.waiting.set(practiceId, waiting);
    if (waiting.length >= this.o.batch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.o.windowMs);
  }

  /** No new sweeps; waiting items still go in batches (BullMQ's close waits for its jobs). */
  close(): void {
    this.closing = true;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const practiceId of [...this.waiting.keys()]) this.start(practiceId);
  }

  private start(practiceId: string): void {
    const waiting = this.waiting.get(practiceId) ?? [];
    while (waiting.length && (this.running.get(practiceId) ?? 0) < this.o.concurrent) {
      const items = waiting.splice(0, this.o.batch);
      this.running.set(practiceId, (this.running.get(practiceId) ?? 0) + 1);
      void this.o
        .run(practiceId, items)
        .then(
          (full) => full && this.sweep(practiceId),
          (err: unknown) => this.o.failed(items, err),
        )
        .finally(() => {
          this.running.set(practiceId, this.running.get(practiceId)! - 1);
          this.start(practiceId);
        });
    }
    if (!waiting.length) this.waiting.delete(practiceId);
  }

  private sweep(practiceId: string): void {
    const loops = this.sweeping.get(practiceId) ?? 0;
    if (loops >= this.o.sweepers || this.closing) return;
    this.sweeping.set(practiceId, loops + 1);
    void (async () => {
      try {
        while (!this.closing && (await this.o.run(practiceId, [])));
      } catch (err) {
        this.o.sweepFailed(err);
      } finally {
        this.sweeping.set(practiceId, this.sweeping.get(practiceId)! - 1);
      }
    })();
  }
}
