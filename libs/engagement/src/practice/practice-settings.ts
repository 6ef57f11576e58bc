import { Injectable } from '@nestjs/common';
import { CommandHandler, Command, type ICommandHandler } from '@nestjs/cqrs';
import { PostgresEventStore, type Queryable } from '#event-store';
import { Database, SecretBox } from '#platform';
import type { EscalationChannel, EscalationTarget } from '../domain/types.js';
import type { CommandOrigin } from '../write/command-executor.js';

/** A practice's reminder settings (PRODUCT.md "Reminders"). */
export interface PracticeSettingsModel {
  webhookUrl: string | null;
  webhookSecretSet: boolean;
  emailReminders: boolean;
  dueSoonOffsetsMinutes: number[];
  overdueAfterMinutes: number;
  feedbackWindowMinutes: number;
  /** the ladder after the overdue reminder, in increasing afterMinutes */
  escalation: EscalationStepModel[];
  escalationEmail: string | null;
  /** the recipient's local "HH:MM" window in which reminders are held to its end; null: none */
  quietHours: { start: string; end: string } | null;
  /** reminders one recipient gets per day (their local day) before the rest wait for the next morning's digest; null: no budget */
  maxRemindersPerDay: number | null;
  /** a morning digest to each coach of the drafts waiting for their feedback */
  coachDigest: boolean;
}

export interface EscalationStepModel {
  /** minutes after the homework's HOMEWORK_OVERDUE time */
  afterMinutes: number;
  notify: EscalationTarget;
  /** null: every channel the settings allow */
  channel: EscalationChannel | null;
}

/** The default ladder: the client at due-soon and at overdue (the reminders of old), then these. */
export const DEFAULT_ESCALATION: EscalationStepModel[] = [
  { afterMinutes: 48 * 60, notify: 'COACH', channel: null },
  { afterMinutes: 7 * 24 * 60, notify: 'ADMIN', channel: null },
];

export const DEFAULT_SETTINGS: PracticeSettingsModel = {
  webhookUrl: null,
  webhookSecretSet: false,
  emailReminders: false,
  dueSoonOffsetsMinutes: [24 * 60],
  overdueAfterMinutes: 24 * 60,
  feedbackWindowMinutes: 48 * 60,
  escalation: DEFAULT_ESCALATION,
  escalationEmail: null,
  quietHours: null,
  maxRemindersPerDay: null,
  coachDigest: false,
};

/** What changes: absent = unchanged; null or '' clears the webhook URL or secret. */
export interface SettingsChange {
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  emailReminders?: boolean | null;
  dueSoonOffsetsMinutes?: number[] | null;
  overdueAfterMinutes?: number | null;
  feedbackWindowMinutes?: number | null;
  escalation?: (Omit<EscalationStepModel, 'channel'> & { channel?: EscalationChannel | null })[] | null;
  escalationEmail?: string | null;
  /** null: no quiet hours any more */
  quietHours?: { start: string; end: string } | null;
  /** null: no budget any more */
  maxRemindersPerDay?: number | null;
  coachDigest?: boolean | null;
}

/** The stream of a practice's own events (settings changes), beside its engagements' streams. */
export const practiceStream = (practiceId: string) => `practice:${practiceId}`;

interface SettingsRow extends Record<string, unknown> {
  webhook_url: string | null;
  webhook_secret: string | null;
  email_reminders: boolean;
  due_soon_offsets_minutes: number[];
  overdue_after_minutes: number;
  feedback_window_minutes: number;
  escalation: EscalationStepModel[] | null;
  escalation_email: string | null;
  quiet_hours: { start: string; end: string } | null;
  max_reminders_per_day: number | null;
  coach_digest: boolean;
}

/** Reads settings (the secret only ever decrypted for delivery) and stores changes. */
@Injectable()
export class PracticeSettingsRepository {
  constructor(readonly secrets: SecretBox) {}

  async read(q: Queryable, practiceId: string): Promise<PracticeSettingsModel & { sealedSecret: string | null }> {
    const { rows } = await q.query<SettingsRow>('SELECT * FROM practice_settings WHERE practice_id = $1', [practiceId]);
    const r = rows[0];
    if (!r) return { ...DEFAULT_SETTINGS, sealedSecret: null };
    return {
      webhookUrl: r.webhook_url,
      webhookSecretSet: r.webhook_secret !== null,
      emailReminders: r.email_reminders,
      dueSoonOffsetsMinutes: [...r.due_soon_offsets_minutes].sort((a, b) => b - a),
      overdueAfterMinutes: r.overdue_after_minutes,
      feedbackWindowMinutes: r.feedback_window_minutes,
      escalation: r.escalation ?? DEFAULT_ESCALATION,
      escalationEmail: r.escalation_email,
      quietHours: r.quiet_hours,
      maxRemindersPerDay: r.max_reminders_per_day,
      coachDigest: r.coach_digest,
      sealedSecret: r.webhook_secret,
    };
  }

