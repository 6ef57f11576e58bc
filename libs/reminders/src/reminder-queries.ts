import type { Queryable } from '#event-store';
import type { ReminderChannel, ReminderKind } from '#engagement';

// What other parts may read of reminders (the API's Homework.reminders and
// PracticeDashboard.remindersSent). They call these functions; only this lib
// names the reminders table.

interface ReminderRow extends Record<string, unknown> {
  id: string;
  homework_id: string;
  kind: ReminderKind;
  status: 'SCHEDULED' | 'SENT' | 'CANCELLED' | 'FAILED' | 'HELD' | 'DIGESTED';
  recipient_id: string;
  recipient_name: string;
  recipient_email: string | null;
  scheduled_for: Date;
  sent_at: Date | null;
  channel: ReminderChannel | null;
  attempts: number;
  last_error: string | null;
  cancel_reason: string | null;
  escalation_step: number | null;
  held_until: Date | null;
  note: string | null;
  recipient_role: 'CLIENT' | 'COACH' | 'ADMIN';
}

export interface ReminderModel {
  id: string;
  kind: ReminderKind;
  status: ReminderRow['status'];
  recipient: { id: string; name: string; email: string | null };
  scheduledFor: Date;
  sentAt: Date | null;
  channel: ReminderChannel | null;
  attempts: number;
  lastError: string | null;
  cancelReason: string | null;
  heldUntil: Date | null;
  note: string | null;
  escalationStep: number | null;
  escalationTarget: 'CLIENT' | 'COACH' | 'ADMIN' | null;
}

export function toReminder(r: ReminderRow): ReminderModel {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    recipient: { id: r.recipient_id, name: r.recipient_name, email: r.recipient_email },
    scheduledFor: r.scheduled_for,
    sentAt: r.sent_at,
    channel: r.channel,
    attempts: r.attempts,
    lastError: r.last_error,
    cancelReason: r.cancel_reason,
    heldUntil: r.status === 'HELD' ? r.held_until : null,
    note: r.note,
    escalationStep: r.escalation_step,
    escalationTarget: r.kind === 'HOMEWORK_ESCALATED' ? r.recipient_role : null,
  };
}

/** The reminders of each homework (in the order of `homeworkIds`), oldest first. */
export async function remindersOfHomework(q: Queryable, practiceId: string, homeworkIds: readonly string[]): Promise<ReminderModel[][]> {
  const { rows } = await q.query<ReminderRow>(
    `SELECT id, homework_id, kind, status, recipient_id, recipient_name, recipient_email, scheduled_for, sent_at, channel,
            attempts, last_error, cancel_reason, escalation_step, recipient_role, held_until, note
       FROM reminders WHERE homework_id = ANY($1::uuid[]) AND practice_id = $2 ORDER BY scheduled_for, id`,
    [homeworkIds, practiceId],
  );
  const by = new Map<string, ReminderModel[]>(homeworkIds.map((id) => [id, []]));
  for (const r of rows) by.get(r.homework_id)?.push(toReminder(r));
  return homeworkIds.map((id) => by.get(id) ?? []);
}

/** How many reminders of the practice went out (since `since`, or ever). */
export async function sentReminderCount(q: Queryable, practiceId: string, since: Date | null): Promise<number> {
  const { rows } = await q.query<{ n: string }>(
    `SELECT count(*) AS n FROM reminders WHERE practice_id = $1 AND status = 'SENT' AND ($2::timestamptz IS NULL OR sent_at >= $2)`,
    [practiceId, since],
  );
  return Number(rows[0]!.n);
}

/** Reminders that reached an outcome, per UTC day of the last `days` (newest first): a SENT one counts on the day it was sent, FAILED and CANCELLED on the day they became so. */
export async function reminderOutcomesByDay(
  q: Queryable,
  practiceId: string,
  days: number,
): Promise<{ day: string; sent: number; failed: number; cancelled: number }[]> {
  const { rows } = await q.query<{ day: string; sent: string; failed: string; cancelled: string }>(
    `SELECT to_char(d, 'YYYY-MM-DD') AS day,
            count(*) FILTER (WHERE status = 'SENT') AS sent,
            count(*) FILTER (WHERE status = 'FAILED') AS failed,
            count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled
       FROM (SELECT status, (coalesce(sent_at, updated_at) AT TIME ZONE 'UTC')::date AS d
               FROM reminders
              WHERE practice_id = $1 AND status IN ('SENT', 'FAILED', 'CANCELLED')
                AND coalesce(sent_at, updated_at) >= ((now() AT TIME ZONE 'UTC')::date - ($2::int - 1)) AT TIME ZONE 'UTC') r
      GROUP BY d ORDER BY d DESC`,
    [practiceId, days],
  );
  return rows.map((r) => ({ day: r.day, sent: Number(r.sent), failed: Number(r.failed), cancelled: Number(r.cancelled) }));
}

/** The reminders of a person (GDPR export): sent to them, or about their engagements. */
export async function remindersOfPerson(tx: Queryable, practiceId: string, personId: string, engagementIds: readonly string[]): Promise<Record<string, unknown>[]> {
  const { rows } = await tx.query(
    'SELECT * FROM reminders WHERE practice_id = $1 AND (recipient_id = $2 OR engagement_id = ANY($3::uuid[])) ORDER BY scheduled_for, id',
    [practiceId, personId, engagementIds],
  );
  return rows;
}
