import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, Worker, type Job } from 'bullmq';
import { CommandExecutor, PracticeSettingsRepository, type PracticeSettingsModel } from '#engagement';
import { AppConfigService, Database, Metrics } from '#platform';
import { EmailSender } from './delivery/email-sender.js';
import { renderReminderEmail } from './delivery/email-templates.js';
import { reminderMessage } from './delivery/reminder-message.js';
import { buildWebhookBody } from './delivery/webhook-payload.js';
import { WebhookSender } from './delivery/webhook-sender.js';
import { REMINDER_QUEUE, type ReminderJobData } from './reminder-clock.js';
import { gateBudget } from './reminder-budget.js';
import { ReminderTime } from './reminder-time.js';
import { recordHeld, recordSent, type RecordEntry, type ReminderRow } from './reminder-recording.js';
import { decideFiring, settleDelivery, type FiringReminder } from './reminder-firing.js';
import { loadReminderSubjects, type ReminderSubject } from './reminder-state.js';
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
/** A job that meets another run's lease looks again this soon (or when the lease ends, if sooner). */
const LEASE_RECHECK_MS = 2_000;
/** Jobs are gathered this long (or up to BATCH) and handled together. */
const BATCH_WINDOW_MS = 20;
const BATCH = 500;

/**
 * Fires reminders, in batches: jobs due together are handled together, one
 * transaction to lease their rows and read what the rules need, deliveries in
 * parallel, one transaction to record the outcome — ReminderSent through the
 * command path (one command per engagement, idempotent by reminder id) and
 * the rows SENT in the same commit.
 *
 * A run leases each row with a token, so a duplicate or stalled run of the
 * same job cannot send it twice: it finds the row leased and waits (its job is
 * delayed until the lease ends) or finds it SENT and stops. The rules are
 * asked again at firing time; a reminder no longer wanted is CANCELLED. Each
 * channel is delivered once: a retry only re-attempts the channel that
 * failed. After REMINDER_ATTEMPTS failed attempts the row is FAILED with the
 * last error.
 */
