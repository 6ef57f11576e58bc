import { Injectable } from '@nestjs/common';
import type { Queryable } from '#event-store';
import { SecretBox } from '#platform';
import type { EscalationChannel, EscalationTarget } from '../domain/types.js';

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
