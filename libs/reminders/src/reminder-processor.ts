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
import { REMINDER_QUEUE, ReminderClock, type ClockEntry, type ReminderJobData } from './reminder-clock.js';
import { gateBudget } from './reminder-budget.js';
import { changedSinceLeased, dueOf, leaseReminders, releaseLease, type UnleasedRow } from './reminder-leasing.js';
import { LeaseKeeper } from './reminder-lease-keeper.js';
import { recordAttempts, recordHeld, recordSent, storeWebhookBodies, type AttemptOutcome, type RecordEntry, type ReminderRow } from './reminder-recording.js';
import { decideFiring, settleDelivery, type FiringReminder } from './reminder-firing.js';
import { loadReminderSubjects, type ReminderSubject } from './reminder-state.js';
import { ReminderTime } from './reminder-time.js';
import { redisClusterClient, redisConnection, reminderQueuePrefixes } from './redis.js';
import type { Cluster } from 'ioredis';

interface Pending {
  job: Job<ReminderJobData>;
  token: string | undefined;
  resolve(result: string): void;
  reject(err: unknown): void;
}

/** The stored row as the firing rules see it. */
function firingReminder(row: ReminderRow): FiringReminder {
  return {
    id: row.id,
    kind: row.kind,
    homeworkId: row.homework_id,
    draftId: row.draft_id,
    recipientEmail: row.recipient_email,
    webhookDelivered: row.webhook_delivered_at !== null,
    emailDelivered: row.email_delivered_at !== null,
    attempts: row.attempts,
  };
}

