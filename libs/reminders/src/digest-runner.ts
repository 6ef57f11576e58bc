import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandExecutor, draftsAwaitingFeedback, PracticeSettingsRepository, type DigestKind, type DraftAwaitingFeedback, type Person, type ReminderChannel, type ReminderKind } from '#engagement';
import type { Queryable } from '#event-store';
import { AppConfigService, Database, groupBy } from '#platform';
import { buildDigestWebhookBody, renderDigestEmail, type DigestMessage } from './delivery/digest-message.js';
import { EmailSender } from './delivery/email-sender.js';
import { PeriodicTask } from './periodic-task.js';
import { reminderMessage } from './delivery/reminder-message.js';
import { WebhookSender } from './delivery/webhook-sender.js';
import { coachDigestDue, planHeldDigest, type HeldForDigest } from './digest-policy.js';
import type { ReminderRow } from './reminder-recording.js';
import { loadReminderSubjects } from './reminder-state.js';
import { ReminderTime } from './reminder-time.js';

// The morning digests (issue 13): the I/O around digest-policy.ts. Every
// REMINDER_DIGEST_SWEEP_MS (and when a test moves the reminder time) the worker looks for
// digests that are due: the reminders a daily budget held for this morning (HELD with a
// digest_id), and, where the practice has coachDigest on, each coach's drafts waiting for
// feedback. A digest is a row made once under its name-based id and claimed with a lease
// while it is sent, so two workers never send it twice; its webhook body is stored before
// the first attempt. Recording goes through the command path: DigestSent on the timeline of
// each engagement it carried, the reminders DIGESTED and the digest SENT, in one commit.

interface DigestRow extends Record<string, unknown> {
  practice_id: string;
  id: string;
  kind: DigestKind;
  recipient_id: string;
  recipient_name: string;
  recipient_email: string | null;
  recipient_role: 'CLIENT' | 'COACH' | 'ADMIN';
  webhook_body: string | null;
  items: CoachItem[];
  attempts: number;
}

/** A draft of the coach's digest as stored in its row (JSON: the time as a string). */
type CoachItem = Omit<DraftAwaitingFeedback, 'coachId' | 'coachName' | 'coachEmail' | 'coachTimezone' | 'submittedAt'> & { submittedAt: string };

/** How long a claimed digest is its sender's; a failed attempt waits this long before the next. */
const DIGEST_LEASE_SECONDS = 60;
/** Drafts one coach's digest lists at most (the oldest). */
const MAX_DIGEST_DRAFTS = 200;