@Injectable()
export class ReminderProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReminderProcessor.name);
  private workers: Worker[] = [];
  private cluster: Cluster | null = null;
  private readonly webhook: WebhookSender;
  private readonly email: EmailSender | null;
  private pending: Pending[] = [];
  private recordQueue: { practiceId: string; entries: RecordEntry[]; items: Pending[]; resolve(): void; reject(err: unknown): void }[] = [];
  private recording = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    private readonly settings: PracticeSettingsRepository,
    private readonly executor: CommandExecutor,
    private readonly config: AppConfigService,
    private readonly metrics: Metrics,
    private readonly time: ReminderTime,
  ) {
    this.webhook = new WebhookSender({
      timeoutMs: config.get('WEBHOOK_TIMEOUT_MS'),
      allowPrivateNetworks: config.get('WEBHOOK_ALLOW_PRIVATE_NETWORKS'),
    });
    const smtp = config.get('SMTP_URL');
    this.email = smtp ? new EmailSender({ smtpUrl: smtp, from: config.get('SMTP_FROM') }) : null;
  }

  onApplicationBootstrap(): void {
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

  /** Lets active jobs finish (graceful SIGTERM): BullMQ's close waits for them. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await this.cluster?.quit().catch(() => this.cluster?.disconnect());
    await this.email?.close();
    await this.webhook.close();
  }

  /** One job's share of a batch. */
  process(job: Job<ReminderJobData>, token?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending.push({ job, token, resolve, reject });
      if (this.pending.length >= BATCH) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), BATCH_WINDOW_MS);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    const byPractice = new Map<string, Pending[]>();
    for (const p of batch) byPractice.set(p.job.data.practiceId, [...(byPractice.get(p.job.data.practiceId) ?? []), p]);
    for (const [practiceId, items] of byPractice) {
      void this.processBatch(practiceId, items).catch((err: unknown) => {
        for (const item of items) item.reject(err);
      });
    }
  }

  private async processBatch(practiceId: string, items: Pending[]): Promise<void> {
    const lease = randomUUID();
    // the lease lives as long as this run does: renewed while it delivers and records, so a short
    // lease never expires under a slow webhook, and a dead worker's rows are free again soon
    const leaseSeconds = this.config.get('REMINDER_LEASE_SECONDS');
    const heartbeat = setInterval(() => {
      void this.db
        .transaction(practiceId, (tx) =>
          tx.query(`UPDATE reminders SET lease_until = now() + make_interval(secs => $2) WHERE lease_token = $1`, [lease, leaseSeconds]),
        )
        .catch((err: Error) => this.logger.warn(`could not renew a reminder lease: ${err.message}`));
    }, (leaseSeconds * 1000) / 3);
    heartbeat.unref();
    try {
      await this.processLeased(practiceId, items, lease);
    } catch (err) {
      // let the next attempt take these rows at once instead of waiting out the lease
      await this.db
        .transaction(practiceId, (tx) => tx.query('UPDATE reminders SET lease_until = NULL, lease_token = NULL WHERE lease_token = $1', [lease]))
        .catch(() => undefined);
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async processLeased(practiceId: string, items: Pending[], lease: string): Promise<void> {
    const ids = [...new Set(items.map((i) => i.job.data.reminderId))];
    const read = await this.db.transaction(practiceId, async (tx) => {
      const { rows: claimed } = await tx.query<ReminderRow>(
        `UPDATE reminders SET lease_until = now() + make_interval(secs => $3), lease_token = $2, updated_at = now()
          WHERE id = ANY($1::uuid[]) AND status IN ('SCHEDULED', 'HELD') AND digest_id IS NULL
            AND (CASE WHEN status = 'HELD' THEN held_until ELSE scheduled_for END) <= $4::timestamptz + interval '1 second'
            AND (lease_until IS NULL OR lease_until < now())
         RETURNING *`,
        [ids, lease, this.config.get('REMINDER_LEASE_SECONDS'), this.time.now()],
      );
      const claimedIds = new Set(claimed.map((r) => r.id));
      const rest = ids.filter((id) => !claimedIds.has(id));
      const { rows: others } = rest.length
        ? await tx.query<{ id: string; status: string; scheduled_for: Date; held_until: Date | null; lease_until: Date | null; digest_id: string | null }>(
            'SELECT id, status, scheduled_for, held_until, lease_until, digest_id FROM reminders WHERE id = ANY($1::uuid[])',
            [rest],
          )
        : { rows: [] };
      const subjects = await loadReminderSubjects(
        tx,
        claimed.map((r) => r.engagement_id),
        claimed.flatMap((r) => (r.homework_id ? [r.homework_id] : [])),
      );
      const settings = await this.settings.read(tx, practiceId);
      return { claimed, others, subjects, settings };
    });

    // jobs whose row this batch did not take
    const byId = new Map(read.claimed.map((r) => [r.id, r]));
    const others = new Map(read.others.map((r) => [r.id, r]));
    const taken = new Set<string>();
    for (const item of items) {
      const id = item.job.data.reminderId;
      const row = byId.get(id);
      if (row && !taken.has(id)) {
        taken.add(id);
        continue;
      }
      const other = others.get(id);
      if (row || !other || (other.status !== 'SCHEDULED' && other.status !== 'HELD')) {
        item.resolve('not scheduled any more (sent, cancelled or failed, or handled by a twin job)');
      } else if (other.digest_id) {
        item.resolve(`held for digest ${other.digest_id}`);
      } else {
        // leased by another run (look again soon: it may finish or die), or not due yet (come back
        // then): never end the job silently, never burn an attempt on it
        const leased = other.lease_until !== null && other.lease_until.getTime() > Date.now();
        const due = other.status === 'HELD' && other.held_until ? other.held_until : other.scheduled_for;
        const at = leased ? Math.min(other.lease_until!.getTime(), Date.now() + LEASE_RECHECK_MS) : due.getTime() - this.time.offset;
        await this.delay(item, at + 50);
      }
    }

    const now = this.time.now();
    const outcome = new Map<string, string>();
    const cancels: { id: string; reason: string }[] = [];
    const releases: string[] = [];
    const holds: { id: string; until: Date; reason: string; digestId?: string }[] = [];
    const deliveries: { row: ReminderRow; subject: ReminderSubject; webhook: boolean; email: boolean; lastAttempt: boolean }[] = [];
    const maxAttempts = this.config.get('REMINDER_ATTEMPTS');
    for (const row of read.claimed) {
      const subject = read.subjects.get(row.engagement_id) ?? null;
      const job = items.find((i) => i.job.data.reminderId === row.id)!.job;
      const decision = decideFiring({
        reminder: firingReminder(row),
        subject,
        settings: read.settings,
        emailConfigured: this.email !== null,
        attempt: { made: job.attemptsMade, allowed: job.opts.attempts ?? 1, maxAttempts },
        recipientZone: recipientZone(row, subject),
        now,
      });
      if (decision.action === 'CANCEL') {
        cancels.push({ id: row.id, reason: decision.reason });
        outcome.set(row.id, `cancelled: ${decision.reason}`);
      } else if (decision.action === 'HOLD') {
        holds.push({ id: row.id, until: decision.until, reason: decision.reason });
        outcome.set(row.id, `held: until ${decision.until.toISOString()}, ${decision.reason}`);
      } else if (decision.action === 'RELEASE') {
        // the scheduler moves the row and its job
        releases.push(row.id);
        outcome.set(row.id, decision.reason);
      } else {
        deliveries.push({ row, subject: subject!, webhook: decision.webhook, email: decision.email, lastAttempt: decision.lastAttempt });
      }
    }

    // past the recipient's daily budget: held for the next morning's digest instead (reminder-budget.ts)
    const overBudget = await gateBudget(
      this.db,
      practiceId,
      deliveries.map((d) => ({ id: d.row.id, recipientId: d.row.recipient_id, recipientZone: recipientZone(d.row, d.subject) })),
      read.settings,
      now,
    );
    for (const hold of overBudget.values()) {
      holds.push(hold);
      outcome.set(hold.id, `held: for digest ${hold.digestId}, ${hold.reason}`);
      deliveries.splice(deliveries.findIndex((d) => d.row.id === hold.id), 1);
    }

    // the webhook body is built at a reminder's first attempt and stored before it is sent, so
    // every retry (and replay) sends the same bytes with the same X-Signature
    const fresh = deliveries.filter((d) => d.webhook && d.row.webhook_body === null);
    if (fresh.length) {
      const stored = await this.db.transaction(practiceId, async (tx) => {
        const { rows } = await tx.query<{ id: string; webhook_body: string }>(
          `UPDATE reminders r SET webhook_body = coalesce(r.webhook_body, b.body)
             FROM unnest($1::uuid[], $2::text[]) AS b(id, body)
            WHERE r.id = b.id AND r.lease_token = $3
           RETURNING r.id, r.webhook_body`,
          [fresh.map((d) => d.row.id), fresh.map((d) => buildWebhookBody(reminderMessage(d.row, d.subject), now)), lease],
        );
        return new Map(rows.map((r) => [r.id, r.webhook_body]));
      });
      // a row whose lease this run lost (it cannot, while the heartbeat runs) is not sent on its webhook
      for (const d of fresh) {
        d.row.webhook_body = stored.get(d.row.id) ?? null;
        if (d.row.webhook_body === null) d.webhook = false;
      }
    }

    // deliver, every channel of every reminder at once
    const results = await Promise.all(deliveries.map((d) => this.deliver(d.row, d.subject, read.settings, d.webhook, d.email)));

    const webhookDone: string[] = [];
    const emailDone: string[] = [];
    const retry: { id: string; error: string }[] = [];
    const failed: { id: string; error: string }[] = [];
    const toRecord: RecordEntry[] = [];
    deliveries.forEach((d, i) => {
      const r = results[i]!;
      if (r.webhookOk) webhookDone.push(d.row.id);
      if (r.emailOk) emailDone.push(d.row.id);
      const settled = settleDelivery(firingReminder(d.row), r, d.lastAttempt);
      if (settled.action === 'RETRY') {
        retry.push({ id: d.row.id, error: settled.error });
        outcome.set(d.row.id, `retry: ${settled.error}`);
      } else if (settled.action === 'FAILED') {
        failed.push({ id: d.row.id, error: settled.error });
        outcome.set(d.row.id, `failed: ${settled.error}`);
      } else {
        toRecord.push({ row: d.row, channels: settled.channels, error: settled.error });
        outcome.set(d.row.id, `sent by ${settled.channels.join(' and ')}`);
      }
    });

    // Reminders delivered on every channel go straight to the recording transaction (one write
    // each); partial deliveries, cancellations and failures are committed first, so a retry
    // re-attempts only the channels that failed.
    const recorded = new Set(toRecord.filter((r) => r.error === null).map((r) => r.row.id));
    const attempted = deliveries.map((d) => d.row.id).filter((id) => !recorded.has(id));
    // the rows HELD and ReminderHeld on each engagement's timeline, in one commit
    if (holds.length) await recordHeld(this.executor, practiceId, holds.map((h) => ({ ...h, row: byId.get(h.id)! })), lease, now);
    if (attempted.length || cancels.length || retry.length || releases.length || failed.length) await this.db.transaction(practiceId, async (tx) => {
      if (attempted.length) {
        await tx.query(
          `UPDATE reminders SET attempts = attempts + 1,
                  webhook_delivered_at = CASE WHEN id = ANY($2::uuid[]) THEN now() ELSE webhook_delivered_at END,
                  email_delivered_at = CASE WHEN id = ANY($3::uuid[]) THEN now() ELSE email_delivered_at END,
                  updated_at = now()
            WHERE id = ANY($1::uuid[]) AND lease_token = $4`,
          [attempted, webhookDone, emailDone, lease],
        );
      }
      if (cancels.length) {
        await tx.query(
          `UPDATE reminders r SET status = 'CANCELLED', cancel_reason = c.reason, lease_until = NULL, lease_token = NULL, updated_at = now()
             FROM unnest($1::uuid[], $2::text[]) AS c(id, reason)
            WHERE r.id = c.id AND r.lease_token = $3 AND r.status IN ('SCHEDULED', 'HELD')`,
          [cancels.map((c) => c.id), cancels.map((c) => c.reason), lease],
        );
      }
      if (retry.length || releases.length) {
        await tx.query(
          `UPDATE reminders r SET last_error = coalesce(e.error, r.last_error), lease_until = NULL, lease_token = NULL, updated_at = now()
             FROM unnest($1::uuid[], $2::text[]) AS e(id, error)
            WHERE r.id = e.id AND r.lease_token = $3`,
          [[...retry.map((r) => r.id), ...releases], [...retry.map((r) => r.error), ...releases.map(() => null)], lease],
        );
      }
      if (failed.length) {
        await tx.query(
          `UPDATE reminders r SET status = 'FAILED', last_error = f.error, lease_until = NULL, lease_token = NULL, updated_at = now()
             FROM unnest($1::uuid[], $2::text[]) AS f(id, error)
            WHERE r.id = f.id AND r.lease_token = $3 AND r.status IN ('SCHEDULED', 'HELD')`,
          [failed.map((f) => f.id), failed.map((f) => f.error), lease],
        );
      }
    });

    // ReminderSent on each engagement (one command per engagement) and the rows SENT, in one commit
    if (toRecord.length) await this.enqueueRecord(practiceId, toRecord, items);

    for (const row of read.claimed) {
      const result = outcome.get(row.id) ?? 'done';
      const kind = row.kind;
      const status = result.split(':')[0]!.split(' ')[0]!;
      this.metrics.reminderOutcomes.inc({ kind, outcome: status });
      // one line per reminder, under the correlation id of the request that caused it
      const line = { reminderId: row.id, correlationId: row.correlation_id, practiceId, engagementId: row.engagement_id, kind, outcome: result };
      if (status === 'failed') this.logger.warn(line, 'reminder failed');
      else if (status !== 'retry') this.logger.log(line, `reminder ${status}`);
      if (status === 'sent') this.metrics.reminderFireDelay.observe({ kind }, (Date.now() - row.scheduled_for.getTime()) / 1000);
      const hold = holds.find((h) => h.id === row.id);
      for (const item of items.filter((i) => i.job.data.reminderId === row.id)) {
        if (hold?.digestId) item.resolve(result);
        else if (hold) void this.delay(item, hold.until.getTime() - this.time.offset);
        else if (status === 'retry') item.reject(new Error(result.slice('retry: '.length)));
        else item.resolve(result);
      }
    }
  }

  /**
   * Recording goes one transaction at a time per process, each taking every
   * batch that waits: concurrent recordings would queue on the same
   * engagements' stream locks anyway, and one big one costs the same few
   * round trips as a small one.
   */
  private enqueueRecord(practiceId: string, entries: RecordEntry[], items: Pending[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.recordQueue.push({ practiceId, entries, items, resolve, reject });
      if (!this.recording) void this.drainRecords();
    });
  }

  private async drainRecords(): Promise<void> {
    this.recording = true;
    try {
      while (this.recordQueue.length) {
        const waiting = this.recordQueue;
        this.recordQueue = [];
        const byPractice = new Map<string, typeof waiting>();
        for (const w of waiting) byPractice.set(w.practiceId, [...(byPractice.get(w.practiceId) ?? []), w]);
        for (const [practiceId, group] of byPractice) {
          try {
            await recordSent(this.executor, practiceId, group.flatMap((g) => g.entries), group.flatMap((g) => g.items.map((i) => i.job)), this.time.now());
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

  private async deliver(
    row: ReminderRow,
    subject: ReminderSubject,
    settings: PracticeSettingsModel & { sealedSecret: string | null },
    webhook: boolean,
    email: boolean,
  ): Promise<{ webhookOk: boolean; emailOk: boolean; errors: string[] }> {
    const message = reminderMessage(row, subject);
    const errors: string[] = [];
    const [webhookOk, emailOk] = await Promise.all([
      webhook
        ? this.webhook
            .send({
              url: settings.webhookUrl!,
              secret: this.settings.webhookSecret(settings.sealedSecret),
              deliveryId: row.id,
              body: row.webhook_body!,
            })
            .then((a) => {
              if (!a.ok) errors.push(`webhook: ${a.error}`);
              return a.ok;
            })
        : false,
      email
        ? this.email!.send({ ...renderReminderEmail(message, {}), to: { name: row.recipient_name, email: row.recipient_email! }, reminderId: row.id }).then(
            () => true,
            (err: Error) => {
              errors.push(`email: ${err.message}`);
              return false;
            },
          )
        : false,
    ]);
    return { webhookOk, emailOk, errors };
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
