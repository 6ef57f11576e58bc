import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, Worker, type Job } from 'bullmq';
import { CommandExecutor, PracticeSettingsRepository } from '#engagement';
import { AppConfigService, Database, groupBy, Metrics } from '#platform';
import { deliverReminder, type DeliveryChannels } from './delivery/reminder-delivery.js';
import { EmailSender } from './delivery/email-sender.js';
import { reminderMessage } from './delivery/reminder-message.js';
import { buildWebhookBody } from './delivery/webhook-payload.js';
import { WebhookSender } from './delivery/webhook-sender.js';
import { REMINDER_QUEUE, ReminderClock } from './reminder-clock.js';
import { WAKE_JOB, wakeSlotStart, type ClockEntry, type ReminderJobData, type WakeJobData } from './reminder-clock-jobs.js';
import { gateBudget } from './reminder-budget.js';
import {
  changedSinceLeased,
  dueOf,
  earlierMark,
  laterMark,
  NIL_UUID,
  leaseReminders,
  releaseLease,
  type SweepMark,
  type UnleasedRow,
} from './reminder-leasing.js';
import { LeaseKeeper } from './reminder-lease-keeper.js';
import { recordAttempts, recordHeld, recordSent, storeWebhookBodies, type RecordEntry, type ReminderRow } from './reminder-recording.js';
import { deliveredUnrecorded, ending, retryDelayMs, planBatch, recipientZone, sendsAt, settleBatch } from './reminder-batch-plan.js';
import { JobBatches, StoppingError } from './reminder-job-batches.js';
import { RecordQueue } from './reminder-record-queue.js';
import { loadReminderSubjects } from './reminder-state.js';
import { ReminderTime } from './reminder-time.js';
import { redisClusterClient, redisConnection, reminderQueuePrefixes } from './redis.js';
import type { Cluster } from 'ioredis';

interface Pending {
  job: Job<ReminderJobData>;
  token: string | undefined;
  resolve(result: string): void;
  reject(err: unknown): void;
}

/**
 * BullMQ's job lock: renewed every half of it; a job whose worker died is found stalled and run
 * again within about LOCK_MS + STALLED_CHECK_MS (its rows' lease has ended by then too).
 */
const LOCK_MS = 10_000;
const STALLED_CHECK_MS = 5_000;
/** A job that meets another process's lease looks again this soon (or when the lease ends, if sooner). */
const LEASE_RECHECK_MS = 2_000;
/** Jobs are gathered this long (or up to BATCH) and handled together. */
const BATCH_WINDOW_MS = 20;
const BATCH = 500;
/**
 * Sweeping loops per practice in a process: wake-ups start them, and while batches find more due rows
 * than they can take, they keep taking them. A loop waits for its batch's sends and recording when the
 * rows are due already (a burst): 2 left a 100,000 burst waiting on them (65 s against 50 s with 4).
 */
const SWEEPERS = 4;
/** Batches of jobs running at once per practice in a process (reminder-job-batches.ts). */
const JOB_BATCHES = 2;
/** A recording waits at most this long for the process's sends in flight to go out first. */
const RECORD_YIELD_MS = 500;
/** Outcomes (as `finish` words them) after which a row has nothing left for any job to do. */
const FINAL = /^(sent|cancelled|failed)\b/;
/** Rows of this process's batches that are ready and waiting for their time, at most (their batches give up their places). */
const AHEAD = 5_000;

type Stage = 'lease' | 'budget' | 'body' | 'wait' | 'deliver' | 'record';

/** Rows taken up ahead of their time are looked at once more this long before it (see `awaitTime`). */
const RECHECK_AHEAD_MS = 100;

