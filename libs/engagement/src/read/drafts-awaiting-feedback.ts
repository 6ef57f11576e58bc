import type { Queryable } from '#event-store';

/** A draft of an ACTIVE engagement waiting for its coach's feedback (the coaches' morning digest). */
export interface DraftAwaitingFeedback {
  coachId: string;
  coachName: string;
  coachEmail: string | null;
  coachTimezone: string;
  engagementId: string;
  engagementTitle: string;
  clientId: string;
  clientName: string;
  homeworkId: string;
  homeworkTitle: string;
  draftId: string;
  revision: number;
  submittedAt: Date;
}

/** The practice's drafts waiting for feedback on ACTIVE engagements, by coach, longest wait first (at most `limit`). */
export async function draftsAwaitingFeedback(q: Queryable, practiceId: string, limit: number): Promise<DraftAwaitingFeedback[]> {
  const { rows } = await q.query<{
    coach_id: string;
    coach_name: string;
    coach_email: string | null;
    coach_timezone: string;
    engagement_id: string;
    title: string;
    client_id: string;
    client_name: string;
    homework_id: string;
    homework_title: string;
    draft_id: string;
    revision: number;
    submitted_at: Date;
  }>(
    `SELECT e.coach_id, e.coach_name, e.coach_email, e.coach_timezone, e.id AS engagement_id, e.title, e.client_id, e.client_name,
            h.id AS homework_id, h.title AS homework_title, d.id AS draft_id, d.revision, d.submitted_at
       FROM homework h JOIN engagements e ON e.id = h.engagement_id JOIN drafts d ON d.id = h.latest_draft_id
      WHERE h.practice_id = $1 AND h.status = 'SUBMITTED' AND e.status = 'ACTIVE'
      ORDER BY e.coach_id, d.submitted_at, d.id LIMIT $2`,
    [practiceId, limit],
  );
  return rows.map((r) => ({
    coachId: r.coach_id,
    coachName: r.coach_name,
    coachEmail: r.coach_email,
    coachTimezone: r.coach_timezone,
    engagementId: r.engagement_id,
    engagementTitle: r.title,
    clientId: r.client_id,
    clientName: r.client_name,
    homeworkId: r.homework_id,
    homeworkTitle: r.homework_title,
    draftId: r.draft_id,
    revision: r.revision,
    submittedAt: r.submitted_at,
  }));
}
