import { PeriodicTask } from './periodic-task.js';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfigService, Database } from '#platform';
import { ReminderClock } from './reminder-clock.js';

/**
 * Redis is the clock, not the truth: on start and every REMINDER_RECONCILE_MS
 * each SCHEDULED row gets its job again (a no-op where the job exists), so a
 * flushed or restarted Redis loses no reminder, and rows whose time has
 * passed are delivered at once; a job that gave up on a row still SCHEDULED
 * is retried.
 */
@Injectable()
export class ReminderReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReminderReconciler.name);
  private readonly task = new PeriodicTask('reminder reconciliation', this.logger, () => this.reconcileOnce());

  constructor(
    private readonly db: Database,
    private readonly clock: ReminderClock,
    private readonly config: AppConfigService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.warnUnlessNoEviction();
    this.task.start(this.config.get('REMINDER_RECONCILE_MS'), { now: true });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Re-adds a job for every SCHEDULED reminder; returns how many rows it covered. */
  reconcile(): Promise<number> {
    return this.task.runNow();
  }

  private async reconcileOnce(): Promise<number> {
    const rows = await this.db.transaction(
      null,
      async (tx) =>
        (
          await tx.query<{ id: string; practice_id: string; scheduled_for: Date }>(
            `SELECT id, practice_id, scheduled_for FROM reminders_scheduled()`,
          )
        ).rows,
      { readOnly: true },
    );
    const now = Date.now();
    await this.clock.schedule(rows.map((r) => ({ id: r.id, practiceId: r.practice_id, at: r.scheduled_for })));
    // a row past its time and still SCHEDULED may have a job that gave up: run it again
    await this.clock.revive(rows.filter((r) => r.scheduled_for.getTime() <= now).map((r) => ({ id: r.id, practiceId: r.practice_id, at: r.scheduled_for })));
    return rows.length;
  }

  /** BullMQ needs Redis to keep every key: an evicted job is a lost reminder clock tick. */
  private async warnUnlessNoEviction(): Promise<void> {
    try {
      const client = await this.clock.queue.getBackend().client;
      const info = String(await (client as unknown as { info(section: string): Promise<string> }).info('memory'));
      const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
      if (policy && policy !== 'noeviction') {
        this.logger.warn(
          `Redis maxmemory-policy is "${policy}": set it to "noeviction" (BullMQ's production advice); an evicted job delays its reminder until the next reconciliation`,
        );
      }
    } catch (err) {
      this.logger.warn(`could not read Redis' eviction policy: ${(err as Error).message}`);
    }
  }
}
