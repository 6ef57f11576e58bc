import { createHash } from 'node:crypto';
import type { EngagementStatus, EscalationChannel, EscalationTarget, HomeworkStatus, ReminderKind } from '#engagement';

// Which reminders an engagement should have right now: a pure function of its
// current state and its practice's settings. The scheduler makes the stored
// rows agree with it after every relevant event; the processor asks it again
// when a reminder fires. Rules (PRODUCT.md "Reminders"):
//
// * HOMEWORK_DUE_SOON, to the client, `offset` minutes before the due time,
//   one per offset, while it is the client's turn (ASSIGNED or
//   CHANGES_REQUESTED). An offset whose time had already passed when the
//   homework was assigned gets no reminder: the assignment itself is the news.
//   One that fires late (a paused engagement resumed, a worker down) still goes
//   while the due time is less than DUE_SOON_GRACE behind; later, it is
//   cancelled: "due soon" after the fact would be wrong.
// * HOMEWORK_OVERDUE, to the client, `overdueAfter` minutes after the due time
//   (and at least one second after it, so it always follows a due-soon
//   reminder set for the due time itself), while it is the client's turn. A
//   draft awaiting feedback puts the homework in the coach's hands, so it is
//   not overdue for the client; changes requested after the due time make it
//   overdue again (at once).
// * HOMEWORK_ESCALATED, one per step of the practice's escalation ladder
//   (numbered from 1), to the step's target (client, coach or the practice's
//   admin contact), `afterMinutes` after the overdue reminder's time, while
//   it is the client's turn: like the overdue reminder, a draft cancels it.
// * FEEDBACK_PENDING, to the coach, `feedbackWindow` minutes after the latest
//   draft was submitted, while that draft awaits feedback.
// * Only an ACTIVE engagement has reminders: pausing or closing cancels them;
//   resuming brings back those whose cause is still there.
// * A reminder is sent at most once; a sent (or failed) one is never re-armed.
// * A reminder that does not exist yet is created only if its time is not
//   before the event that calls for it: shortening a due-soon offset after the
//   fact does not send a "due soon" for a moment already gone. (A paused
//   reminder re-armed on resume keeps its time and goes at once.)

export interface PolicySettings {
  dueSoonOffsetsMinutes: readonly number[];
  overdueAfterMinutes: number;
  feedbackWindowMinutes: number;
  /** the ladder after the overdue reminder; absent: none */
  escalation?: readonly { afterMinutes: number; notify: EscalationTarget; channel: EscalationChannel | null }[];
}

export interface PolicyHomework {
  id: string;
  status: HomeworkStatus;
  dueAt: Date | null;
  assignedAt: Date;
  /** the latest draft, when it awaits feedback */
  awaitingDraft: { id: string; submittedAt: Date } | null;
}

export interface PolicyEngagement {
  status: EngagementStatus;
  homework: readonly PolicyHomework[];
}

export interface ReminderSpec {
  id: string;
  kind: ReminderKind;
  homeworkId: string;
  draftId: string | null;
  recipient: EscalationTarget;
  scheduledFor: Date;
  /** HOMEWORK_ESCALATED: its step (from 1) */
  step: number | null;
  /** the channels it may use; null: every channel the settings allow */
  channel: EscalationChannel | null;
}

const MINUTE = 60_000;
const CLIENTS_TURN: readonly HomeworkStatus[] = ['ASSIGNED', 'CHANGES_REQUESTED'];

/** How late a due-soon reminder may still go out, measured from the due time. */
export const DUE_SOON_GRACE_MS = 5 * 60_000;

export function desiredReminders(e: PolicyEngagement, settings: PolicySettings, now: Date): ReminderSpec[] {
  if (e.status !== 'ACTIVE') return [];
  const out: ReminderSpec[] = [];
  for (const h of e.homework) {
    if (h.dueAt && CLIENTS_TURN.includes(h.status)) {
      const due = h.dueAt.getTime();
      const dueSoonStillMeaningful = now.getTime() <= due + DUE_SOON_GRACE_MS;
      for (const offset of dueSoonStillMeaningful ? settings.dueSoonOffsetsMinutes : []) {
        const at = due - offset * MINUTE;
        if (at < h.assignedAt.getTime()) continue;
        out.push({
          id: reminderId('HOMEWORK_DUE_SOON', h.id, offset),
          kind: 'HOMEWORK_DUE_SOON',
          homeworkId: h.id,
          draftId: null,
          recipient: 'CLIENT',
          scheduledFor: new Date(at),
          step: null,
          channel: null,
        });
      }
      const overdueAt = Math.max(due + settings.overdueAfterMinutes * MINUTE, due + 1_000);
      out.push({
        id: reminderId('HOMEWORK_OVERDUE', h.id),
        kind: 'HOMEWORK_OVERDUE',
        homeworkId: h.id,
        draftId: null,
        recipient: 'CLIENT',
        scheduledFor: new Date(overdueAt),
        step: null,
        channel: null,
      });
      (settings.escalation ?? []).forEach((s, i) => {
        out.push({
          id: reminderId('HOMEWORK_ESCALATED', h.id, undefined, i + 1),
          kind: 'HOMEWORK_ESCALATED',
          homeworkId: h.id,
          draftId: null,
          recipient: s.notify,
          scheduledFor: new Date(overdueAt + s.afterMinutes * MINUTE),
          step: i + 1,
          channel: s.channel,
        });
      });
    }
    if (h.status === 'SUBMITTED' && h.awaitingDraft) {
      const at = h.awaitingDraft.submittedAt.getTime() + settings.feedbackWindowMinutes * MINUTE;
      out.push({
        id: reminderId('FEEDBACK_PENDING', h.awaitingDraft.id),
        kind: 'FEEDBACK_PENDING',
        homeworkId: h.id,
        draftId: h.awaitingDraft.id,
        recipient: 'COACH',
        scheduledFor: new Date(at),
        step: null,
        channel: null,
      });
    }
  }
  return out;
}

/**
 * A reminder's id is a name-based UUID (v5 layout) of what it is about, so
 * the same cause always maps to the same row and the same job, in any process.
 */
export function reminderId(kind: ReminderKind, subjectId: string, offsetMinutes?: number, step?: number): string {
  const name =
    step !== undefined ? `${kind}:${subjectId}:step${step}` : offsetMinutes === undefined ? `${kind}:${subjectId}` : `${kind}:${subjectId}:${offsetMinutes}`;
  const h = createHash('sha1').update('coaching-reminders/v1:').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Why a reminder that is no longer wanted was cancelled, in words an admin understands. */
export function cancelReason(e: PolicyEngagement, homework: PolicyHomework | undefined, kind: ReminderKind, draftId: string | null, now: Date): string {
  if (e.status === 'PAUSED') return 'engagement paused';
  if (e.status === 'CLOSED') return 'engagement closed';
  if (!homework) return 'homework no longer exists';
  if (homework.status === 'CANCELLED') return 'homework cancelled';
  // accepting a draft is feedback too
  if (kind === 'FEEDBACK_PENDING') return homework.awaitingDraft?.id === draftId ? 'settings changed' : 'feedback given';
  if (homework.status === 'ACCEPTED') return 'homework accepted';
  if (homework.status === 'SUBMITTED') return 'draft submitted';
  if (kind === 'HOMEWORK_DUE_SOON' && homework.dueAt && now.getTime() > homework.dueAt.getTime() + DUE_SOON_GRACE_MS) {
    return 'due time passed';
  }
  return 'settings changed';
}
