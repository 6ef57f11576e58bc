import { practiceOrScoped, type Queryable } from '#event-store';
import { BadUserInput } from '#platform';
import type { EngagementStatus, HomeworkStatus, Person } from '../domain/types.js';
import type { EngagementRow } from './read-models.js';

// the columns of the engagement row these facts read (the row's type is read-models' EngagementRow)
const FACT_COLUMNS = ['id', 'practice_id', 'title', 'status', 'coach_id', 'coach_name', 'coach_email', 'client_id', 'client_name', 'client_email', 'updated_at'] as const;

// What other libs may read of engagements (the reminders lib: its rules and
// messages). They call these functions; they never name this lib's tables.

export interface EngagementFacts {
  id: string;
  practiceId: string;
  title: string;
  status: EngagementStatus;
  coach: Person;
  client: Person;
  /** the engagement's latest change (any event): its last activity */
  lastActivityAt: Date;
  homework: {
    id: string;
    title: string;
    status: HomeworkStatus;
    dueAt: Date | null;
    assignedAt: Date;
    /** the latest draft, when it awaits feedback */
    awaitingDraft: { id: string; submittedAt: Date; revision: number } | null;
    /** drafts submitted so far */
    draftCount: number;
  }[];
}

/**
 * Several engagements in two statements (the processor works in batches).
 * `onlyHomework` narrows the homework to those ids: enough to judge reminders
 * about them, and far less to read for engagements with much homework.
 * The engagements are of one practice: `practiceId`, else the one the
 * transaction is scoped to (`app.practice_id`, as row-level security reads
 * it). Every statement names it (a Citus cluster sends it to one shard; the
 * homework → draft join is by practice_id too, so it stays on that shard).
 */
export async function readEngagementFacts(
  q: Queryable,
  engagementIds: readonly string[],
  onlyHomework?: readonly string[],
  practiceId?: string,
): Promise<Map<string, EngagementFacts>> {
  if (practiceId !== undefined && (typeof practiceId !== 'string' || practiceId.length === 0)) {
    throw new BadUserInput('practiceId', 'must be a non-empty string');
  }
  const practice = practiceId ?? null;
  const ids = [...new Set(engagementIds)];
  const out = new Map<string, EngagementFacts>();
  if (ids.length === 0) return out;
  const { rows: engagements } = await q.query<
    Pick<EngagementRow, (typeof FACT_COLUMNS)[number]> & { coach_timezone: string; client_timezone: string }
  >(
    `SELECT id, practice_id, title, status, coach_id, coach_name, coach_email, client_id, client_name, client_email, updated_at,
            coach_timezone, client_timezone
       FROM engagements WHERE practice_id = ${practiceOrScoped(2)} AND id = ANY($1::uuid[])`,
    [ids, practice],
  );
  for (const e of engagements) {
    out.set(e.id, {
      id: e.id,
      practiceId: e.practice_id,
      title: e.title,
      status: e.status,
      coach: { id: e.coach_id, name: e.coach_name, email: e.coach_email, timezone: e.coach_timezone },
      client: { id: e.client_id, name: e.client_name, email: e.client_email, timezone: e.client_timezone },
      lastActivityAt: e.updated_at,
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
    draft_count: number;
  }>(
    `SELECT h.id, h.engagement_id, h.title, h.status, h.due_at, h.assigned_at, d.id AS draft_id, d.revision, d.submitted_at, h.draft_count
       FROM homework h
       LEFT JOIN drafts d ON d.practice_id = h.practice_id AND d.id = h.latest_draft_id AND h.status = 'SUBMITTED'
      WHERE h.practice_id = ${practiceOrScoped(3)}
        AND h.engagement_id = ANY($1::uuid[]) AND ($2::uuid[] IS NULL OR h.id = ANY($2::uuid[]))`,
    [ids, onlyHomework ? [...new Set(onlyHomework)] : null, practice],
  );
  for (const h of homework) {
    out.get(h.engagement_id)?.homework.push({
      id: h.id,
      title: h.title,
      status: h.status,
      dueAt: h.due_at,
      assignedAt: h.assigned_at,
      awaitingDraft: h.draft_id ? { id: h.draft_id, submittedAt: h.submitted_at!, revision: h.revision! } : null,
      draftCount: h.draft_count,
    });
  }
  return out;
}

/** The practice's ACTIVE engagements (whose reminders a settings change may move). */
export async function activeEngagementIds(q: Queryable, practiceId: string): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(`SELECT id FROM engagements WHERE practice_id = $1 AND status = 'ACTIVE'`, [practiceId]);
  return rows.map((r) => r.id);
}