/** The recipient's time zone: the engagement's client or coach; the practice's admin contact: UTC. */
function recipientZone(row: ReminderRow, subject: ReminderSubject | null): string {
  if (row.recipient_role === 'CLIENT') return subject?.client.timezone ?? 'UTC';
  if (row.recipient_role === 'COACH') return subject?.coach.timezone ?? 'UTC';
  return 'UTC';
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
/** While batches find more due rows than they can take, this many per practice keep taking them. */
const SWEEPERS = 2;
/** Batches of jobs running at once per practice in a process; jobs arriving meanwhile wait and go together. */
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
 * together, and each batch also takes other due rows nobody holds yet (so a
 * thousand reminders due at one instant do not wait for a thousand jobs). A
 * batch is one statement to lease its rows, one read of their engagements
 * and the settings, the rules asked for each row (decideFiring, a pure
 * function), the daily budget (gateBudget: past it, held for the next
 * morning's digest), one statement to store first webhook bodies, the
 * deliveries in parallel, one statement for the attempts' outcomes, and one
 * commit for ReminderSent (one command per engagement, idempotent by reminder
 * id) with the rows SENT. Each stage is timed (coaching_reminder_stage_seconds).
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
  /** jobs not in a batch yet, per practice */
  private readonly waiting = new Map<string, Pending[]>();
  /** job batches running, per practice (at most JOB_BATCHES; sweeps apart) */
  private readonly jobBatches = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  /**
   * this process's running batches, by lease token, with what each did to its rows: a job meeting
   * one of them waits for it, and then ends with the row's outcome or, when it is not final, asks again
   */
  private readonly running = new Map<string, { done: Promise<void>; outcome: Map<string, string> }>();
  /** sweeping loops running, per practice */
  private readonly sweepers = new Map<string, number>();
  private recordQueue: { practiceId: string; entries: RecordEntry[]; jobs: Job<ReminderJobData>[]; resolve(): void; reject(err: unknown): void }[] = [];
  private recording = false;
  /** rows of batches ready and waiting for their time (at most AHEAD) */
  private ahead = 0;
  /** sends in flight, and the recordings waiting for them to settle */
  private inFlight = 0;
  private whenSent: (() => void)[] = [];
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
      const worker = new Worker(REMINDER_QUEUE, (job: Job<ReminderJobData>, token?: string) => this.process(job, token), {
        connection: this.cluster ?? redisConnection(this.config.get('REDIS_URL'), 'worker'),
        prefix,
        concurrency: Math.max(1, Math.ceil(this.config.get('REMINDER_CONCURRENCY') / prefixes.length)),
        lockDuration: LOCK_MS,
        stalledInterval: STALLED_CHECK_MS,
      });
      worker.on('error', (err) => this.logger.warn(`reminder worker: ${err.message}`));
      worker.on('failed', (job, err) => {
        if (err instanceof DelayedError || err.name === 'DelayedError') return;
        this.logger.warn(
          { reminderId: job?.data.reminderId, correlationId: job?.data.correlationId, attempt: job?.attemptsMade, err: err.message },
          'reminder delivery failed',
        );
      });
      return worker;
    });
  }

  /** Lets active jobs and sweeps finish (graceful SIGTERM): BullMQ's close waits for its jobs. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.close()));
    while (this.running.size) await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.keeper?.close();
    await this.cluster?.quit().catch(() => this.cluster?.disconnect());
    await this.email?.close();
    await this.webhook.close();
  }

  /** One job's share of a batch. */
  process(job: Job<ReminderJobData>, token?: string): Promise<string> {
    return new Promise((resolve, reject) => this.enqueue({ job, token, resolve, reject }));
  }

  private enqueue(item: Pending): void {
    const practiceId = item.job.data.practiceId;
    const waiting = this.waiting.get(practiceId) ?? [];
    waiting.push(item);
    this.waiting.set(practiceId, waiting);
    if (waiting.length >= BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_WINDOW_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const practiceId of [...this.waiting.keys()]) this.startJobBatches(practiceId);
  }

  /**
   * Starts batches of a practice's waiting jobs while fewer than JOB_BATCHES run; the rest wait
   * for one to end and go together. Jobs arrive one by one from BullMQ: without the cap, a burst
   * becomes hundreds of batches of a few jobs, each a lease transaction and a recording (queued for
   * the same connections and stream locks), mostly finding their rows already taken by a sweep.
   */
  private startJobBatches(practiceId: string): void {
    const waiting = this.waiting.get(practiceId) ?? [];
    while (waiting.length && (this.jobBatches.get(practiceId) ?? 0) < JOB_BATCHES) {
      const items = waiting.splice(0, BATCH);
      this.jobBatches.set(practiceId, (this.jobBatches.get(practiceId) ?? 0) + 1);
      void this.runBatch(practiceId, items)
        .then(
          (full) => full && this.sweep(practiceId),
          (err: unknown) => items.forEach((item) => item.reject(err)),
        )
        .finally(() => {
          this.jobBatches.set(practiceId, this.jobBatches.get(practiceId)! - 1);
          this.startJobBatches(practiceId);
        });
    }
    if (!waiting.length) this.waiting.delete(practiceId);
  }

  /** Batches with no job of their own, while there are more due rows than batches take (up to SWEEPERS at once). */
  private sweep(practiceId: string): void {
    const loops = this.sweepers.get(practiceId) ?? 0;
    if (loops >= SWEEPERS || this.closing) return;
    this.sweepers.set(practiceId, loops + 1);
    void (async () => {
      try {
        while (!this.closing && (await this.runBatch(practiceId, [])));
      } catch (err) {
        this.logger.warn(`reminder sweep: ${(err as Error).message}`);
      } finally {
        this.sweepers.set(practiceId, this.sweepers.get(practiceId)! - 1);
      }
    })();
  }

  /**
   * One batch under one lease; true when it took as many rows as a batch can (more may be due).
   * A batch that waits for its rows' time (taken up within the lead) answers as soon as it is
   * ready and waits on its own, so the next batch can get ready meanwhile (at most AHEAD rows of
   * this process waiting); its errors then reach its jobs alone.
   */
  private runBatch(practiceId: string, items: Pending[]): Promise<boolean> {
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
    const run = this.processLeased(practiceId, items, lease, held, outcome, waiting).catch(async (err: unknown) => {
      // let the next attempt take these rows at once instead of waiting out the lease; its outcomes
      // were not all recorded, so no job that met it takes them for final
      outcome.clear();
      await this.db.transaction(practiceId, (tx) => releaseLease(tx, practiceId, lease, [...held])).catch(() => undefined);
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
    lease: string,
    held: Set<string>,
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
    this.metrics.reminderBatchRows.observe({ source: 'jobs' }, read.rows.length - read.swept);
    if (read.swept) this.metrics.reminderBatchRows.observe({ source: 'swept' }, read.swept);
    const jobsOf = groupBy(items, (item) => item.job.data.reminderId);
    await this.settleUnleased(jobsOf, read.rows, read.others);

    // the rules, for each row (a job's attempt counts; a swept row is at its first), as of the time it
    // is sent: its own time when it was taken up ahead of it
    const now = this.time.now();
    const sendsAt = (row: ReminderRow) => new Date(Math.max(now.getTime(), dueOf(row).getTime()));
    const maxAttempts = this.config.get('REMINDER_ATTEMPTS');
    const outcomes: AttemptOutcome[] = [];
    const holds: { id: string; until: Date; reason: string; row: ReminderRow; digestId?: string }[] = [];
    /** rows moved later by the rules: their new jobs */
    const released: ClockEntry[] = [];
    const deliveries: { row: ReminderRow; subject: ReminderSubject; webhook: boolean; email: boolean; lastAttempt: boolean }[] = [];
    const end = (id: string, status: AttemptOutcome['status'], note: string | null): AttemptOutcome => ({
      id, status, note, attempted: false, webhookDelivered: false, emailDelivered: false, release: true,
    });
    for (const row of read.rows) {
      const subject = read.subjects.get(row.engagement_id) ?? null;
      const job = jobsOf.get(row.id)?.[0]?.job;
      const decision = decideFiring({
        reminder: firingReminder(row),
        subject,
        settings: read.settings,
        emailConfigured: this.email !== null,
        attempt: { made: job?.attemptsMade ?? 0, allowed: job?.opts.attempts ?? maxAttempts, maxAttempts },
        recipientZone: recipientZone(row, subject),
        now: sendsAt(row),
      });
      if (decision.action === 'CANCEL') {
        outcomes.push(end(row.id, 'CANCELLED', decision.reason));
        outcome.set(row.id, `cancelled: ${decision.reason}`);
      } else if (decision.action === 'HOLD') {
        holds.push({ id: row.id, until: decision.until, reason: decision.reason, row });
        outcome.set(row.id, `held: until ${decision.until.toISOString()}, ${decision.reason}`);
      } else if (decision.action === 'RELEASE') {
        // moved to the time the rules now want (left due, a sweep would take it again and again), with
        // the job the scheduler would give it (the same id: when the scheduler catches up, still one job)
        outcomes.push({ ...end(row.id, null, null), scheduledFor: decision.until });
        released.push({ id: row.id, practiceId, at: decision.until, correlationId: row.correlation_id });
        outcome.set(row.id, `released: ${decision.reason}, moved to ${decision.until.toISOString()}`);
      } else {
        deliveries.push({ row, subject: subject!, webhook: decision.webhook, email: decision.email, lastAttempt: decision.lastAttempt });
      }
    }

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
      const bodies = fresh.map((d) => ({ id: d.row.id, body: buildWebhookBody(reminderMessage(d.row, d.subject), sendsAt(d.row)) }));
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
      outcomes.push(end(row.row.id, null, null));
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
      Promise.all(deliveries.map(async (d) => (await this.until(dueOf(d.row)), this.sending(() => deliverReminder(to, d.row, d.subject, d))))),
    );

    const toRecord: RecordEntry[] = [];
    deliveries.forEach((d, i) => {
      const r = results[i]!;
      const settled = settleDelivery(firingReminder(d.row), r, d.lastAttempt);
      const attempt = { ...end(d.row.id, null, null), attempted: true, webhookDelivered: r.webhookOk, emailDelivered: r.emailOk };
      if (settled.action === 'RETRY') {
        outcomes.push({ ...attempt, note: settled.error });
        outcome.set(d.row.id, `retry: ${settled.error}`);
      } else if (settled.action === 'FAILED') {
        outcomes.push({ ...attempt, status: 'FAILED', note: settled.error });
        outcome.set(d.row.id, `failed: ${settled.error}`);
      } else {
        // delivered on every channel: straight to the recording (one write); a partial delivery's
        // attempt is committed first (keeping the lease), so a retry re-attempts only what failed
        if (settled.error !== null) outcomes.push({ ...attempt, release: false });
        toRecord.push({ row: d.row, channels: settled.channels, error: settled.error });
        outcome.set(d.row.id, `sent by ${settled.channels.join(' and ')}`);
      }
    });

    await this.timed('record', async () => {
      // the rows HELD and ReminderHeld on each engagement's timeline, in one commit
      if (holds.length) await recordHeld(this.executor, practiceId, holds, lease, now);
      if (outcomes.length) await this.db.transaction(practiceId, (tx) => recordAttempts(tx, practiceId, lease, outcomes));
      if (released.length) await this.clock.schedule(released);
      // ReminderSent on each engagement (one command per engagement) and the rows SENT, in one commit
      if (toRecord.length) await this.enqueueRecord(practiceId, toRecord, items.map((i) => i.job));
    });

    // a hold for a digest ends the job (the digest carries the reminder); a quiet-hours hold sleeps until it ends
    const sleepUntil = new Map(holds.filter((h) => !h.digestId).map((h) => [h.id, h.until]));
    for (const row of read.rows) this.finish(practiceId, row, outcome.get(row.id) ?? 'done', jobsOf.get(row.id) ?? [], sleepUntil.get(row.id));
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
          else current.forEach((item) => this.enqueue(item));
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
    if (status === 'failed') this.logger.warn(line, 'reminder failed');
    else if (status !== 'retry') this.logger.log(line, `reminder ${status}`);
    if (status === 'sent') this.metrics.reminderFireDelay.observe({ kind }, (Date.now() - row.scheduled_for.getTime()) / 1000);
    for (const item of jobs.slice(0, 1)) {
      if (sleepUntil) void this.delay(item, sleepUntil.getTime() - this.time.offset - this.clock.leadMs);
      else if (status === 'retry') item.reject(new Error(result.slice('retry: '.length)));
      else item.resolve(result);
    }
  }

  /**
   * Recording goes one transaction at a time per process, each taking every
   * batch that waits: concurrent recordings would queue on the same
   * engagements' stream locks anyway, and one big one costs the same few
   * round trips as a small one.
   */
  private enqueueRecord(practiceId: string, entries: RecordEntry[], jobs: Job<ReminderJobData>[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.recordQueue.push({ practiceId, entries, jobs, resolve, reject });
      if (!this.recording) void this.drainRecords();
    });
  }

  private async drainRecords(): Promise<void> {
    this.recording = true;
    try {
      while (this.recordQueue.length) {
        // sends first: a burst's recordings wait (a little) for its sends to go out
        await this.sendsSettled(RECORD_YIELD_MS);
        const waiting = this.recordQueue;
        this.recordQueue = [];
        for (const [practiceId, group] of groupBy(waiting, (w) => w.practiceId)) {
          try {
            await recordSent(this.executor, practiceId, group.flatMap((g) => g.entries), group.flatMap((g) => g.jobs), this.time.now());
            for (const g of group) g.resolve();
          } catch (err) {
            for (const g of group) g.reject(err);
          }
        }
      }
    } finally {
      this.recording = false;
    }
  }

  /** One send, counted while it is in flight (recordings give way to sends: `sendsSettled`). */
  private async sending<T>(send: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await send();
    } finally {
      if (--this.inFlight === 0) this.whenSent.splice(0).forEach((settled) => settled());
    }
  }

  /** Resolves when no send of this process is in flight, or after `maxMs`. */
  private sendsSettled(maxMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      this.whenSent.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
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
