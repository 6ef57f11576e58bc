import type { Person, ReminderKind } from '#engagement';

/** Everything one delivery of one reminder needs, resolved by the caller before any channel runs. */
export interface ReminderMessage {
  /** uuid; also the delivery id receivers de-duplicate on */
  reminderId: string;
  kind: ReminderKind;
  practiceId: string;
  /** ISO instant the reminder was due to fire */
  scheduledFor: string;
  recipient: { id: string; name: string; email: string | null; role: 'CLIENT' | 'COACH' };
  engagement: { id: string; title: string; coach: Person; client: Person };
  homework: { id: string; title: string; dueAt: string | null } | null;
  draft: { id: string; revision: number; submittedAt: string } | null;
}
