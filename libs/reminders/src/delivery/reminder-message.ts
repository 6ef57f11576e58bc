import type { Person, ReminderKind } from '#engagement';
import type { ReminderSubject } from '../reminder-state.js';

/** Everything one delivery of one reminder needs, resolved by the caller before any channel runs. */
export interface ReminderMessage {
  /** uuid; also the delivery id receivers de-duplicate on */
  reminderId: string;
  kind: ReminderKind;
  practiceId: string;
  /** ISO instant the reminder was due to fire */
  scheduledFor: string;
  recipient: { id: string; name: string; email: string | null; role: 'CLIENT' | 'COACH' | 'ADMIN' };
  engagement: { id: string; title: string; coach: Person; client: Person };
  homework: { id: string; title: string; dueAt: string | null } | null;
  draft: { id: string; revision: number; submittedAt: string } | null;
  /** HOMEWORK_ESCALATED: the step, its target, and what the client has and hasn't done */
  escalation?: {
    step: number;
    target: 'CLIENT' | 'COACH' | 'ADMIN';
    clientProgress: { homeworkStatus: string; draftsSubmitted: number; lastActivityAt: string; summary: string };
  } | null;
}

/** The stored reminder, as far as a message needs it. */
export interface ReminderMessageRow {
  id: string;
  kind: ReminderKind;
  practice_id: string;
  scheduled_for: Date;
  recipient_id: string;
  recipient_name: string;
  recipient_email: string | null;
  recipient_role: 'CLIENT' | 'COACH' | 'ADMIN';
  homework_id: string | null;
  draft_id: string | null;
  escalation_step?: number | null;
}

/** What a reminder says, from its row and the engagement as the read models show it now. */
export function reminderMessage(row: ReminderMessageRow, subject: ReminderSubject): ReminderMessage {
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
    escalation:
      row.kind === 'HOMEWORK_ESCALATED' && row.escalation_step
        ? {
            step: row.escalation_step,
            target: row.recipient_role,
            clientProgress: {
              homeworkStatus: homework?.status ?? 'UNKNOWN',
              draftsSubmitted: homework?.draftCount ?? 0,
              lastActivityAt: subject.lastActivityAt.toISOString(),
              summary: clientProgress(subject, homework),
            },
          }
        : null,
  };
}

/** What the client has and hasn't done, in one sentence for a coach or an admin. */
export function clientProgress(subject: ReminderSubject, homework: ReminderSubject['homework'][number] | undefined): string {
  const client = subject.client.name;
  if (!homework) return `${client}'s homework no longer exists.`;
  const drafts =
    homework.draftCount === 0
      ? `${client} has not submitted any draft of “${homework.title}”`
      : `${client} has submitted ${homework.draftCount} draft${homework.draftCount === 1 ? '' : 's'} of “${homework.title}”, none accepted, and has not sent the changes asked for`;
  const due = homework.dueAt ? `, due ${homework.dueAt.toISOString()}` : '';
  return `${drafts}${due}; last activity on the engagement ${subject.lastActivityAt.toISOString()}.`;
}
