import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import { AppConfigService } from '#platform';
import { redisConnection } from './redis.js';

export const REMINDER_QUEUE = 'reminders';

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
  readonly queue: Queue;
  private readonly jobOptions: JobsOptions;

  constructor(config: AppConfigService) {
    this.queue = new Queue(REMINDER_QUEUE, {
      connection: redisConnection(config.get('REDIS_URL'), 'queue'),
      prefix: config.get('QUEUE_PREFIX'),
    });
    this.queue.on('error', (err) => this.logger.warn(`reminder queue: ${err.message}`));
    this.jobOptions = {
      attempts: config.get('REMINDER_ATTEMPTS'),
      backoff: { type: 'exponential', delay: config.get('REMINDER_BACKOFF_MS') },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    };
  }

  static jobId(id: string, at: Date): string {
    return `${id}_${at.getTime()}`;
  }

  async schedule(entries: readonly ClockEntry[]): Promise<void> {
    const now = Date.now();
    for (let i = 0; i < entries.length; i += 500) {
      await this.queue.addBulk(
        entries.slice(i, i + 500).map((e) => ({
          name: 'deliver',
          data: {
            reminderId: e.id,
            practiceId: e.practiceId,
            scheduledFor: e.at.getTime(),
            ...(e.correlationId ? { correlationId: e.correlationId } : {}),
          } satisfies ReminderJobData,
          opts: { ...this.jobOptions, jobId: ReminderClock.jobId(e.id, e.at), delay: Math.max(0, e.at.getTime() - now) },
        })),
      );
    }
  }

  async unschedule(entries: readonly Omit<ClockEntry, 'practiceId'>[]): Promise<void> {
    await Promise.all(
      entries.map((e) =>
        this.queue.remove(ReminderClock.jobId(e.id, e.at)).catch(() => 0 /* active or already gone: the processor re-checks the row */),
      ),
    );
  }

  /**
   * Puts back to work the jobs of these reminders that gave up (failed) while their rows stayed
   * SCHEDULED: a run that threw on its last attempt, or met another run's lease on every one.
   * `schedule` cannot: a failed job is kept under its id, and adding a job whose id exists does
   * nothing. Returns how many it retried.
   */
  async revive(entries: readonly Omit<ClockEntry, 'practiceId'>[]): Promise<number> {
    let revived = 0;
    for (let i = 0; i < entries.length; i += 500) {
      await Promise.all(
        entries.slice(i, i + 500).map(async (e) => {
          const job = await this.queue.getJob(ReminderClock.jobId(e.id, e.at));
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
    await this.queue.close();
  }
}
