import type { Logger } from '@nestjs/common';

/**
 * A sweep a worker runs every so often (reconciliation, digests, pruning): one run at a time in this
 * process — asked while one is under way, it joins that run — a failed run logged as a warning and
 * tried again at the next tick, and on shutdown the timer stopped and the run under way awaited.
 */
export class PeriodicTask<T> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<T> | null = null;

  constructor(
    private readonly what: string,
    private readonly logger: Logger,
    private readonly run: () => Promise<T>,
  ) {}

  /** Runs now, or joins the run under way; `run` overrides the task's own (e.g. with a test's time). */
  runNow(run: () => Promise<T> = this.run): Promise<T> {
    this.running ??= run().finally(() => (this.running = null));
    return this.running;
  }

  start(everyMs: number, options: { now?: boolean } = {}): void {
    const tick = () => void this.runNow().catch((err: Error) => this.logger.warn(`${this.what} failed: ${err.message}`));
    if (options.now) tick();
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
