import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PracticeSettingsRepository } from '#engagement';
import { AppConfigService, Database } from '#platform';
import { reminderMessage, type ReminderMessageRow } from './delivery/reminder-message.js';
import { buildWebhookBody } from './delivery/webhook-payload.js';
import { WebhookSender } from './delivery/webhook-sender.js';
import { loadReminderSubjects } from './reminder-state.js';

export interface ReplayWindow {
  /** inclusive */
  from: Date;
  /** exclusive */
  to: Date;
  /** only this practice's reminders; all practices when absent */
  practiceId?: string;
}

export interface ReplayReport {
  /** SENT reminders in the window */
  found: number;
  delivered: number;
  /** reminders of practices that have no webhook URL now */
  skipped: number;
  failed: { reminderId: string; practiceId: string; error: string }[];
  practices: number;
}

interface SentRow extends ReminderMessageRow, Record<string, unknown> {
  engagement_id: string;
  sent_at: Date;
  webhook_body: string | null;
}

const PARALLEL = 8;

/**
 * Delivers again, to each practice's webhook as configured now, the reminders
 * SENT in a time window: for a receiver that lost them. The same delivery id
 * (X-Delivery-Id = webhook-id = the reminder id) and the very body of the
 * first delivery, as stored then — so the same X-Signature; a receiver that
 * de-duplicates takes each once. (Reminders sent before bodies were stored,
 * or sent by email only, get a body built now, `sentAt` being the recorded
 * time of sending.) Nothing is recorded: no event, no change to the rows.
 */
@Injectable()
export class WebhookReplay implements OnModuleDestroy {
  private readonly webhook: WebhookSender;

  constructor(
    private readonly db: Database,
    private readonly settings: PracticeSettingsRepository,
    config: AppConfigService,
  ) {
    this.webhook = new WebhookSender({
      timeoutMs: config.get('WEBHOOK_TIMEOUT_MS'),
      allowPrivateNetworks: config.get('WEBHOOK_ALLOW_PRIVATE_NETWORKS'),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.webhook.close();
  }

  async replay(window: ReplayWindow): Promise<ReplayReport> {
    const report: ReplayReport = { found: 0, delivered: 0, skipped: 0, failed: [], practices: 0 };
    for (const practiceId of await this.practicesWithSent(window)) {
      report.practices += 1;
      await this.replayPractice(practiceId, window, report);
    }
    return report;
  }

  /** One practice, or every practice with SENT reminders in the window (one narrow look across practices). */
  private async practicesWithSent(window: ReplayWindow): Promise<string[]> {
    if (window.practiceId) return [window.practiceId];
    return this.db.transaction(
      null,
      async (tx) =>
        (
          await tx.query<{ practice_id: string }>(
            'SELECT DISTINCT practice_id FROM reminders_sent_between($1, $2) ORDER BY practice_id',
            [window.from, window.to],
          )
        ).rows.map((r) => r.practice_id),
      { readOnly: true },
    );
  }

  private async replayPractice(practiceId: string, window: ReplayWindow, report: ReplayReport): Promise<void> {
    const { rows, subjects, settings } = await this.db.transaction(
      practiceId,
      async (tx) => {
        const { rows } = await tx.query<SentRow>(
          `SELECT id, kind, practice_id, engagement_id, homework_id, draft_id, scheduled_for, sent_at,
                  recipient_id, recipient_name, recipient_email, recipient_role, webhook_body
             FROM reminders WHERE practice_id = $1 AND status = 'SENT' AND sent_at >= $2 AND sent_at < $3
            ORDER BY sent_at, id`,
          [practiceId, window.from, window.to],
        );
        const subjects = await loadReminderSubjects(tx, rows.map((r) => r.engagement_id));
        return { rows, subjects, settings: await this.settings.read(tx, practiceId) };
      },
      { readOnly: true },
    );
    report.found += rows.length;
    if (!settings.webhookUrl) {
      report.skipped += rows.length;
      return;
    }
    const secret = this.settings.webhookSecret(settings.sealedSecret);
    const queue = [...rows];
    const work = async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        const subject = subjects.get(row.engagement_id);
        if (!row.webhook_body && !subject) {
          report.failed.push({ reminderId: row.id, practiceId, error: 'engagement not found in the read models' });
          continue;
        }
        const attempt = await this.webhook.send({
          url: settings.webhookUrl!,
          secret,
          deliveryId: row.id,
          body: row.webhook_body ?? buildWebhookBody(reminderMessage(row, subject!), row.sent_at),
        });
        if (attempt.ok) report.delivered += 1;
        else report.failed.push({ reminderId: row.id, practiceId, error: attempt.error ?? `HTTP ${attempt.status}` });
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, rows.length) }, work));
  }
}
