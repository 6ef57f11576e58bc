import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Worker, type Job } from 'bullmq';
import { PracticeSettingsRepository, RecordReminderSentCommand, type ReminderChannel, type ReminderKind } from '#engagement';
import { AppConfigService, Database, type Transaction } from '#platform';
import { EmailSender } from './delivery/email-sender.js';
import { renderReminderEmail } from './delivery/email-templates.js';
import type { ReminderMessage } from './delivery/reminder-message.js';
import { buildWebhookBody } from './delivery/webhook-payload.js';
import { WebhookSender } from './delivery/webhook-sender.js';
import { REMINDER_QUEUE, type ReminderJobData } from './reminder-clock.js';
import { cancelReason, desiredReminders, DUE_SOON_GRACE_MS } from './reminder-policy.js';
import { loadReminderSubject, type ReminderSubject } from './reminder-state.js';
import { redisConnection } from './redis.js';

interface ReminderRow extends Record<string, unknown> {
  id: string;
  practice_id: string;
  engagement_id: string;
  homework_id: string | null;
  draft_id: string | null;
  kind: ReminderKind;
  recipient_id: string;
  recipient_name: string;
  recipient_email: string | null;
  recipient_role: 'CLIENT' | 'COACH';
  scheduled_for: Date;
  webhook_delivered_at: Date | null;
  email_delivered_at: Date | null;
  correlation_id: string | null;
}

/** Thrown when another run of the same reminder holds its lease: BullMQ retries later. */
class LeaseHeld extends Error {}

const LEASE = '2 minutes';

/**
 * Fires reminders. A run leases the row (so a duplicate or stalled run of the
 * same job cannot send it twice), asks the rules again whether the reminder is
 * still wanted, delivers on each configured channel not yet delivered,
 * records ReminderSent on the engagement (idempotent by reminder id) and marks
 * the row SENT. A failed delivery is retried with exponential back-off; after
 * the last attempt the row is FAILED with the error.
 */
