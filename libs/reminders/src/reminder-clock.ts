import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import { AppConfigService } from '#platform';
import { redisClusterClient, redisConnection, reminderQueuePrefixes, shardOf } from './redis.js';
import { ReminderTime } from './reminder-time.js';
import type { Cluster, Redis } from 'ioredis';

export const REMINDER_QUEUE = 'reminders';
/**
 * The field of the queue's meta hash (BullMQ's own, which keeps extra fields) that holds when the last
 * reconciliation began: whatever loses the jobs — a flush, an obliterate from the dashboard — loses it too.
 */
const RECONCILED_MARK = 'coaching:reconciled-at';
/** Job lookups sent to Redis at once by `scheduleMissing`. */
const MISSING_CHECK_CHUNK = 1_000;

export interface ReminderJobData {
  reminderId: string;
  practiceId: string;
  /** epoch ms the job was scheduled for; a row rescheduled since makes this job stale */
  scheduledFor: number;
  /** the request that caused the reminder (absent on jobs the reconciler re-created: the row has it) */
  correlationId?: string;
}

export interface ClockEntry {
  id: string;
  practiceId: string;
  at: Date;
  correlationId?: string | null;
}

/**
 * The clock of reminders: one BullMQ delayed job per SCHEDULED row. Job ids
 * are derived from the reminder and its time, so adding the same job twice
 * (scheduler retry, reconciliation, two workers) keeps one job, and a
 * rescheduled reminder gets a new job while the old one is removed (or, if it
 * survives, finds the row moved on and does nothing).
 */
@Injectable()
export class ReminderClock implements OnApplicationShutdown {
  private readonly logger = new Logger(ReminderClock.name);
  /** one queue on a single Redis; on Redis Cluster one per shard (REMINDER_QUEUE_SHARDS), a practice's from its id */
  readonly queues: Queue[];
  private readonly cluster: Cluster | null;
  private readonly jobOptions: JobsOptions;
  /** REMINDER_LEAD_MS: a job fires this long before its reminder's time (the processor sends at the time) */
  readonly leadMs: number;

  constructor(
    config: AppConfigService,
    private readonly time: ReminderTime,
  ) {
    const nodes = config.get('REDIS_CLUSTER_NODES');
    this.cluster = nodes ? redisClusterClient(nodes, 'queue') : null;
    const connection = this.cluster ?? redisConnection(config.get('REDIS_URL'), 'queue');
    this.queues = reminderQueuePrefixes(config.get('QUEUE_PREFIX'), this.cluster !== null, config.get('REMINDER_QUEUE_SHARDS')).map(
      (prefix) => new Queue(REMINDER_QUEUE, { connection, prefix }),
    );
    for (const q of this.queues) q.on('error', (err) => this.logger.warn(`reminder queue: ${err.message}`));
    this.leadMs = config.get('REMINDER_LEAD_MS');
    this.jobOptions = {
      attempts: config.get('REMINDER_ATTEMPTS'),
      backoff: { type: 'exponential', delay: config.get('REMINDER_BACKOFF_MS') },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    };
  }

  /** The first (on a single Redis: the only) queue; metrics look at all of them (`queues`). */
  get queue(): Queue {
    return this.queues[0]!;
  }

  /** The queue of a practice's reminders. */
  queueOf(practiceId: string): Queue {
    return this.queues[shardOf(practiceId, this.queues.length)]!;
  }

  /** Where a job of this entry can be: its practice's queue, or every queue when the practice is not given. */
  private queuesFor(e: { practiceId?: string }): Queue[] {
    return e.practiceId !== undefined ? [this.queueOf(e.practiceId)] : this.queues;
  }

  static jobId(id: string, at: Date): string {
    return `${id}_${at.getTime()}`;
  }

  /** A job's delay: until its reminder's time less the lead, on the reminders' time (`now`). */
  static delayOf(at: Date, now: number, leadMs: number): number {
    return Math.max(0, at.getTime() - leadMs - now);
  }

  async schedule(entries: readonly ClockEntry[]): Promise<void> {
    // a job's delay is measured on the reminders' time (the system clock, unless a test moved it)
    const now = this.time.now().getTime();
    for (const [queue, mine] of this.byQueue(entries)) await this.addTo(queue, mine, now);
  }

