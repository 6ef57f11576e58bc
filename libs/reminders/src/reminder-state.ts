import type { Queryable } from '#event-store';
import { readEngagementFacts, type Person } from '#engagement';
import type { PolicyEngagement, PolicyHomework } from './reminder-policy.js';

/** What the reminder rules and messages need of one engagement, read from the read models. */
export interface ReminderSubject extends PolicyEngagement {
  id: string;
  practiceId: string;
  title: string;
  coach: Person;
  client: Person;
  lastActivityAt: Date;
  homework: (PolicyHomework & { title: string; awaitingDraft: { id: string; submittedAt: Date; revision: number } | null; draftCount: number })[];
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
export function loadReminderSubjects(
  q: Queryable,
  engagementIds: readonly string[],
  onlyHomework?: readonly string[],
): Promise<Map<string, ReminderSubject>> {
  return readEngagementFacts(q, engagementIds, onlyHomework);
}

/** Sets the transaction's practice (row-level security) before touching that practice's rows. */
export async function enterPractice(q: Queryable, practiceId: string): Promise<void> {
  await q.query("SELECT set_config('app.practice_id', $1, true)", [practiceId]);
}
