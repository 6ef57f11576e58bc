import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics, one registry per process. Gauges that
 * need a look at PostgreSQL or Redis (lag, queue depth) are filled by
 * collectors registered with `onScrape`, run when /metrics is read.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly collectors: (() => Promise<void>)[] = [];

  readonly eventsAppended = new Counter({
    name: 'coaching_events_appended_total',
    help: 'Events appended to the event store, by event type',
    labelNames: ['type'],
    registers: [this.registry],
  });

  readonly commandDuration = new Histogram({
    name: 'coaching_command_duration_seconds',
    help: 'Engagement commands end to end (load, decide, append, project, commit), by command and outcome',
    labelNames: ['command', 'outcome'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly subscriberLag = new Gauge({
    name: 'coaching_subscriber_lag_seconds',
    help: "Age of the oldest committed event a subscriber has not processed yet (0 when caught up)",
    labelNames: ['subscriber'],
    registers: [this.registry],
  });

  readonly subscriberCheckpoint = new Gauge({
    name: 'coaching_subscriber_checkpoint_position',
    help: 'Global position of the last event a subscriber processed',
    labelNames: ['subscriber'],
    registers: [this.registry],
  });

  readonly subscriberLeader = new Gauge({
    name: 'coaching_subscriber_owner',
    help: '1 when this process owns the subscriber (holds its lock)',
    labelNames: ['subscriber'],
    registers: [this.registry],
  });

  readonly subscriberFailures = new Gauge({
    name: 'coaching_subscriber_consecutive_failures',
    help: 'Consecutive failed batches of a subscriber in this process',
    labelNames: ['subscriber'],
    registers: [this.registry],
  });

  readonly subscriberBatchFailures = new Counter({
    name: 'coaching_subscriber_batch_failures_total',
    help: 'Batches of a subscriber partition that failed and rolled back in this process (each is retried after a back-off)',
    labelNames: ['subscriber', 'partition'],
    registers: [this.registry],
  });

  readonly subscriberFailing = new Gauge({
    name: 'coaching_subscriber_failing',
    help: '1 while a subscriber partition held by this process is in a failure streak (its batches keep failing); 0 once one commits or the partition leaves',
    labelNames: ['subscriber', 'partition'],
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'coaching_queue_jobs',
    help: 'Jobs in a queue (all its shards), by state',
    labelNames: ['queue', 'state'],
    registers: [this.registry],
  });

  readonly queueShardJobs = new Gauge({
    name: 'coaching_queue_shard_jobs',
    help: 'Jobs in one shard of a queue (REMINDER_QUEUE_SHARDS on Redis Cluster; shard 0 only on a single Redis), by state',
    labelNames: ['queue', 'shard', 'state'],
    registers: [this.registry],
  });

  readonly reminderOutcomes = new Counter({
    name: 'coaching_reminders_total',
    help: 'Reminder job outcomes (sent, cancelled, failed, retried, skipped)',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });

  readonly reminderJobsRearmed = new Counter({
    name: 'coaching_reminder_jobs_rearmed_total',
    help: 'Reminder jobs the reconciler re-created because Redis did not hold them (a flushed or failed-over Redis, a lost write), by pass (full: every waiting row; changed: rows changed since the last pass)',
    labelNames: ['pass'],
    registers: [this.registry],
  });

  readonly reminderFireDelay = new Histogram({
    name: 'coaching_reminder_fire_delay_seconds',
    help: 'From a reminder\'s scheduled time to its delivery',
    labelNames: ['kind'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly reminderStage = new Histogram({
    name: 'coaching_reminder_stage_seconds',
    help: 'One reminder batch\'s stages: lease (take the rows, read subjects and settings), budget (the daily budget\'s places), body (store first webhook bodies), deliver, record (outcomes and ReminderSent)',
    labelNames: ['stage'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly reminderBatchRows = new Histogram({
    name: 'coaching_reminder_batch_rows',
    help: 'Rows one reminder batch leased (its jobs\' and those it swept)',
    labelNames: ['source'],
    buckets: [1, 10, 50, 100, 250, 500, 1000],
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: 'coaching_graphql_operation_duration_seconds',
    help: 'GraphQL operations, by type and name',
    labelNames: ['type', 'name'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly graphqlExecutions = new Counter({
    name: 'coaching_graphql_executions_total',
    help: 'Queries and mutations executed over HTTP, by executor: compiled (a plan of a document run before) or interpreted (graphql-js)',
    labelNames: ['executor'],
    registers: [this.registry],
  });

  readonly graphqlErrors = new Counter({
    name: 'coaching_graphql_errors_total',
    help: 'Errors returned by GraphQL operations, by code',
    labelNames: ['code'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'coaching_' });
  }

  /** Runs `collect` before every scrape (errors are swallowed: a scrape never fails on them). */
  onScrape(collect: () => Promise<void>): void {
    this.collectors.push(collect);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    await Promise.all(this.collectors.map((c) => c().catch(() => undefined)));
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
