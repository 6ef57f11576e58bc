import {
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import pg from 'pg';
import { PostgresEventStore, SubscriptionRunner, type Subscriber, type SubscriptionObserver, type SubscriptionStatus } from '#event-store';
import { AppConfigService } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { Metrics } from '../metrics/metrics.js';

/** Server-side TCP keepalives of the lock-holding session (ignored over Unix sockets). */
const LOCK_SESSION_KEEPALIVES = '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3 -c tcp_user_timeout=10000';

/** Subscriber classes this process runs; set by SubscriptionsModule.forRoot. */
export abstract class SubscriberClasses {
  abstract readonly classes: readonly Type<Subscriber>[];
}

/**
 * Runs one SubscriptionRunner per subscriber in this process. Every worker
 * process runs all of them; each subscriber is split into SUBSCRIPTION_PARTITIONS
 * partitions (default 8), each owned by one process at a time (advisory locks),
 * so the work spreads over the workers and the survivors take over a dead
 * worker's share.
 */
@Injectable()
export class SubscriptionHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SubscriptionHost.name);
  private runners: SubscriptionRunner[] = [];

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly classes: SubscriberClasses,
    private readonly store: PostgresEventStore,
    private readonly db: Database,
    private readonly config: AppConfigService,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    // the lock holder needs a session of its own (LISTEN, a session advisory lock): never through PgBouncer
    const url = this.config.get('DATABASE_DIRECT_URL') ?? this.config.get('DATABASE_URL');
    this.runners = this.classes.classes.map((cls) => {
      const subscriber = this.moduleRef.get(cls, { strict: false });
      const connect = async () => {
        // A killed process closes its socket and PostgreSQL frees the lock at once; a host that vanishes
        // (power, network) sends nothing, so the server probes the session: gone within ~11 s, not hours.
        const client = new pg.Client({
          connectionString: url,
          application_name: `subscriber:${subscriber.name}`,
          options: LOCK_SESSION_KEEPALIVES,
          keepAlive: true,
        });
        await client.connect();
        return client;
      };
      const logger = { log: (m: string) => this.logger.log(m), warn: (m: string) => this.logger.warn(m), error: (m: string) => this.logger.error(m) };
      // K partitions shared by every worker (docs/scaling.md "Projection work over several workers"); 0 or 1: one owner
      return new SubscriptionRunner(subscriber, {
        store: this.store,
        pool: this.db.pool,
        connect,
        partitions: Math.max(1, this.config.get('SUBSCRIPTION_PARTITIONS')),
        pollIntervalMs: this.config.get('SUBSCRIPTION_POLL_MS'),
        gatherMs: this.config.get('SUBSCRIPTION_GATHER_MS'),
        takeoverIntervalMs: this.config.get('SUBSCRIPTION_TAKEOVER_MS'),
        logger,
        observer: this.metrics ? batchFailureMetrics(this.metrics) : undefined,
      });
    });
    for (const r of this.runners) r.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }

  /** Each subscriber's runner here; `leader`: this process holds any of its partitions. */
  status(): SubscriptionStatus[] {
    return this.runners.map((r) => r.status());
  }

  runner(name: string): SubscriptionRunner | undefined {
    return this.runners.find((r) => r.name === name);
  }
}

/**
 * A runner's failing batches as Prometheus series: coaching_subscriber_batch_failures_total counts
 * them, coaching_subscriber_failing is 1 while a partition's streak lasts (the runner logs them:
 * ERROR when a streak starts, WARN every few more, INFO on recovery).
 */
export function batchFailureMetrics(metrics: Metrics): SubscriptionObserver {
  return {
    batchFailed: (f) => {
      const labels = { subscriber: f.subscriber, partition: String(f.partition) };
      metrics.subscriberBatchFailures.inc(labels);
      metrics.subscriberFailing.set(labels, 1);
    },
    streakEnded: (e) => metrics.subscriberFailing.set({ subscriber: e.subscriber, partition: String(e.partition) }, 0),
  };
}