@Injectable()
export class ReminderProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReminderProcessor.name);
  private worker: Worker | null = null;
  private readonly webhook: WebhookSender;
  private readonly email: EmailSender | null;
  /** fire delays of this process (ms), for metrics and the benchmark */
  readonly fireDelays: number[] = [];

  constructor(
    private readonly db: Database,
    private readonly settings: PracticeSettingsRepository,
    private readonly commands: CommandBus,
    private readonly config: AppConfigService,
  ) {
    this.webhook = new WebhookSender({
      timeoutMs: config.get('WEBHOOK_TIMEOUT_MS'),
      allowPrivateNetworks: config.get('WEBHOOK_ALLOW_PRIVATE_NETWORKS'),
    });
    const smtp = config.get('SMTP_URL');
    this.email = smtp ? new EmailSender({ smtpUrl: smtp, from: config.get('SMTP_FROM') }) : null;
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker(REMINDER_QUEUE, (job: Job<ReminderJobData>) => this.process(job), {
      connection: redisConnection(this.config.get('REDIS_URL'), 'worker'),
      prefix: this.config.get('QUEUE_PREFIX'),
      concurrency: this.config.get('REMINDER_CONCURRENCY'),
    });
    this.worker.on('error', (err) => this.logger.warn(`reminder worker: ${err.message}`));
    this.worker.on('failed', (job, err) =>
      this.logger.warn({ reminderId: job?.data.reminderId, attempt: job?.attemptsMade, err: err.message }, 'reminder delivery failed'),
    );
  }

  /** Lets active jobs finish (graceful SIGTERM): BullMQ's close waits for them. */
  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.email?.close();
  }

  async process(job: Job<ReminderJobData>): Promise<string> {
    const { reminderId, practiceId } = job.data;
    const row = await this.claim(reminderId, practiceId);
    if (row === 'gone') return 'not scheduled (sent, cancelled, failed or rescheduled)';
    if (row === 'leased') throw new LeaseHeld(`reminder ${reminderId} is being delivered by another run`);
    try {
      return await this.deliver(job, row);
    } catch (err) {
      // let the next attempt take the row at once instead of waiting out the lease
      await this.finish(row, 'UPDATE reminders SET lease_until = NULL WHERE id = $1', [row.id]).catch(() => undefined);
      throw err;
    }
  }

  private async deliver(job: Job<ReminderJobData>, row: ReminderRow): Promise<string> {
    const practiceId = row.practice_id;
    const now = new Date();
    const subject = await this.db.transaction(practiceId, (tx) => loadReminderSubject(tx, row.engagement_id), { readOnly: true });
    const settings = await this.db.transaction(practiceId, (tx) => this.settings.read(tx, practiceId), { readOnly: true });
    const still = subject ? desiredReminders(subject, settings).find((d) => d.id === row.id) : undefined;
    const homework = subject?.homework.find((h) => h.id === row.homework_id);
    const dueSoonTooLate = row.kind === 'HOMEWORK_DUE_SOON' && homework?.dueAt && now.getTime() > homework.dueAt.getTime() + DUE_SOON_GRACE_MS;
    if (!subject || !still || dueSoonTooLate) {
      const reason = subject ? cancelReason(subject, homework, row.kind, row.draft_id, now) : 'engagement no longer exists';
      await this.finish(row, `UPDATE reminders SET status = 'CANCELLED', cancel_reason = $2, lease_until = NULL, updated_at = now() WHERE id = $1`, [row.id, reason]);
      return `cancelled: ${reason}`;
    }
    if (still.scheduledFor.getTime() > now.getTime() + 1_000) {
      // the rules now want it later (a settings change the scheduler has not applied yet):
      // not now; the scheduler moves the row and its job
      await this.finish(row, 'UPDATE reminders SET lease_until = NULL WHERE id = $1', [row.id]);
      return 'not due under the current settings';
    }

    const message = this.message(row, subject);
    const errors: string[] = [];
    const delivered: ReminderChannel[] = [];
    if (row.webhook_delivered_at) delivered.push('WEBHOOK');
    if (row.email_delivered_at) delivered.push('EMAIL');
    const wantWebhook = settings.webhookUrl !== null;
    const wantEmail = settings.emailReminders && this.email !== null && row.recipient_email !== null;
    if (!wantWebhook && !wantEmail) {
      await this.finish(row, `UPDATE reminders SET status = 'CANCELLED', cancel_reason = $2, lease_until = NULL, updated_at = now() WHERE id = $1`, [
        row.id,
        'no delivery channel configured',
      ]);
      return 'cancelled: no delivery channel configured';
    }
    if (wantWebhook && !row.webhook_delivered_at) {
      const body = buildWebhookBody(message, now);
      const secret = this.settings.webhookSecret(settings.sealedSecret);
      const attempt = await this.webhook.send({ url: settings.webhookUrl!, secret, deliveryId: row.id, body });
      if (attempt.ok) {
        delivered.push('WEBHOOK');
        await this.mark(row, 'webhook_delivered_at');
      } else errors.push(`webhook: ${attempt.error}`);
    }
    if (wantEmail && !row.email_delivered_at) {
      try {
        const mail = renderReminderEmail(message, {});
        await this.email!.send({ ...mail, to: { name: row.recipient_name, email: row.recipient_email! }, reminderId: row.id });
        delivered.push('EMAIL');
        await this.mark(row, 'email_delivered_at');
      } catch (err) {
        errors.push(`email: ${(err as Error).message}`);
      }
    }

    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (errors.length > 0 && !lastAttempt) {
      await this.finish(row, 'UPDATE reminders SET last_error = $2, lease_until = NULL, updated_at = now() WHERE id = $1', [row.id, errors.join('; ')]);
      throw new Error(errors.join('; '));
    }
    if (delivered.length === 0) {
      await this.finish(row, `UPDATE reminders SET status = 'FAILED', last_error = $2, lease_until = NULL, updated_at = now() WHERE id = $1`, [
        row.id,
        errors.join('; '),
      ]);
      return `failed: ${errors.join('; ')}`;
    }

    await this.commands.execute(
      new RecordReminderSentCommand(
        {
          actor: { id: 'reminders', role: 'SYSTEM' },
          practiceId,
          correlationId: row.correlation_id ?? `reminder:${row.id}`,
          causationId: `job:${job.id}`,
          now,
        },
        {
          engagementId: row.engagement_id,
          reminderId: row.id,
          kind: row.kind,
          recipient: { id: row.recipient_id, name: row.recipient_name, email: row.recipient_email },
          channels: delivered,
          homeworkId: row.homework_id,
          draftId: row.draft_id,
        },
      ),
    );
    await this.finish(
      row,
      `UPDATE reminders SET status = 'SENT', sent_at = now(), channel = $2, last_error = $3, lease_until = NULL, updated_at = now() WHERE id = $1`,
      [row.id, delivered[0], errors.length ? errors.join('; ') : null],
    );
    this.fireDelays.push(Date.now() - row.scheduled_for.getTime());
    if (this.fireDelays.length > 100_000) this.fireDelays.splice(0, 50_000);
    return `sent by ${delivered.join(' and ')}`;
  }

  /** Takes the row for this run, or says why not. */
  private async claim(id: string, practiceId: string): Promise<ReminderRow | 'gone' | 'leased'> {
    return this.db.transaction(practiceId, async (tx: Transaction) => {
      const { rows } = await tx.query<ReminderRow & { leased: boolean; due: boolean }>(
        `SELECT *, lease_until IS NOT NULL AND lease_until > now() AS leased, scheduled_for <= now() + interval '1 second' AS due
           FROM reminders WHERE id = $1 AND status = 'SCHEDULED' FOR UPDATE`,
        [id],
      );
      const row = rows[0];
      if (!row || !row.due) return 'gone';
      if (row.leased) return 'leased';
      await tx.query(`UPDATE reminders SET lease_until = now() + interval '${LEASE}', attempts = attempts + 1, updated_at = now() WHERE id = $1`, [id]);
      return row;
    });
  }

  private async mark(row: ReminderRow, column: 'webhook_delivered_at' | 'email_delivered_at'): Promise<void> {
    await this.finish(row, `UPDATE reminders SET ${column} = now(), updated_at = now() WHERE id = $1`, [row.id]);
  }

  private finish(row: ReminderRow, sql: string, params: unknown[]): Promise<unknown> {
    return this.db.transaction(row.practice_id, (tx) => tx.query(sql, params));
  }

  private message(row: ReminderRow, subject: ReminderSubject): ReminderMessage {
    const homework = subject.homework.find((h) => h.id === row.homework_id);
    return {
      reminderId: row.id,
      kind: row.kind,
      practiceId: row.practice_id,
      scheduledFor: row.scheduled_for.toISOString(),
      recipient: { id: row.recipient_id, name: row.recipient_name, email: row.recipient_email, role: row.recipient_role },
      engagement: { id: subject.id, title: subject.title, coach: subject.coach, client: subject.client },
      homework: homework ? { id: homework.id, title: homework.title, dueAt: homework.dueAt?.toISOString() ?? null } : null,
      draft:
        row.draft_id && homework?.awaitingDraft
          ? { id: homework.awaitingDraft.id, revision: homework.awaitingDraft.revision, submittedAt: homework.awaitingDraft.submittedAt.toISOString() }
          : null,
    };
  }
}
