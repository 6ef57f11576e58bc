import { PeriodicTask } from '../periodic-task.js';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfigService, Database } from '#platform';
import { practicesWithPrunableDeliveries, pruneDelivered } from './event-webhook-store.js';

/** Rows one prune transaction deletes: short transactions, short locks. */
export const PRUNE_BATCH = 1_000;

/**
 * Event webhooks, retention: delivery rows are the dispatcher's queue and the
 * ADMIN's recent history (`WebhookSubscription.deliveries`), not the record —
 * the event log is. Every EVENT_WEBHOOK_PRUNE_MS the worker deletes the
 * DELIVERED rows delivered more than EVENT_WEBHOOK_RETENTION_DAYS ago, per
 * practice in its own scope, PRUNE_BATCH rows per transaction. Rows not
 * delivered yet (pending, retrying, or waiting on a paused subscription) are
 * kept however old: pruning them would drop a delivery. A replay reads the
 * event log, so it re-delivers a pruned range with the same ids and bodies.
 * Several workers may prune at once: SKIP LOCKED splits the rows.
 */
@Injectable()
export class EventWebhookPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventWebhookPruner.name);
  private readonly task = new PeriodicTask('event webhook pruning', this.logger, () => this.pruneOnce(new Date()));
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly config: AppConfigService,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(this.config.get('EVENT_WEBHOOK_PRUNE_MS'), { now: true });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.task.stop();
  }

  /** Deletes the delivered rows past retention (as of `now`); how many went. One run at a time per process. */
  prune(now = new Date()): Promise<number> {
    return this.task.runNow(() => this.pruneOnce(now));
  }

  private async pruneOnce(now: Date): Promise<number> {
    const before = new Date(now.getTime() - this.config.get('EVENT_WEBHOOK_RETENTION_DAYS') * 86_400_000);
    const practices = await this.db.transaction(null, (tx) => practicesWithPrunableDeliveries(tx, before), { readOnly: true });
    let pruned = 0;
    for (const practiceId of practices) {
      for (;;) {
        if (this.stopped) return pruned;
        const n = await this.db.transaction(practiceId, (tx) => pruneDelivered(tx, practiceId, before, PRUNE_BATCH));
        pruned += n;
        if (n < PRUNE_BATCH) break;
      }
    }
    if (pruned) this.logger.log(`event webhooks: pruned ${pruned} delivered rows older than ${before.toISOString()}`);
    return pruned;
  }
}