  /**
   * Adds the jobs of these entries that Redis does not hold, and returns how many that was: the
   * reconciler's way. Adding a job whose id exists changes nothing either, but costs the job's
   * serialisation and a script run each (60,000 rows: a second of a worker's CPU, twice a minute
   * with two workers, measured as fire delays in the steady bench); a key lookup costs little.
   */
  async scheduleMissing(
    entries: readonly ClockEntry[],
    /** of the entries Redis lacks, those still to be armed (the caller looks again: its list may be stale by now) */
    confirm?: (missing: ClockEntry[]) => Promise<ClockEntry[]>,
  ): Promise<number> {
    const now = this.time.now().getTime();
    let added = 0;
    for (const [queue, mine] of this.byQueue(entries)) {
      const client = await ReminderClock.redisOf(queue);
      for (let i = 0; i < mine.length; i += MISSING_CHECK_CHUNK) {
        const chunk = mine.slice(i, i + MISSING_CHECK_CHUNK);
        const pipeline = client.pipeline();
        for (const e of chunk) pipeline.exists(queue.toKey(ReminderClock.jobId(e.id, e.at)));
        const found = (await pipeline.exec()) ?? [];
        // a lookup that failed counts as missing: adding an existing job is harmless
        const lacking = chunk.filter((_, k) => found[k]?.[0] || found[k]?.[1] !== 1);
        const missing = confirm && lacking.length ? await confirm(lacking) : lacking;
        if (missing.length) await this.addTo(queue, missing, now);
        added += missing.length;
      }
    }
    return added;
  }

  /**
   * When the last reconciliation began (epoch ms), as Redis remembers it: null when any queue has
   * no such mark (a flushed or new Redis, an obliterated queue), and then everything must be reconciled.
   */
  async reconciledAt(): Promise<number | null> {
    const marks = await Promise.all(this.queues.map(async (q) => (await ReminderClock.redisOf(q)).hget(q.keys.meta!, RECONCILED_MARK)));
    if (marks.some((m) => m === null || !/^\d+$/.test(m))) return null;
    return Math.min(...marks.map(Number));
  }

  /** Marks a reconciliation that began at `at` (epoch ms) as done, on every queue. */
  async markReconciled(at: number): Promise<void> {
    await Promise.all(this.queues.map(async (q) => (await ReminderClock.redisOf(q)).hset(q.keys.meta!, RECONCILED_MARK, String(at))));
  }

  /** BullMQ's client of a queue is ioredis' (a single Redis or a Cluster: a queue's keys share one slot). */
  private static async redisOf(queue: Queue): Promise<Redis | Cluster> {
    return (await queue.getBackend().client) as unknown as Redis | Cluster;
  }

  private byQueue<E extends { practiceId: string }>(entries: readonly E[]): Map<Queue, E[]> {
    const byQueue = new Map<Queue, E[]>();
    for (const e of entries) {
      const q = this.queueOf(e.practiceId);
      const mine = byQueue.get(q);
      if (mine) mine.push(e);
      else byQueue.set(q, [e]);
    }
    return byQueue;
  }

  private async addTo(queue: Queue, entries: readonly ClockEntry[], now: number): Promise<void> {
    for (let i = 0; i < entries.length; i += 500) {
      await queue.addBulk(
        entries.slice(i, i + 500).map((e) => ({
          name: 'deliver',
          data: {
            reminderId: e.id,
            practiceId: e.practiceId,
            scheduledFor: e.at.getTime(),
            ...(e.correlationId ? { correlationId: e.correlationId } : {}),
          } satisfies ReminderJobData,
          opts: { ...this.jobOptions, jobId: ReminderClock.jobId(e.id, e.at), delay: ReminderClock.delayOf(e.at, now, this.leadMs) },
        })),
      );
    }
  }

  async unschedule(entries: readonly (Omit<ClockEntry, 'practiceId'> & { practiceId?: string })[]): Promise<void> {
    await Promise.all(
      entries.flatMap((e) =>
        this.queuesFor(e).map((q) =>
          q.remove(ReminderClock.jobId(e.id, e.at)).catch(() => 0 /* active or already gone: the processor re-checks the row */),
        ),
      ),
    );
  }

  /**
   * Puts back to work the jobs of these reminders that gave up (failed) while their rows stayed
   * SCHEDULED: a run that threw on its last attempt, or met another run's lease on every one.
   * `schedule` cannot: a failed job is kept under its id, and adding a job whose id exists does
   * nothing. Returns how many it retried.
   */
  async revive(entries: readonly (Omit<ClockEntry, 'practiceId'> & { practiceId?: string })[]): Promise<number> {
    let revived = 0;
    const located = entries.flatMap((e) => this.queuesFor(e).map((queue) => ({ queue, e })));
    for (let i = 0; i < located.length; i += 500) {
      await Promise.all(
        located.slice(i, i + 500).map(async ({ queue, e }) => {
          const job = await queue.getJob(ReminderClock.jobId(e.id, e.at));
          if (!job || !(await job.isFailed())) return;
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }).then(
            () => revived++,
            () => undefined /* retried or removed meanwhile */,
          );
        }),
      );
    }
    return revived;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
    await this.cluster?.quit().catch(() => this.cluster?.disconnect());
  }
}
