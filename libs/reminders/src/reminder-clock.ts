import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import { AppConfigService } from '#platform';
import { redisClusterClient, redisConnection, reminderQueuePrefixes, shardOf } from './redis.js';
import { ReminderTime } from './reminder-time.js';
import { clockJobs, jobIdOf, WAKE_JOB, wakeIdOf, wakeOptions, type ClockEntry, type ClockTimes, type WakeJobData } from './reminder-clock-jobs.js';
import { backstopsAfter, retryDelayMs } from './reminder-batch-plan.js';
import type { Cluster, Redis } from 'ioredis';

export const REMINDER_QUEUE = 'reminders';
/**
 * The field of the queue's meta hash (BullMQ's own, which keeps extra fields) that holds when the last
 * reconciliation began: whatever loses the jobs — a flush, an obliterate from the dashboard — loses it too.
 */
const RECONCILED_MARK = 'coaching:reconciled-at';
/** Job lookups sent to Redis at once by `scheduleMissing`. */
const MISSING_CHECK_CHUNK = 1_000;

/**
 * The clock of reminders. Each SCHEDULED row has a BullMQ delayed job, and each practice a wake-up
 * per slot of time (WAKE_SLOT_MS) in which some of its reminders fall. Job ids are derived from the
 * reminder and its time (a wake-up's from the practice and the slot), so adding the same job twice
 * (scheduler retry, reconciliation, two workers) keeps one job, and a rescheduled reminder gets a new
 * job while the old one is removed (or, if it survives, finds the row moved on and does nothing).
 *
 * The wake-up fires REMINDER_LEAD_MS before its slot ends, and its worker takes up the slot's
 * reminders in batches (the processor's sweeps), each sent at its own time: a thousand reminders due
 * at one instant are one job, not a thousand (a job's round of Redis scripts, its lock and its
 * answer cost as much of a worker as its reminder's share of the batch; bench/REPORT.md). A
 * reminder's own job fires REMINDER_LEASE_SECONDS after its time, as a backstop: the batch that
 * settles a reminder removes it (or, for a retry or a quiet-hours hold, moves it to when the reminder
 * is due again), so it runs only when no wake-up took the reminder (a worker died holding it, a
 * wake-up was lost with Redis), and then sends it late rather than never.
 */
@Injectable()
export class ReminderClock implements OnApplicationShutdown {
  private readonly logger = new Logger(ReminderClock.name);
  /** one queue on a single Redis; on Redis Cluster one per shard (REMINDER_QUEUE_SHARDS), a practice's from its id */
  readonly queues: Queue[];
  private readonly cluster: Cluster | null;
  private readonly jobOptions: JobsOptions;
  /** REMINDER_LEAD_MS: a wake-up fires this long before its slot's end (the processor sends each reminder at its time) */
  readonly leadMs: number;
  private readonly times: ClockTimes;
  private readonly backoffMs: number;

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
    this.times = { leadMs: this.leadMs, backstopMs: config.get('REMINDER_LEASE_SECONDS') * 1000 };
    this.backoffMs = config.get('REMINDER_BACKOFF_MS');
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
    return jobIdOf(id, at);
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
    for (let i = 0; i < entries.length; i += 500) await queue.addBulk(clockJobs(entries.slice(i, i + 500), now, this.times, this.jobOptions));
  }

  /**
   * Asks for help with a wake-up whose batch came back full: one more wake-up of the same slot, at
   * once, which another worker may take (a slot of a burst is otherwise one worker's).
   */
  async help(wake: WakeJobData): Promise<void> {
    const help = (wake.help ?? 0) + 1;
    await this.queueOf(wake.practiceId).add(WAKE_JOB, { ...wake, help }, wakeOptions(`${wakeIdOf(wake.practiceId, wake.scheduledFor)}_${help}`, 0));
  }

  /**
   * The own jobs of the rows a sweep took (backstops, due REMINDER_LEASE_SECONDS after the row's
   * time), after the batch: removed or moved as `backstopsAfter` says from each row's outcome. Redis
   * failing here costs a late job's run, which finds the row settled; the batch's outcome stands.
   */
  async settleBackstops(swept: readonly ClockEntry[], said: ReadonlyMap<string, string>, sleepUntil: ReadonlyMap<string, Date>): Promise<void> {
    const { remove, move } = backstopsAfter(swept, said, sleepUntil, { now: this.time.now(), backoffMs: this.backoffMs, leadMs: this.leadMs });
    await Promise.all([remove.length && this.unschedule(remove), move.length && this.nudge(move)]).catch((err: unknown) =>
      this.logger.warn(`reminder jobs after a sweep: ${(err as Error).message}`),
    );
  }

  /**
   * The own jobs of a failed batch's swept rows, moved to fire after the first back-off (as a retry's
   * would): the batch gave their rows back. Redis failing here leaves them their backstop.
   */
  async retryLater(swept: readonly ClockEntry[]): Promise<void> {
    const fireAt = new Date(this.time.now().getTime() + retryDelayMs(1, this.backoffMs));
    await this.nudge(swept.map((e) => ({ ...e, fireAt }))).catch(() => undefined);
  }

  /**
   * Moves the jobs of these reminders (a batch took them up without them: a wake-up's) to fire at
   * `fireAt` instead of their backstop time: a retry after its back-off, a quiet-hours hold at its end.
   * A job that is not waiting in the delayed set (running, or gone) is left alone.
   */
  async nudge(entries: readonly (ClockEntry & { fireAt: Date })[]): Promise<void> {
    const now = this.time.now().getTime();
    await Promise.all(
      entries.map(async (e) => {
        const job = await this.queueOf(e.practiceId).getJob(ReminderClock.jobId(e.id, e.at));
        await job?.changeDelay(Math.max(0, e.fireAt.getTime() - now)).catch(() => undefined /* running or done meanwhile */);
      }),
    );
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