/**
 * Fires reminders, in batches of sets: the jobs due together are handled
 * together (JobBatches), and each batch also takes other due rows nobody holds
 * yet (so a thousand reminders due at one instant do not wait for a thousand
 * jobs). A batch is one statement to lease its rows, one read of their
 * engagements and the settings, the rules asked for each row (planBatch, a
 * pure function), the daily budget (gateBudget: past it, held for the next
 * morning's digest), one statement to store first webhook bodies, the
 * deliveries in parallel, their results settled (settleBatch, pure), one
 * statement for the attempts' outcomes, and one commit for ReminderSent (one
 * command per engagement, idempotent by reminder id) with the rows SENT
 * (RecordQueue). Each stage is timed (coaching_reminder_stage_seconds).
 *
 * A reminder's job fires REMINDER_LEAD_MS before its time, and a batch takes rows due within that
 * lead: everything up to the sending (lease, reads, the rules asked as of the reminder's time, the
 * stored body) is done ahead, and the sending waits for the time itself, never earlier. Just before
 * it, one look drops the rows the scheduler cancelled or moved meanwhile. So a thousand reminders due
 * at one instant are sent at that instant, not after their batches' reads and writes; their
 * recordings give way to the sends still in flight (up to RECORD_YIELD_MS).
 *
 * A run leases each row with a token, so a duplicate or stalled run of the
 * same job cannot send it twice: it finds the row leased and waits (for this
 * process's batch, or with its job delayed until the lease ends) or finds it
 * SENT and stops. A reminder no longer wanted is CANCELLED; one held for a
 * digest is the digest's to send, and its job ends. Each channel is delivered
 * once: a retry only re-attempts the channel that failed. After
 * REMINDER_ATTEMPTS failed attempts the row is FAILED with the last error.
 */
