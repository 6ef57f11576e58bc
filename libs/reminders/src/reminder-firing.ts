import type { ReminderChannel, ReminderKind } from '#engagement';
import { quietUntil, type QuietHours } from './quiet-hours.js';
import { cancelReason, desiredReminders, type PolicyEngagement, type PolicySettings } from './reminder-policy.js';

// What to do with a reminder whose job fired: a pure function of the stored
// reminder, the engagement as the read models show it now, the practice's
// settings, the attempt and the time (passed in; no clock, no I/O). The
// processor reads its inputs, asks these two functions, and does what they say.
//
// * decideFiring: send it (on which channels, to whom, and whether this is the
//   last attempt), cancel it (and why, in words an admin understands), move it
//   to the later time the rules now want (RELEASE, with that time), or
//   hold it (HELD) to the end of the practice's quiet hours in the recipient's
//   time zone.
// * settleDelivery: after the channels ran, record it SENT (on the channels
//   that reached the recipient, this attempt or an earlier one), retry it, or
//   mark it FAILED with the last error.

/** How far ahead of its time a fired reminder still counts as due (jobs may fire a little early). */
export const FIRE_EARLY_TOLERANCE_MS = 1_000;

export interface FiringReminder {
  id: string;
  kind: ReminderKind;
  homeworkId: string | null;
  draftId: string | null;
  recipientEmail: string | null;
  /** earlier attempts' deliveries: a channel is delivered once */
  webhookDelivered: boolean;
  emailDelivered: boolean;
  /** attempts recorded on the row so far */
  attempts: number;
}

export interface FiringSettings extends PolicySettings {
  webhookUrl: string | null;
  emailReminders: boolean;
  quietHours?: QuietHours | null;
}

export interface FiringAttempt {
  /** attempts BullMQ has made of this job before this one */
  made: number;
  /** attempts BullMQ allows this job */
  allowed: number;
  /** REMINDER_ATTEMPTS: the row's own bound (a re-created job does not start over) */
  maxAttempts: number;
}

export interface FiringInput {
  reminder: FiringReminder;
  /** the engagement now; null when it no longer exists (in this practice) */
  subject: PolicyEngagement | null;
  settings: FiringSettings;
  /** whether this process can send email at all (SMTP configured) */
  emailConfigured: boolean;
  attempt: FiringAttempt;
  /** the recipient's IANA time zone (quiet hours are theirs) */
  recipientZone: string;
  now: Date;
}

export type FiringDecision =
  | { action: 'DELIVER'; webhook: boolean; email: boolean; lastAttempt: boolean }
  | { action: 'CANCEL'; reason: string }
  | { action: 'RELEASE'; until: Date; reason: string }
  | { action: 'HOLD'; until: Date; reason: string };

export function decideFiring(input: FiringInput): FiringDecision {
  const { reminder: r, subject, settings, now } = input;
  if (!subject) return { action: 'CANCEL', reason: 'engagement no longer exists' };
  const wanted = desiredReminders(subject, settings, now).find((d) => d.id === r.id);
  if (!wanted) {
    const homework = subject.homework.find((h) => h.id === r.homeworkId);
    return { action: 'CANCEL', reason: cancelReason(subject, homework, r.kind, r.draftId, now) };
  }
  if (wanted.scheduledFor.getTime() > now.getTime() + FIRE_EARLY_TOLERANCE_MS) {
    return { action: 'RELEASE', until: wanted.scheduledFor, reason: 'not due under the current settings' };
  }
  // an escalation step may be limited to one channel; the practice's settings still decide whether it is on
  const webhook = settings.webhookUrl !== null && !r.webhookDelivered && wanted.channel !== 'EMAIL';
  const email = settings.emailReminders && input.emailConfigured && r.recipientEmail !== null && !r.emailDelivered && wanted.channel !== 'WEBHOOK';
  if (!webhook && !email && !r.webhookDelivered && !r.emailDelivered) {
    return { action: 'CANCEL', reason: 'no delivery channel configured' };
  }
  const quiet = quietUntil(now, settings.quietHours ?? null, input.recipientZone);
  if (quiet) {
    const { start, end } = settings.quietHours!;
    return { action: 'HOLD', until: quiet, reason: `quiet hours (${start}–${end} in ${input.recipientZone})` };
  }
  const lastAttempt = input.attempt.made + 1 >= input.attempt.allowed || r.attempts + 1 >= input.attempt.maxAttempts * 3;
  return { action: 'DELIVER', webhook, email, lastAttempt };
}

export interface DeliveryResult {
  webhookOk: boolean;
  emailOk: boolean;
  errors: readonly string[];
}

export type Settlement =
  | { action: 'SENT'; channels: ReminderChannel[]; error: string | null }
  | { action: 'RETRY'; error: string }
  | { action: 'FAILED'; error: string };

export function settleDelivery(
  reminder: Pick<FiringReminder, 'webhookDelivered' | 'emailDelivered'>,
  result: DeliveryResult,
  lastAttempt: boolean,
): Settlement {
  const channels: ReminderChannel[] = [];
  if (reminder.webhookDelivered || result.webhookOk) channels.push('WEBHOOK');
  if (reminder.emailDelivered || result.emailOk) channels.push('EMAIL');
  const error = result.errors.length ? result.errors.join('; ') : null;
  if (error && !lastAttempt) return { action: 'RETRY', error };
  if (channels.length === 0) return { action: 'FAILED', error: error ?? 'nothing delivered' };
  return { action: 'SENT', channels, error };
}
