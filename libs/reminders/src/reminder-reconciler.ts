import { PeriodicTask } from './periodic-task.js';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfigService, Database, groupBy, Metrics } from '#platform';
import { ReminderClock } from './reminder-clock.js';
import type { ClockEntry } from './reminder-clock-jobs.js';
import { dueOf } from './reminder-leasing.js';
import { ReminderTime } from './reminder-time.js';

/** A full pass (every waiting row) at start, whenever Redis has no mark of the last pass, and this often. */
const FULL_PASS_MS = 3_600_000;
/**
 * A pass between full ones looks at the rows changed since the last pass began, less this: a row's
 * updated_at is its transaction's start, so a write that began before that pass and committed after
 * it read must still be seen (statements end within 30 s, idle transactions within 60 s).
 */
const CHANGED_MARGIN_MS = 300_000;

export interface ReconcileResult {
  /** waiting rows the pass looked at */
  covered: number;
  /** of them, jobs Redis did not hold and the pass re-created */
  rearmed: number;
  /** given-up jobs of rows past their time, retried */
  revived: number;
  full: boolean;
}

/**
 * Redis is the clock, not the truth: every REMINDER_RECONCILE_MS each waiting row (SCHEDULED, or
 * HELD for quiet hours) gets its job back if Redis does not hold it, so a flushed or restarted Redis
 * loses no reminder, and rows whose time has passed are delivered at once; a job that gave up on a
 * row still waiting is retried.
 *
 * A pass costs what changed, not what waits: it looks at the rows changed since the last pass began
 * (a mark kept in Redis beside the jobs) and at every row past its time, and asks Redis which of
 * their jobs it lacks before adding any. A full pass (every waiting row) runs at start, hourly, and
 * whenever the mark is missing: a flushed Redis loses its mark with its jobs. Re-armed jobs are
 * counted (coaching_reminder_jobs_rearmed_total) and logged: in a healthy system there are none.
 */
@Injectable()
export class ReminderReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReminderReconciler.name);
  private readonly task = new PeriodicTask('reminder reconciliation', this.logger, () => this.tick());
  /** when this process's last full pass began (epoch ms; none yet: 0) */
  private lastFull = 0;

  constructor(
    private readonly db: Database,
    private readonly clock: ReminderClock,
    private readonly config: AppConfigService,
    private readonly metrics: Metrics,
    private readonly time: ReminderTime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.warnUnlessNoEviction();
    this.task.start(this.config.get('REMINDER_RECONCILE_MS'), { now: true });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /**
   * A pass now (or the pass under way, joined): full (the default, as the CLI asks), every waiting row
   * gets its job if Redis lacks it; else what a tick does, full only when due or when Redis lost its mark.
   */
  reconcile(options: { full?: boolean } = {}): Promise<ReconcileResult> {
    return this.task.runNow(() => (options.full === false ? this.tick() : this.pass(null)));
  }

  private async tick(): Promise<ReconcileResult> {
    const mark = await this.clock.reconciledAt();
    const full = mark === null || Date.now() - this.lastFull >= FULL_PASS_MS;
    return this.pass(full ? null : mark - CHANGED_MARGIN_MS);
  }

  /** One pass over the rows changed since `changedSince` (epoch ms) and those past their time; null: every waiting row. */
  private async pass(changedSince: number | null): Promise<ReconcileResult> {
    const began = Date.now();
    const rows = await this.db.transaction(
      null,
      async (tx) =>
        (
          await tx.query<{ id: string; practice_id: string; scheduled_for: Date }>(
            'SELECT id, practice_id, scheduled_for FROM reminders_to_reconcile($1, $2)',
            [changedSince === null ? '-infinity' : new Date(changedSince), this.time.now()],
          )
        ).rows,
      { readOnly: true },
    );
    const entries = rows.map((r) => ({ id: r.id, practiceId: r.practice_id, at: r.scheduled_for }));
    // a row the pass read waiting may be sent (its job done and gone) or moved by the time Redis is asked:
    // those Redis lacks are looked at again, so a healthy system re-arms none (and pages nobody)
    const rearmed = await this.clock.scheduleMissing(entries, (missing) => stillWaiting(this.db, missing));
    // a row past its time and still waiting may have a job that gave up: run it again
    const revived = await this.clock.revive(entries.filter((e) => e.at.getTime() <= began));
    await this.clock.markReconciled(began);
    const full = changedSince === null;
    if (full) this.lastFull = began;
    if (rearmed > 0) {
      this.metrics.reminderJobsRearmed.inc({ pass: full ? 'full' : 'changed' }, rearmed);
      this.logger.warn(`reminder reconciliation (${full ? 'full' : 'changed rows'}): ${rearmed} of ${rows.length} waiting reminder(s) had no job in Redis; re-created`);
    }
    return { covered: rows.length, rearmed, revived, full };
  }

  /** BullMQ needs Redis to keep every key: an evicted job is a lost reminder clock tick. */
  private async warnUnlessNoEviction(): Promise<void> {
    try {
      const client = await this.clock.queue.getBackend().client;
      const info = String(await (client as unknown as { info(section: string): Promise<string> }).info('memory'));
      const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
      if (policy && policy !== 'noeviction') {
        this.logger.warn(
          `Redis maxmemory-policy is "${policy}": set it to "noeviction" (BullMQ's production advice); an evicted job delays its reminder until the next full reconciliation (at most an hour)`,
        );
      }
    } catch (err) {
      this.logger.warn(`could not read Redis' eviction policy: ${(err as Error).message}`);
    }
  }
}

/**
 * Of these entries, those whose rows still wait at the same time, read again by practice: a reconciliation
 * pass reads the waiting rows, then asks Redis for their jobs, and a row sent in between has no job any
 * more (done and removed) without missing one (the steady reminders bench logged 3 to 25 re-armed rows a pass
 * in runs where nothing was lost).
 */
export async function stillWaiting(db: Database, entries: readonly ClockEntry[]): Promise<ClockEntry[]> {
  const out: ClockEntry[] = [];
  for (const [practiceId, mine] of groupBy(entries, (e) => e.practiceId)) {
    const rows = await db.transaction(
      practiceId,
      async (tx) =>
        (
          await tx.query<{ id: string; status: string; scheduled_for: Date; held_until: Date | null }>(
            `SELECT id, status, scheduled_for, held_until FROM reminders
              WHERE practice_id = $1 AND id = ANY($2::uuid[]) AND (status = 'SCHEDULED' OR (status = 'HELD' AND digest_id IS NULL))`,
            [practiceId, mine.map((e) => e.id)],
          )
        ).rows,
      { readOnly: true },
    );
    const due = new Map(rows.map((r) => [r.id, dueOf(r).getTime()]));
    out.push(...mine.filter((e) => due.get(e.id) === e.at.getTime()));
  }
  return out;
}
