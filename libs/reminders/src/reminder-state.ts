import type { Queryable } from '#event-store';
import type { EngagementStatus, HomeworkStatus, Person } from '#engagement';
import type { PolicyEngagement, PolicyHomework } from './reminder-policy.js';

/** What the reminder rules and messages need of one engagement, read from the read models. */
export interface ReminderSubject extends PolicyEngagement {
  id: string;
  practiceId: string;
  title: string;
  coach: Person;
  client: Person;
  homework: (PolicyHomework & { title: string; awaitingDraft: { id: string; submittedAt: Date; revision: number } | null })[];
}

/** The engagement as the reminder rules see it now; null when it does not exist (in this practice). */
export async function loadReminderSubject(q: Queryable, engagementId: string): Promise<ReminderSubject | null> {
  return (await loadReminderSubjects(q, [engagementId])).get(engagementId) ?? null;
}

/**
 * Several engagements in two statements (the processor works in batches).
 * `onlyHomework` narrows the homework to those ids: enough to judge reminders
 * about them, and far less to read for engagements with much homework.
 */
export async function loadReminderSubjects(
  q: Queryable,
  engagementIds: readonly string[],
  onlyHomework?: readonly string[],
): Promise<Map<string, ReminderSubject>> {
  const ids = [...new Set(engagementIds)];
  const out = new Map<string, ReminderSubject>();
  if (ids.length === 0) return out;
  const { rows: engagements } = await q.query<{
    id: string;
    practice_id: string;
    title: string;
    status: EngagementStatus;
    coach_id: string;
    coach_name: string;
    coach_email: string | null;
    client_id: string;
    client_name: string;
    client_email: string | null;
  }>(
    `SELECT id, practice_id, title, status, coach_id, coach_name, coach_email, client_id, client_name, client_email
       FROM engagements WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  for (const e of engagements) {
    out.set(e.id, {
      id: e.id,
      practiceId: e.practice_id,
      title: e.title,
      status: e.status,
      coach: { id: e.coach_id, name: e.coach_name, email: e.coach_email },
      client: { id: e.client_id, name: e.client_name, email: e.client_email },
      homework: [],
    });
  }
  const { rows: homework } = await q.query<{
    id: string;
    engagement_id: string;
    title: string;
    status: HomeworkStatus;
    due_at: Date | null;
    assigned_at: Date;
    draft_id: string | null;
    revision: number | null;
    submitted_at: Date | null;
  }>(
    `SELECT h.id, h.engagement_id, h.title, h.status, h.due_at, h.assigned_at, d.id AS draft_id, d.revision, d.submitted_at
       FROM homework h
       LEFT JOIN drafts d ON d.id = h.latest_draft_id AND h.status = 'SUBMITTED'
      WHERE h.engagement_id = ANY($1::uuid[]) AND ($2::uuid[] IS NULL OR h.id = ANY($2::uuid[]))`,
    [ids, onlyHomework ? [...new Set(onlyHomework)] : null],
  );
  for (const h of homework) {
    out.get(h.engagement_id)?.homework.push({
      id: h.id,
      title: h.title,
      status: h.status,
      dueAt: h.due_at,
      assignedAt: h.assigned_at,
      awaitingDraft: h.draft_id ? { id: h.draft_id, submittedAt: h.submitted_at!, revision: h.revision! } : null,
    });
  }
  return out;
}

/** Sets the transaction's practice (row-level security) before touching that practice's rows. */
export async function enterPractice(q: Queryable, practiceId: string): Promise<void> {
  await q.query("SELECT set_config('app.practice_id', $1, true)", [practiceId]);
}