@Injectable()
export class DigestRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DigestRunner.name);
  private readonly webhook: WebhookSender;
  private readonly email: EmailSender | null;
  private readonly task = new PeriodicTask('digest sweep', this.logger, () => this.sweepOnce());

  constructor(
    private readonly db: Database,
    private readonly settings: PracticeSettingsRepository,
    private readonly executor: CommandExecutor,
    private readonly config: AppConfigService,
    private readonly time: ReminderTime,
  ) {
    this.webhook = new WebhookSender({ timeoutMs: config.get('WEBHOOK_TIMEOUT_MS'), allowPrivateNetworks: config.get('WEBHOOK_ALLOW_PRIVATE_NETWORKS') });
    const smtp = config.get('SMTP_URL');
    this.email = smtp ? new EmailSender({ smtpUrl: smtp, from: config.get('SMTP_FROM') }) : null;
  }

  onApplicationBootstrap(): void {
    this.task.start(this.config.get('REMINDER_DIGEST_SWEEP_MS'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
    await this.email?.close();
    await this.webhook.close();
  }

  /** Sends every digest due now; returns how many went out. One sweep at a time per process. */
  sweep(): Promise<number> {
    return this.task.runNow();
  }

  private async sweepOnce(): Promise<number> {
    const now = this.time.now();
    const practices = await this.db.transaction(
      null,
      async (tx) => (await tx.query<{ practice_id: string }>('SELECT practice_id FROM reminder_digest_practices($1)', [now])).rows.map((r) => r.practice_id),
      { readOnly: true },
    );
    let sent = 0;
    for (const practiceId of practices) {
      try {
        sent += await this.sweepPractice(practiceId, now);
      } catch (err) {
        this.logger.warn({ practiceId, err: (err as Error).message }, 'digest sweep of a practice failed');
      }
    }
    return sent;
  }

  private async sweepPractice(practiceId: string, now: Date): Promise<number> {
    const { claimed, settings } = await this.db.transaction(practiceId, async (tx) => {
      const settings = await this.settings.read(tx, practiceId);
      // the held reminders' digests due now, one per recipient and day
      await tx.query(
        `INSERT INTO reminder_digests (practice_id, id, kind, recipient_id, recipient_name, recipient_email, recipient_role, day, status)
         SELECT DISTINCT ON (digest_id) practice_id, digest_id, 'HELD_REMINDERS', recipient_id, recipient_name, recipient_email, recipient_role,
                (held_until - interval '1 day')::date, 'SENDING'
           FROM reminders WHERE practice_id = $1 AND status = 'HELD' AND digest_id IS NOT NULL AND held_until <= $2
          ORDER BY digest_id, held_until
         ON CONFLICT (practice_id, id) DO NOTHING`,
        [practiceId, now],
      );
      if (settings.coachDigest) await this.createCoachDigests(tx, practiceId, settings.quietHours, now);
      const { rows } = await tx.query<DigestRow>(
        `UPDATE reminder_digests SET lease_until = now() + make_interval(secs => $2)
          WHERE practice_id = $1 AND status = 'SENDING' AND (lease_until IS NULL OR lease_until < now())
         RETURNING *`,
        [practiceId, DIGEST_LEASE_SECONDS],
      );
      return { claimed: rows, settings };
    });
    let sent = 0;
    for (const digest of claimed) if (await this.send(digest, settings, now)) sent++;
    return sent;
  }

  /** A digest row for each coach whose morning digest of today is due and not made yet. */
  private async createCoachDigests(tx: Queryable, practiceId: string, quietHours: { start: string; end: string } | null, now: Date): Promise<void> {
    const rows = await draftsAwaitingFeedback(tx, practiceId, 10_000);
    for (const [coachId, drafts] of groupBy(rows, (r) => r.coachId)) {
      const coach = drafts[0]!;
      const due = coachDigestDue({
        practiceId,
        coachId,
        coachZone: coach.coachTimezone,
        quietHours,
        coachDigest: true,
        waiting: drafts.map((d) => ({ draftId: d.draftId, engagementId: d.engagementId, submittedAt: d.submittedAt })),
        now,
      });
      if (!due.send) continue;
      const byDraft = new Map(drafts.map((d) => [d.draftId, d]));
      const items: CoachItem[] = due.drafts.slice(0, MAX_DIGEST_DRAFTS).map(({ draftId }) => {
        const d = byDraft.get(draftId)!;
        return {
          engagementId: d.engagementId,
          engagementTitle: d.engagementTitle,
          clientId: d.clientId,
          clientName: d.clientName,
          homeworkId: d.homeworkId,
          homeworkTitle: d.homeworkTitle,
          draftId: d.draftId,
          revision: d.revision,
          submittedAt: d.submittedAt.toISOString(),
        };
      });
      await tx.query(
        `INSERT INTO reminder_digests (practice_id, id, kind, recipient_id, recipient_name, recipient_email, recipient_role, day, status, items)
         VALUES ($1, $2, 'DRAFTS_AWAITING_FEEDBACK', $3, $4, $5, 'COACH', $6, 'SENDING', $7)
         ON CONFLICT (practice_id, id) DO NOTHING`,
        [practiceId, due.digestId, coachId, coach.coachName, coach.coachEmail, due.day, JSON.stringify(items)],
      );
    }
  }

  /** Sends one claimed digest and records the outcome; true when it went out. */
  private async send(digest: DigestRow, settings: Awaited<ReturnType<PracticeSettingsRepository['read']>>, now: Date): Promise<boolean> {
    const practiceId = digest.practice_id;
    const recipient: Person = { id: digest.recipient_id, name: digest.recipient_name, email: digest.recipient_email };
    // what it carries, judged now: held reminders whose cause went drop out (CANCELLED)
    const content = await this.db.transaction(practiceId, async (tx) => {
      if (digest.kind === 'DRAFTS_AWAITING_FEEDBACK') return { held: [] as ReminderRow[], zone: null as string | null, message: null as DigestMessage | null };
      const { rows } = await tx.query<ReminderRow>(
        `SELECT * FROM reminders WHERE practice_id = $1 AND digest_id = $2 AND status = 'HELD' ORDER BY scheduled_for, id`,
        [practiceId, digest.id],
      );
      const subjects = await loadReminderSubjects(tx, [...new Set(rows.map((r) => r.engagement_id))]);
      const held: HeldForDigest[] = rows.map((r) => ({
        id: r.id,
        kind: r.kind as ReminderKind,
        engagementId: r.engagement_id,
        homeworkId: r.homework_id,
        draftId: r.draft_id,
        scheduledFor: r.scheduled_for,
      }));
      const plan = planHeldDigest(held, subjects, settings, now);
      if (plan.cancel.length) {
        await tx.query(
          `UPDATE reminders r SET status = 'CANCELLED', cancel_reason = c.reason, updated_at = now()
             FROM unnest($1::uuid[], $2::text[]) AS c(id, reason) WHERE r.practice_id = $3 AND r.id = c.id AND r.status = 'HELD'`,
          [plan.cancel.map((c) => c.id), plan.cancel.map((c) => c.reason), practiceId],
        );
      }
      const included = new Set(plan.include.map((r) => r.id));
      const kept = rows.filter((r) => included.has(r.id));
      const first = kept[0];
      const subject = first ? subjects.get(first.engagement_id) : undefined;
      const zone = (subject && (first!.recipient_role === 'CLIENT' ? subject.client.timezone : first!.recipient_role === 'COACH' ? subject.coach.timezone : null)) ?? 'UTC';
      const message: DigestMessage = {
        digestId: digest.id,
        kind: digest.kind,
        practiceId,
        recipient: { ...recipient, role: digest.recipient_role },
        zone,
        reminders: kept.map((r) => reminderMessage(r, subjects.get(r.engagement_id)!)),
        drafts: [],
      };
      return { held: kept, zone, message };
    });
    let message = content.message;
    if (digest.kind === 'DRAFTS_AWAITING_FEEDBACK') {
      const items = digest.items;
      message = {
        digestId: digest.id,
        kind: digest.kind,
        practiceId,
        recipient: { ...recipient, role: 'COACH' },
        zone: 'UTC',
        reminders: [],
        drafts: items.map((i) => ({
          engagement: { id: i.engagementId, title: i.engagementTitle },
          client: { id: i.clientId, name: i.clientName },
          homework: { id: i.homeworkId, title: i.homeworkTitle },
          draft: { id: i.draftId, revision: i.revision, submittedAt: i.submittedAt },
        })),
      };
    }
    if (!message || (message.reminders.length === 0 && message.drafts.length === 0)) {
      // everything it would have carried was cancelled: no digest
      await this.db.transaction(practiceId, (tx) => tx.query('DELETE FROM reminder_digests WHERE practice_id = $1 AND id = $2', [practiceId, digest.id]));
      return false;
    }

    // the body is made once, before the first attempt: a retry sends (and signs) the same bytes
    const body =
      digest.webhook_body ??
      (await this.db.transaction(practiceId, async (tx) => {
        const { rows } = await tx.query<{ webhook_body: string }>(
          `UPDATE reminder_digests SET webhook_body = coalesce(webhook_body, $3) WHERE practice_id = $1 AND id = $2 RETURNING webhook_body`,
          [practiceId, digest.id, buildDigestWebhookBody(message!, now)],
        );
        return rows[0]!.webhook_body;
      }));
    const errors: string[] = [];
    const channels: ReminderChannel[] = [];
    const [webhookOk, emailOk] = await Promise.all([
      settings.webhookUrl
        ? this.webhook
            .send({ url: settings.webhookUrl, secret: this.settings.webhookSecret(settings.sealedSecret), deliveryId: digest.id, body })
            .then((a) => (a.ok ? true : (errors.push(`webhook: ${a.error}`), false)))
        : false,
      settings.emailReminders && this.email && recipient.email
        ? this.email.send({ ...renderDigestEmail(message), to: { name: recipient.name, email: recipient.email }, reminderId: digest.id }).then(
            () => true,
            (err: Error) => (errors.push(`email: ${err.message}`), false),
          )
        : false,
    ]);
    if (webhookOk) channels.push('WEBHOOK');
    if (emailOk) channels.push('EMAIL');
    const error = errors.length ? errors.join('; ') : channels.length ? null : 'no delivery channel configured';

    if (channels.length === 0) {
      const attempts = digest.attempts + 1;
      const failed = attempts >= this.config.get('REMINDER_ATTEMPTS') || error === 'no delivery channel configured';
      await this.db.transaction(practiceId, async (tx) => {
        await tx.query(
          `UPDATE reminder_digests SET attempts = $3, last_error = $4, status = CASE WHEN $5 THEN 'FAILED' ELSE status END,
                  lease_until = now() + make_interval(secs => $6)
            WHERE practice_id = $1 AND id = $2`,
          [practiceId, digest.id, attempts, error, failed, DIGEST_LEASE_SECONDS],
        );
        if (failed && content.held.length) {
          await tx.query(
            `UPDATE reminders SET status = 'FAILED', last_error = $3, note = $4, updated_at = now() WHERE practice_id = $1 AND id = ANY($2::uuid[]) AND status = 'HELD'`,
            [practiceId, content.held.map((r) => r.id), error, `digest ${digest.id} failed`],
          );
        }
      });
      this.logger.warn({ practiceId, digestId: digest.id, kind: digest.kind, attempt: attempts, err: error }, failed ? 'digest failed' : 'digest will be retried');
      return false;
    }

    // DigestSent on each engagement it carried, the reminders DIGESTED and the digest SENT, in one commit
    const byEngagement = new Map<string, { reminderIds: string[]; draftIds: string[] }>();
    const entry = (id: string) => byEngagement.get(id) ?? byEngagement.set(id, { reminderIds: [], draftIds: [] }).get(id)!;
    for (const r of content.held) entry(r.engagement_id).reminderIds.push(r.id);
    for (const d of message.drafts) entry(d.engagement.id).draftIds.push(d.draft.id);
    const actor = { id: 'reminders', role: 'SYSTEM' as const };
    await this.executor.executeMany(
      practiceId,
      [...byEngagement].map(([engagementId, carried]) => ({
        streamId: engagementId,
        origin: { actor, practiceId, correlationId: `digest:${digest.id}`, causationId: `digest:${digest.id}`, now },
        command: {
          type: 'RecordDigestSent' as const,
          data: { digestId: digest.id, kind: digest.kind, recipient, channels, ...carried },
          context: { actor, now },
        },
      })),
      async (tx) => {
        await tx.query(
          `UPDATE reminders SET status = 'DIGESTED', sent_at = $3, channel = $4, note = $5, last_error = $6, updated_at = now()
            WHERE practice_id = $1 AND id = ANY($2::uuid[]) AND status = 'HELD'`,
          [practiceId, content.held.map((r) => r.id), now, channels[0], `in digest ${digest.id}`, error],
        );
        await tx.query(
          `UPDATE reminder_digests SET status = 'SENT', sent_at = $3, channels = $4, attempts = attempts + 1, last_error = $5, lease_until = NULL
            WHERE practice_id = $1 AND id = $2`,
          [practiceId, digest.id, now, channels, error],
        );
      },
    );
    this.logger.log(
      { practiceId, digestId: digest.id, kind: digest.kind, recipientId: recipient.id, reminders: content.held.length, drafts: message.drafts.length, channels },
      'digest sent',
    );
    return true;
  }
}