  /** The webhook secret in clear, for signing a delivery. */
  webhookSecret(sealed: string | null): string | null {
    return sealed === null ? null : this.secrets.decrypt(sealed);
  }
}

export class UpdatePracticeSettingsCommand extends Command<PracticeSettingsModel> {
  constructor(
    readonly origin: CommandOrigin,
    readonly change: SettingsChange,
  ) {
    super();
  }
}

/**
 * Stores the new settings and appends PracticeSettingsUpdated to the
 * practice's stream in the same transaction, so the reminder scheduler (a
 * reader of the log) reschedules. The secret never enters the log: the event
 * only says whether one is set.
 */
@CommandHandler(UpdatePracticeSettingsCommand)
export class UpdatePracticeSettingsHandler implements ICommandHandler<UpdatePracticeSettingsCommand> {
  constructor(
    private readonly db: Database,
    private readonly store: PostgresEventStore,
    private readonly settings: PracticeSettingsRepository,
  ) {}

  execute({ origin, change }: UpdatePracticeSettingsCommand): Promise<PracticeSettingsModel> {
    const practiceId = origin.practiceId;
    return this.db.transaction(practiceId, async (tx) => {
      // serialise concurrent updates of one practice's settings
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [practiceStream(practiceId)]);
      const current = await this.settings.read(tx, practiceId);
      const sealedSecret =
        change.webhookSecret === undefined
          ? current.sealedSecret
          : change.webhookSecret === null || change.webhookSecret === ''
            ? null
            : this.settings.secrets.encrypt(change.webhookSecret);
      const next: PracticeSettingsModel = {
        webhookUrl: change.webhookUrl === undefined ? current.webhookUrl : change.webhookUrl || null,
        webhookSecretSet: sealedSecret !== null,
        emailReminders: change.emailReminders ?? current.emailReminders,
        dueSoonOffsetsMinutes: [...(change.dueSoonOffsetsMinutes ?? current.dueSoonOffsetsMinutes)].sort((a, b) => b - a),
        overdueAfterMinutes: change.overdueAfterMinutes ?? current.overdueAfterMinutes,
        feedbackWindowMinutes: change.feedbackWindowMinutes ?? current.feedbackWindowMinutes,
        escalation: (change.escalation ?? current.escalation).map((s) => ({ afterMinutes: s.afterMinutes, notify: s.notify, channel: s.channel ?? null })),
        escalationEmail: change.escalationEmail === undefined ? current.escalationEmail : change.escalationEmail || null,
        quietHours: change.quietHours === undefined ? current.quietHours : change.quietHours && { start: change.quietHours.start, end: change.quietHours.end },
        maxRemindersPerDay: change.maxRemindersPerDay === undefined ? current.maxRemindersPerDay : change.maxRemindersPerDay,
        coachDigest: change.coachDigest ?? current.coachDigest,
      };
      await tx.query(
        `INSERT INTO practice_settings (practice_id, webhook_url, webhook_secret, email_reminders, due_soon_offsets_minutes,
           overdue_after_minutes, feedback_window_minutes, updated_at, updated_by, escalation, escalation_email, quiet_hours,
           max_reminders_per_day, coach_digest)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9, $10, $11, $12, $13)
         ON CONFLICT (practice_id) DO UPDATE SET
           webhook_url = EXCLUDED.webhook_url, webhook_secret = EXCLUDED.webhook_secret,
           email_reminders = EXCLUDED.email_reminders, due_soon_offsets_minutes = EXCLUDED.due_soon_offsets_minutes,
           overdue_after_minutes = EXCLUDED.overdue_after_minutes, feedback_window_minutes = EXCLUDED.feedback_window_minutes,
           updated_at = now(), updated_by = EXCLUDED.updated_by,
           escalation = EXCLUDED.escalation, escalation_email = EXCLUDED.escalation_email, quiet_hours = EXCLUDED.quiet_hours,
           max_reminders_per_day = EXCLUDED.max_reminders_per_day, coach_digest = EXCLUDED.coach_digest`,
        [
          practiceId,
          next.webhookUrl,
          sealedSecret,
          next.emailReminders,
          next.dueSoonOffsetsMinutes,
          next.overdueAfterMinutes,
          next.feedbackWindowMinutes,
          origin.actor.id,
          JSON.stringify(next.escalation),
          next.escalationEmail,
          next.quietHours && JSON.stringify(next.quietHours),
          next.maxRemindersPerDay,
          next.coachDigest,
        ],
      );
      await this.store.append(
        practiceStream(practiceId),
        [
          {
            type: 'PracticeSettingsUpdated',
            data: next,
            metadata: {
              actorId: origin.actor.id,
              actorRole: origin.actor.role,
              practiceId,
              correlationId: origin.correlationId,
              causationId: origin.causationId,
              occurredAt: origin.now.toISOString(),
            },
          },
        ],
        { expectedVersion: 'any', tx },
      );
      return next;
    });
  }
}
