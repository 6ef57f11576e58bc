import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { SubscriptionHost } from '../subscriptions/subscription-host.js';
import { Metrics } from './metrics.js';
import { QueueProbe } from './queue-probe.js';
import { SubscriberLag } from './subscriber-lag.js';

/** Queue depth by state, read from Redis at each scrape: the queue's total and each shard's. */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly queue: QueueProbe,
  ) {}

  onModuleInit(): void {
    this.metrics.onScrape(async () => {
      const shards = await this.queue.jobCountsByShard();
      const total: Record<string, number> = {};
      shards.forEach((counts, shard) => {
        for (const [state, n] of Object.entries(counts)) {
          this.metrics.queueShardJobs.set({ queue: this.queue.name, shard: String(shard), state }, n);
          total[state] = (total[state] ?? 0) + n;
        }
      });
      for (const [state, n] of Object.entries(total)) this.metrics.queueJobs.set({ queue: this.queue.name, state }, n);
    });
  }
}

/**
 * Per subscriber: who owns it here and its failures (this process's runners),
 * lag and checkpoint (PostgreSQL's view, the same from every process: take
 * max() across instances). When the lag cannot be read the lag series are
 * dropped rather than left at their last value.
 */
@Injectable()
export class SubscriptionMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly lag: SubscriberLag,
    @Optional() private readonly host?: SubscriptionHost,
  ) {}

  onModuleInit(): void {
    this.metrics.onScrape(async () => {
      const statuses = this.host?.status() ?? [];
      for (const s of statuses) {
        this.metrics.subscriberLeader.set({ subscriber: s.name }, s.leader ? 1 : 0);
        this.metrics.subscriberFailures.set({ subscriber: s.name }, s.consecutiveFailures);
      }
      try {
        const rows = await this.lag.read(this.host ? statuses.map((s) => s.name) : undefined);
        this.metrics.subscriberLag.reset();
        this.metrics.subscriberCheckpoint.reset();
        for (const r of rows) {
          this.metrics.subscriberLag.set({ subscriber: r.name }, r.lagSeconds);
          this.metrics.subscriberCheckpoint.set({ subscriber: r.name }, r.position);
        }
      } catch (err) {
        this.metrics.subscriberLag.reset();
        this.metrics.subscriberCheckpoint.reset();
        throw err;
      }
    });
  }
}
