export interface JobBatchOptions<T, M> {
  /** items handled together at most */
  batch: number;
  /** how long the first waiting item waits for others before its batch starts */
  windowMs: number;
  /** batches of items running at once per practice; items arriving meanwhile wait and go together */
  concurrent: number;
  /** batches with no items of their own running at once per practice, while batches come back full */
  sweepers: number;
  practiceOf(item: T): string;
  /** one batch (items may be empty: a sweep, from `from` when a wake-up asked for it); true when it took all it could, so more may be due */
  run(practiceId: string, items: T[], from?: M): Promise<boolean>;
  /** of two wake-ups' starting places, the one to sweep from (the earlier) */
  earlier(a: M, b: M): M;
  /** a batch failed before it answered its items */
  failed(items: T[], err: unknown): void;
  sweepFailed(err: unknown): void;
}

interface Waker<M> {
  from: M;
  resolve(full: boolean): void;
  reject(err: unknown): void;
}

/** A wake-up that came while the worker was stopping: its job should go back to the queue for another worker. */
export class StoppingError extends Error {
  constructor() {
    super('the worker is stopping');
  }
}

/**
 * Gathers a worker's jobs into batches per practice. Jobs arrive one by one
 * from BullMQ: without the cap on batches running, a burst would become
 * hundreds of batches of a few jobs, each a lease transaction and a recording
 * (queued for the same connections and stream locks), mostly finding their
 * rows already taken. A batch that comes back full starts sweeps (batches with
 * no job, taking due rows nobody holds) until one comes back short. A wake-up (`wake`) starts
 * such a sweep, or joins one running: the next batch of the sweep answers it.
 */
export class JobBatches<T, M = never> {
  private readonly waiting = new Map<string, T[]>();
  private readonly running = new Map<string, number>();
  private readonly sweeping = new Map<string, number>();
  /** per practice, the wake-ups the next batch of its sweep answers */
  private readonly woken = new Map<string, Waker<M>[]>();
  private timer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(private readonly o: JobBatchOptions<T, M>) {}

  add(item: T): void {
    const practiceId = this.o.practiceOf(item);
    const waiting = this.waiting.get(practiceId) ?? [];
    waiting.push(item);
    this.waiting.set(practiceId, waiting);
    if (waiting.length >= this.o.batch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.o.windowMs);
  }

  /**
   * Sweeps the practice's due rows from `from` on (and, while batches come back full, on from where
   * they got to); resolves once a batch has taken what was due from there, with whether it came back full.
   */
  wake(practiceId: string, from: M): Promise<boolean> {
    if (this.closing) return Promise.reject(new StoppingError());
    return new Promise<boolean>((resolve, reject) => {
      const wakers = this.woken.get(practiceId) ?? [];
      wakers.push({ from, resolve, reject });
      this.woken.set(practiceId, wakers);
      this.sweep(practiceId);
    });
  }

  /** No new sweeps; waiting items still go in batches (BullMQ's close waits for its jobs), wake-ups waiting go back. */
  close(): void {
    this.closing = true;
    for (const wakers of this.woken.values()) for (const w of wakers) w.reject(new StoppingError());
    this.woken.clear();
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
      let wakers: Waker<M>[] = [];
      try {
        let full: boolean;
        do {
          wakers = this.woken.get(practiceId) ?? [];
          this.woken.delete(practiceId);
          const from = wakers.length ? wakers.map((w) => w.from).reduce((a, b) => this.o.earlier(a, b)) : undefined;
          full = await this.o.run(practiceId, [], from);
          for (const w of wakers.splice(0)) w.resolve(full);
        } while (!this.closing && (full || this.woken.has(practiceId)));
      } catch (err) {
        for (const w of wakers) w.reject(err);
        this.o.sweepFailed(err);
      } finally {
        this.sweeping.set(practiceId, this.sweeping.get(practiceId)! - 1);
        // wake-ups that came as this loop ended (it had given up its place) start the next
        if (this.woken.has(practiceId)) this.sweep(practiceId);
      }
    })();
  }
}
