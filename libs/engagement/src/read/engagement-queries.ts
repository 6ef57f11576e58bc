import type { Principal, ReadSession } from '#platform';
import { BadUserInput } from '#platform';
import type { EngagementStatus } from '../domain/types.js';
import { OPEN_HOMEWORK } from '../domain/types.js';
import { LIMITS } from '../domain/limits.js';
import { ENGAGEMENT_COLUMNS, funnel, toEngagement, type EngagementModel, type EngagementRow, type FunnelModel, type JobSearchRow, type PersonModel } from './read-models.js';

const OPEN = OPEN_HOMEWORK.map((s) => `'${s}'`).join(', ');
const STATUSES: readonly EngagementStatus[] = ['INTAKE', 'ACTIVE', 'PAUSED', 'CLOSED'];

export interface EngagementListFilter {
  status?: EngagementStatus[] | null;
  coachId?: string | null;
  clientId?: string | null;
  hasOverdueHomework?: boolean | null;
  search?: string | null;
}

export interface EngagementPage {
  nodes: EngagementModel[];
  cursors: string[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}

/**
 * The engagement list: newest first, Relay cursors on (opened_at, id), only
 * what the caller may see (a coach their engagements, a client their own).
 * totalCount runs only when the query asks for it. `columns`: what the
 * selection needs (read-models.ts ENGAGEMENT_LEVEL), every column by default.
 */
export async function listEngagements(
  session: ReadSession,
  principal: Principal,
  filter: EngagementListFilter,
  first: number,
  after: string | null,
  now: Date,
  columns: string = ENGAGEMENT_COLUMNS,
): Promise<EngagementPage> {
  const where = ['e.practice_id = $1'];
  const params: unknown[] = [principal.practiceId];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (principal.role === 'COACH') add((p) => `e.coach_id = ${p}`, principal.id);
  if (principal.role === 'CLIENT') add((p) => `e.client_id = ${p}`, principal.id);
  if (filter.status?.length) add((p) => `e.status = ANY(${p}::text[])`, filter.status);
  if (filter.coachId) add((p) => `e.coach_id = ${p}`, filter.coachId);
  if (filter.clientId) add((p) => `e.client_id = ${p}`, filter.clientId);
  if (filter.hasOverdueHomework !== undefined && filter.hasOverdueHomework !== null) {
    add(
      (p) =>
        `EXISTS (SELECT 1 FROM homework h WHERE h.engagement_id = e.id AND h.practice_id = e.practice_id
                 AND h.status IN (${OPEN}) AND h.due_at < ${p}) = ${filter.hasOverdueHomework ? 'true' : 'false'}`,
      now,
    );
  }
  if (filter.search) {
    add((p) => `lower(e.title || ' ' || e.coach_name || ' ' || e.client_name) LIKE ${p}`, `%${escapeLike(filter.search.toLowerCase())}%`);
  }
  const filtered = [...where];
  const filterParams = [...params];
  if (after) {
    const c = decodeCursor(after);
    params.push(c.openedAt, c.id);
    where.push(`(e.opened_at, e.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(first + 1);
  const rows = await session.query<EngagementRow>(
    `SELECT ${columns} FROM engagements e WHERE ${where.join(' AND ')} ORDER BY e.opened_at DESC, e.id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, first).map(toEngagement);
  return {
    nodes: page,
    cursors: page.map(encodeCursor),
    hasNextPage: rows.length > first,
    totalCount: async () => {
      const [row] = await session.query<{ n: string }>(
        `SELECT count(*) AS n FROM engagements e WHERE ${filtered.join(' AND ')}`,
        filterParams,
      );
      return Number(row!.n);
    },
  };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function encodeCursor(e: { openedAt: Date; id: string }): string {
  return Buffer.from(`${e.openedAt.toISOString()}|${e.id}`).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Exactly what `toISOString` writes for the years 0001-9999: a cursor this list returned, nothing PostgreSQL could misread. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function decodeCursor(cursor: string): { openedAt: string; id: string } {
  const parts = cursor.length <= 200 ? Buffer.from(cursor, 'base64url').toString('utf8').split('|') : [];
  const [openedAt, id] = parts;
  const instant = openedAt !== undefined && ISO_INSTANT.test(openedAt) && !Number.isNaN(Date.parse(openedAt));
  if (parts.length !== 2 || !instant || new Date(openedAt).toISOString() !== openedAt || !id || !UUID.test(id)) {
    throw new BadUserInput('after', 'is not a cursor this list returned');
  }
  return { openedAt, id };
}

export interface DashboardModel {
  engagementsByStatus: { status: EngagementStatus; count: number }[];
  openHomework: number;
  overdueHomework: number;
  awaitingFeedback: number;
  feedbackTurnaroundHoursP50: number | null;
  feedbackTurnaroundHoursP90: number | null;
  /** the query's `since`: `remindersSent` is resolved by the reminders' field resolver (apps/api) with it */
  since: Date | null;
  jobSearch: FunnelModel;
  coaches: { coach: PersonModel; activeEngagements: number; awaitingFeedback: number; overdueHomework: number }[];
}

/**
 * Practice-wide figures. Homework of closed engagements no longer counts as
 * open, overdue or awaiting feedback; `since` bounds the feedback turnaround
 * (all time when absent), and the reminders counted by `PracticeDashboard.remindersSent`.
 */
export async function practiceDashboard(session: ReadSession, since: Date | null, now: Date): Promise<DashboardModel> {
  const p = session.practiceId;
  const [statusRows, homeworkRows, turnaroundRows, funnelRows, coachRows] = await Promise.all([
    session.query<{ status: EngagementStatus; n: string }>(
      'SELECT status, count(*) AS n FROM engagements WHERE practice_id = $1 GROUP BY status',
      [p],
    ),
    session.query<{ open: string; overdue: string; awaiting: string }>(
      `SELECT count(*) FILTER (WHERE h.status IN (${OPEN})) AS open,
              count(*) FILTER (WHERE h.status IN (${OPEN}) AND h.due_at < $2) AS overdue,
              count(*) FILTER (WHERE h.status = 'SUBMITTED') AS awaiting
         FROM homework h JOIN engagements e ON e.id = h.engagement_id
        WHERE h.practice_id = $1 AND e.status <> 'CLOSED'`,
      [p, now],
    ),
    session.query<{ p50: number | null; p90: number | null }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY turnaround_hours) AS p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY turnaround_hours) AS p90
         FROM feedback WHERE practice_id = $1 AND ($2::timestamptz IS NULL OR given_at >= $2)`,
      [p, since],
    ),
    session.query<JobSearchRow>(
      `SELECT channel, sum(applications) AS applications, sum(interviews) AS interviews, sum(offers) AS offers
         FROM job_search_stats WHERE practice_id = $1 GROUP BY channel`,
      [p],
    ),
    session.query<{ coach_id: string; name: string; email: string | null; active: string; awaiting: string; overdue: string }>(
      `SELECT e.coach_id,
              (array_agg(e.coach_name ORDER BY e.opened_at DESC))[1] AS name,
              (array_agg(e.coach_email ORDER BY e.opened_at DESC))[1] AS email,
              count(*) FILTER (WHERE e.status = 'ACTIVE') AS active,
              coalesce(sum(e.awaiting_feedback_count) FILTER (WHERE e.status <> 'CLOSED'), 0) AS awaiting,
              coalesce(sum(o.n) FILTER (WHERE e.status <> 'CLOSED'), 0) AS overdue
         FROM engagements e
         LEFT JOIN (SELECT engagement_id, count(*) AS n FROM homework
                     WHERE practice_id = $1 AND status IN (${OPEN}) AND due_at < $2 GROUP BY engagement_id) o
                ON o.engagement_id = e.id
        WHERE e.practice_id = $1
        GROUP BY e.coach_id
        ORDER BY name, e.coach_id
        LIMIT ${LIMITS.dashboardCoaches}`,
      [p, now],
    ),
  ]);
  const counts = new Map(statusRows.map((r) => [r.status, Number(r.n)]));
  const h = homeworkRows[0]!;
  return {
    engagementsByStatus: STATUSES.map((status) => ({ status, count: counts.get(status) ?? 0 })),
    openHomework: Number(h.open),
    overdueHomework: Number(h.overdue),
    awaitingFeedback: Number(h.awaiting),
    feedbackTurnaroundHoursP50: turnaroundRows[0]?.p50 ?? null,
    feedbackTurnaroundHoursP90: turnaroundRows[0]?.p90 ?? null,
    since,
    jobSearch: funnel(funnelRows),
    coaches: coachRows.map((r) => ({
      coach: { id: r.coach_id, name: r.name, email: r.email },
      activeEngagements: Number(r.active),
      awaitingFeedback: Number(r.awaiting),
      overdueHomework: Number(r.overdue),
    })),
  };
}