@Injectable()
export class ReminderProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReminderProcessor.name);
  private workers: Worker[] = [];
  private cluster: Cluster | null = null;
  private readonly webhook: WebhookSender;
  private readonly email: EmailSender | null;
  private readonly batches: JobBatches<Pending, SweepMark>;
  /**
   * this process's running batches, by lease token, with what each did to its rows: a job meeting
   * one of them waits for it, and then ends with the row's outcome or, when it is not final, asks again
   */
  private readonly running = new Map<string, { done: Promise<void>; outcome: Map<string, string> }>();
  private readonly records: RecordQueue<RecordEntry, Job<ReminderJobData>>;
  /** per practice, where this process's next sweep starts: the last row its sweeps took (SweepMark) */
  private readonly sweptTo = new Map<string, SweepMark>();
  /** rows of batches ready and waiting for their time (at most AHEAD) */
  private ahead = 0;
  private closing = false;
  /** renews every lease this process holds, on a connection of its own */
  private keeper: LeaseKeeper | null = null;

  constructor(
    private readonly db: Database,
    private readonly settings: PracticeSettingsRepository,
    private readonly executor: CommandExecutor,
    private readonly config: AppConfigService,
    private readonly metrics: Metrics,
    private readonly time: ReminderTime,
    private readonly clock: ReminderClock,
  ) {
    this.webhook = new WebhookSender({
      timeoutMs: config.get('WEBHOOK_TIMEOUT_MS'),
      allowPrivateNetworks: config.get('WEBHOOK_ALLOW_PRIVATE_NETWORKS'),
    });
    const smtp = config.get('SMTP_URL');
    this.email = smtp ? new EmailSender({ smtpUrl: smtp, from: config.get('SMTP_FROM') }) : null;
    this.batches = new JobBatches<Pending, SweepMark>({
      batch: BATCH,
      windowMs: BATCH_WINDOW_MS,
      concurrent: JOB_BATCHES,
      sweepers: SWEEPERS,
      practiceOf: (item) => item.job.data.practiceId,
      run: (practiceId, items, from) => this.runBatch(practiceId, items, from),
      earlier: (a, b) => earlierMark(a, b)!,
      failed: (items, err) => items.forEach((item) => item.reject(err)),
      sweepFailed: (err) => this.logger.warn(`reminder sweep: ${(err as Error).message}`),
    });
    this.records = new RecordQueue((practiceId, entries, jobs) => recordSent(this.executor, practiceId, entries, jobs, this.time.now()), RECORD_YIELD_MS);
  }

  onApplicationBootstrap(): void {
    this.keeper = new LeaseKeeper({
      connectionString: this.config.get('DATABASE_URL'),
      seconds: this.config.get('REMINDER_LEASE_SECONDS'),
      onError: (err) => this.logger.warn(`could not renew reminder leases: ${err.message}`),
    });
    // on Redis Cluster one worker per queue shard, sharing REMINDER_CONCURRENCY
    const nodes = this.config.get('REDIS_CLUSTER_NODES');
    this.cluster = nodes ? redisClusterClient(nodes, 'worker') : null;
    const prefixes = reminderQueuePrefixes(this.config.get('QUEUE_PREFIX'), this.cluster !== null, this.config.get('REMINDER_QUEUE_SHARDS'));
    this.workers = prefixes.map((prefix) => {
      const worker = new Worker(
        REMINDER_QUEUE,
        (job: Job<ReminderJobData | WakeJobData>, token?: string) =>
          job.name === WAKE_JOB ? this.wake(job as Job<WakeJobData>, token) : this.process(job as Job<ReminderJobData>, token),
        {
          connection: this.cluster ?? redisConnection(this.config.get('REDIS_URL'), 'worker'),
          prefix,
          concurrency: Math.max(1, Math.ceil(this.config.get('REMINDER_CONCURRENCY') / prefixes.length)),
          lockDuration: LOCK_MS,
          stalledInterval: STALLED_CHECK_MS,
        },
      );
      worker.on('error', (err) => this.logger.warn(`reminder worker: ${err.message}`));
      worker.on('failed', (job, err) => {
        if (err instanceof DelayedError || err.name === 'DelayedError') return;
        if (job?.name === WAKE_JOB) return void this.logger.warn({ wake: job.data, attempt: job.attemptsMade, err: err.message }, 'reminder wake-up failed');
        const data = job?.data as ReminderJobData | undefined;
        this.logger.warn(
          { reminderId: data?.reminderId, correlationId: data?.correlationId, attempt: job?.attemptsMade, err: err.message },
          'reminder delivery failed',
        );
      });
      return worker;
    });
  }

  /** Lets active jobs and sweeps finish (graceful SIGTERM): BullMQ's close waits for its jobs. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.batches.close();
    await Promise.all(this.workers.map((w) => w.close()));
    while (this.running.size) await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.keeper?.close();
    await this.cluster?.quit().catch(() => this.cluster?.disconnect());
    await this.email?.close();
    await this.webhook.close();
  }

  /**
   * A wake-up: the practice's reminders due by the end of its slot, taken up by a sweep from the
   * slot's start (or joining the sweep running). A batch that comes back full asks for help: one
   * more wake-up of the slot, which another worker may take. Stopping, the wake-up goes back to the
   * queue for another worker.
   */
  async wake(job: Job<WakeJobData>, token?: string): Promise<string> {
    const start = wakeSlotStart(job.data.scheduledFor, this.clock.leadMs);
    try {
      const full = await this.batches.wake(job.data.practiceId, { scheduledFor: start, engagementId: NIL_UUID });
      if (full) await this.clock.help(job.data);
      return full ? 'swept a full batch, asked for help' : 'swept';
    } catch (err) {
      if (!(err instanceof StoppingError)) throw err;
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
  }

  /** One job's share of a batch. */
  process(job: Job<ReminderJobData>, token?: string): Promise<string> {
    return new Promise((resolve, reject) => this.batches.add({ job, token, resolve, reject }));
  }

  /**
   * One batch under one lease; true when it took as many rows as a batch can (more may be due).
   * A batch that waits for its rows' time (taken up within the lead) answers as soon as it is
   * ready and waits on its own, so the next batch can get ready meanwhile (at most AHEAD rows of
   * this process waiting); its errors then reach its jobs alone.
   */
  private runBatch(practiceId: string, items: Pending[], from?: SweepMark): Promise<boolean> {
    const lease = randomUUID();
    // the lease lives as long as this run does: the process's lease keeper renews it while the run
    // delivers and records, so a short lease never expires under a slow webhook or a busy pool,
    // and a dead worker's rows are free again soon
    // the rows it may hold: its jobs' and, once leased, those it swept
    const held = new Set(items.map((i) => i.job.data.reminderId));
    this.keeper?.hold(lease, practiceId, held);
    let answered = false;
    let ready: (full: boolean) => void = () => undefined;
    const answer = new Promise<boolean>((resolve) => (ready = resolve));
    const waiting = (rows: number, full: boolean) => {
      if (this.ahead + rows > AHEAD) return () => undefined;
      this.ahead += rows;
      answered = true;
      ready(full);
      return () => (this.ahead -= rows);
    };
    const outcome = new Map<string, string>();
    // the rows it swept (no job of theirs in the batch): if it fails, their own jobs take them after the back-off
    const swept: ClockEntry[] = [];
    const run = this.processLeased(practiceId, items, from, lease, held, swept, outcome, waiting).catch(async (err: unknown) => {
      // let the next attempt take these rows at once instead of waiting out the lease; its outcomes
      // were not all recorded, so no job that met it takes them for final
      outcome.clear();
      await this.db.transaction(practiceId, (tx) => releaseLease(tx, practiceId, lease, [...held])).catch(() => undefined);
      await this.clock.retryLater(swept);
      throw err;
    });
    const done = run
      .finally(() => {
        this.keeper?.release(lease);
        this.running.delete(lease);
      })
      .then(
        () => undefined,
        (err: unknown) => {
          if (!answered) return;
          this.logger.warn(`reminder batch: ${(err as Error).message}`);
          items.forEach((item) => item.reject(err));
        },
      );
    this.running.set(lease, { done, outcome });
    return Promise.race([answer, run.then((full) => (answered ? answer : full))]);
  }

  private async processLeased(
    practiceId: string,
    items: Pending[],
    /** where a wake-up's sweep starts, when earlier than this process's mark */
    from: SweepMark | undefined,
    lease: string,
    held: Set<string>,
    /** filled with the rows the batch swept */
    swept: ClockEntry[],
    /** each row's outcome, as its jobs answer it (the batch's own, and those that met the batch holding the row) */
    outcome: Map<string, string>,
    /** called when the batch is ready and about to wait for its rows' time: it may answer then; returns the end of the wait */
    waiting: (rows: number, full: boolean) => () => void,
  ): Promise<boolean> {
    const ids = [...new Set(items.map((i) => i.job.data.reminderId))];
    const sweep = this.closing ? 0 : BATCH - ids.length;
    const leadMs = this.clock.leadMs;
    const takenAt = this.time.now();
    const read = await this.timed('lease', () =>
      this.db.transaction(practiceId, async (tx) => {
        const leased = await leaseReminders(tx, practiceId, {
          ids,
          token: lease,
          seconds: this.config.get('REMINDER_LEASE_SECONDS'),
          sweep,
          from: earlierMark(from, this.sweptTo.get(practiceId)),
          // rows due within the lead, prepared now and sent at their time
          now: new Date(takenAt.getTime() + leadMs),
          timeNow: takenAt,
        });
        const subjects = await loadReminderSubjects(
          tx,
          leased.rows.map((r) => r.engagement_id),
          leased.rows.flatMap((r) => (r.homework_id ? [r.homework_id] : [])),
        );
        return { ...leased, subjects, settings: await this.settings.read(tx, practiceId) };
      }, { asyncCommit: true }),
    );
    for (const r of read.rows) held.add(r.id);
    const mark = laterMark(this.sweptTo.get(practiceId), read.sweptTo);
    if (mark) this.sweptTo.set(practiceId, mark);
    this.metrics.reminderBatchRows.observe({ source: 'jobs' }, read.rows.length - read.swept);
    if (read.swept) this.metrics.reminderBatchRows.observe({ source: 'swept' }, read.swept);
    const jobsOf = groupBy(items, (item) => item.job.data.reminderId);
    for (const r of read.rows) if (!jobsOf.has(r.id)) swept.push({ id: r.id, practiceId, at: r.scheduled_for });
    await this.settleUnleased(jobsOf, read.rows, read.others);

    // the rules, for each row (a job's attempt counts; a swept row is at its first), as of the time it
    // is sent: its own time when it was taken up ahead of it
    const now = this.time.now();
    const maxAttempts = this.config.get('REMINDER_ATTEMPTS');
    const { ended, holds, released, deliveries, said } = planBatch({
      practiceId,
      rows: read.rows,
      subjects: read.subjects,
      settings: read.settings,
      emailConfigured: this.email !== null,
      maxAttempts,
      attemptOf: (id) => {
        const job = jobsOf.get(id)?.[0]?.job;
        return job && { made: job.attemptsMade, allowed: job.opts.attempts ?? maxAttempts };
      },
      now,
    });
    for (const [id, words] of said) outcome.set(id, words);

    // past the recipient's daily budget: held for the next morning's digest instead (reminder-budget.ts)
    if (deliveries.length) {
      const candidates = deliveries.map((d) => ({ id: d.row.id, recipientId: d.row.recipient_id, recipientZone: recipientZone(d.row, d.subject) }));
      const overBudget = await this.timed('budget', () => gateBudget(this.db, practiceId, candidates, read.settings, now));
      for (const hold of overBudget.values()) {
        const at = deliveries.findIndex((d) => d.row.id === hold.id);
        holds.push({ ...hold, row: deliveries[at]!.row });
        outcome.set(hold.id, `held: for digest ${hold.digestId}, ${hold.reason}`);
        deliveries.splice(at, 1);
      }
    }

    // the webhook body is built at a reminder's first attempt and stored before it is sent, so
    // every retry (and replay) sends the same bytes with the same X-Signature
    const fresh = deliveries.filter((d) => d.webhook && d.row.webhook_body === null);
    if (fresh.length) {
      const bodies = fresh.map((d) => ({ id: d.row.id, body: buildWebhookBody(reminderMessage(d.row, d.subject), sendsAt(d.row, now)) }));
      const stored = await this.timed('body', () => this.db.transaction(practiceId, (tx) => storeWebhookBodies(tx, practiceId, lease, bodies)));
      // a row whose lease this run lost (it cannot, while the heartbeat runs) is not sent on its webhook
      for (const d of fresh) {
        d.row.webhook_body = stored.get(d.row.id) ?? null;
        if (d.row.webhook_body === null) d.webhook = false;
      }
    }

    // as many rows as a batch takes, from jobs or swept: more are likely due (or due within the lead), and sweeps take them
    const full = read.rows.length >= BATCH;
    // rows taken up ahead of their time wait for it (the batch gives up its place meanwhile); those the
    // scheduler changed meanwhile are let go
    const early = deliveries.filter((d) => dueOf(d.row).getTime() > this.time.now().getTime()).map((d) => d.row);
    const waited = early.length ? waiting(read.rows.length, full) : () => undefined;
    const changed = await this.timed('wait', () => this.awaitTime(practiceId, lease, early)).finally(waited);
    for (const [at, row] of [...deliveries.entries()].reverse()) {
      const why = changed.get(row.row.id);
      if (why === undefined) continue;
      deliveries.splice(at, 1);
      ended.push(ending(row.row.id));
      outcome.set(row.row.id, `changed: ${why}`);
    }

    // deliver, every channel of every reminder at once, each at its time
    const to: DeliveryChannels = {
      webhook: this.webhook,
      email: this.email,
      webhookUrl: read.settings.webhookUrl,
      webhookSecret: deliveries.some((d) => d.webhook) ? this.settings.webhookSecret(read.settings.sealedSecret) : null,
    };
    const results = await this.timed('deliver', () =>
      Promise.all(deliveries.map(async (d) => (await this.until(dueOf(d.row)), this.records.sending(() => deliverReminder(to, d.row, d.subject, d))))),
    );

    const settled = settleBatch(deliveries, results);
    for (const [id, words] of settled.said) outcome.set(id, words);

    await this.timed('record', async () => {
      // the rows HELD and ReminderHeld on each engagement's timeline, in one commit
      if (holds.length) await recordHeld(this.executor, practiceId, holds, lease, now);
      const attempts = [...ended, ...settled.attempts];
      if (attempts.length) await this.db.transaction(practiceId, (tx) => recordAttempts(tx, practiceId, lease, attempts));
      if (released.length) await this.clock.schedule(released);
      // ReminderSent on each engagement (one command per engagement) and the rows SENT, in one commit
      // (if it fails, the sends are kept on the rows first: the batch then lets them go, and a retry must not send again)
      if (settled.sent.length)
        await this.records.enqueue(practiceId, settled.sent, items.map((i) => i.job)).catch(async (err: unknown) => {
          const delivered = deliveredUnrecorded(settled.sent);
          if (delivered.length) await this.db.transaction(practiceId, (tx) => recordAttempts(tx, practiceId, lease, delivered));
          throw err;
        });
    });

    // a hold for a digest ends the job (the digest carries the reminder); a quiet-hours hold sleeps until it ends
    const sleepUntil = new Map(holds.filter((h) => !h.digestId).map((h) => [h.id, h.until]));
    for (const row of read.rows) this.finish(practiceId, row, outcome.get(row.id) ?? 'done', jobsOf.get(row.id) ?? [], sleepUntil.get(row.id));
    await this.clock.settleBackstops(swept, outcome, sleepUntil);
    return full;
  }

  /**
   * The jobs whose row this batch did not take: done when the row is not waiting any more or is
   * held for a digest (the digest carries it); when a batch of this process holds it, asked again
   * once that batch ends; else put back to sleep until another process's lease ends (it may finish
   * or die) or the row is due. Never ended silently, never an attempt burnt.
   */
  private async settleUnleased(jobsOf: Map<string, Pending[]>, leased: ReminderRow[], others: UnleasedRow[]): Promise<void> {
    const taken = new Set(leased.map((r) => r.id));
    const other = new Map(others.map((r) => [r.id, r]));
    for (const [id, jobs] of jobsOf) {
      const row = other.get(id);
      if (taken.has(id) || !row || (row.status !== 'SCHEDULED' && row.status !== 'HELD')) {
        // the first job of a row this batch took answers for it; its twins, and jobs of rows gone, are done
        for (const item of taken.has(id) ? jobs.slice(1) : jobs) item.resolve('not scheduled any more (sent, cancelled or failed, or handled by a twin job)');
        continue;
      }
      if (row.digest_id) {
        for (const item of jobs) item.resolve(`held for digest ${row.digest_id}`);
        continue;
      }
      // a job for a time the row has left (the scheduler or a release moved it, and gave it the job
      // at its new time) is done: asleep until the row's time, it would only wake beside that job
      const current: Pending[] = [];
      for (const item of jobs) {
        if (row.status !== 'SCHEDULED' || item.job.data.scheduledFor === row.scheduled_for.getTime()) current.push(item);
        else item.resolve(`stale: the row moved to ${row.scheduled_for.toISOString()}, its job there answers for it`);
      }
      if (current.length === 0) continue;
      const ours = row.lease_token ? this.running.get(row.lease_token) : undefined;
      if (ours) {
        // the batch holding the row answers for it: sent, cancelled or failed ends these jobs too
        // (no second lease for each in a burst); anything else (a retry, a hold, a release) asks again
        void ours.done.then(() => {
          const result = ours.outcome.get(id);
          if (result !== undefined && FINAL.test(result)) current.forEach((item) => item.resolve(`handled by another batch of this worker: ${result}`));
          else current.forEach((item) => this.batches.add(item));
        });
        continue;
      }
      const leasedUntil = row.lease_until !== null && row.lease_until.getTime() > Date.now() ? row.lease_until.getTime() : null;
      // leases run in real time; the due time is in the reminders' time (ReminderTime), which a test may set ahead
      const dueReal = dueOf(row).getTime() - this.time.offset;
      // another worker's batch holding a row ahead of its time cannot be done before that time: look
      // again just after it (or when the lease ends, if sooner), not every LEASE_RECHECK_MS meanwhile
      const at = leasedUntil !== null ? Math.min(leasedUntil, Math.max(Date.now(), dueReal) + LEASE_RECHECK_MS) : dueReal - this.clock.leadMs;
      await Promise.all(current.map((item) => this.delay(item, at + 50)));
    }
  }

  /** A row's metrics, its log line and what its jobs answer BullMQ. */
  private finish(practiceId: string, row: ReminderRow, result: string, jobs: Pending[], sleepUntil: Date | undefined): void {
    const kind = row.kind;
    const status = result.split(':')[0]!.split(' ')[0]!;
    this.metrics.reminderOutcomes.inc({ kind, outcome: status });
    // one line per reminder, under the correlation id of the request that caused it
    const line = { reminderId: row.id, correlationId: row.correlation_id, practiceId, engagementId: row.engagement_id, kind, outcome: result };
    if (status === 'failed' || status === 'retry') this.logger.warn(line, `reminder ${status}`);
    else this.logger.log(line, `reminder ${status}`);
    if (status === 'sent') this.metrics.reminderFireDelay.observe({ kind }, (Date.now() - row.scheduled_for.getTime()) / 1000);
    for (const item of jobs.slice(0, 1)) {
      if (sleepUntil) void this.delay(item, sleepUntil.getTime() - this.time.offset - this.clock.leadMs);
      // a retry sleeps its back-off, counted from the row's attempts (a sweep's first attempt counts too);
      // BullMQ's own attempts are left for runs that fail to finish
      else if (status === 'retry') void this.delay(item, Date.now() + retryDelayMs(row.attempts + 1, this.config.get('REMINDER_BACKOFF_MS')));
      else item.resolve(result);
    }
  }

  /**
   * Waits until just before the earliest of these rows' times (rows taken up within REMINDER_LEAD_MS,
   * still ahead of their time), and looks at them once more: those no longer SCHEDULED or HELD as
   * leased, under this lease, at the time leased (the scheduler cancelled or moved them meanwhile)
   * come back with why. Rows already due when taken are not looked at again, as without a lead.
   */
  private async awaitTime(practiceId: string, lease: string, early: readonly ReminderRow[]): Promise<Map<string, string>> {
    if (!early.length) return new Map();
    await this.until(new Date(Math.min(...early.map((r) => dueOf(r).getTime())) - RECHECK_AHEAD_MS));
    return this.db.transaction(practiceId, (tx) => changedSinceLeased(tx, practiceId, lease, early));
  }

  /** Resolves at `at` on the reminders' time (at once when it has come). */
  private until(at: Date): Promise<void> {
    const ms = at.getTime() - this.time.now().getTime();
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }

  private async timed<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
    const end = this.metrics.reminderStage.startTimer({ stage });
    try {
      return await work();
    } finally {
      end();
    }
  }

  /** Puts the job back to sleep until `at` (BullMQ's way: move it, then throw DelayedError). */
  private async delay(item: Pending, at: number): Promise<void> {
    try {
      await item.job.moveToDelayed(Math.max(at, Date.now() + 50), item.token);
      item.reject(new DelayedError());
    } catch (err) {
      item.reject(err);
    }
  }
}
