import type {
  ChannelCounts,
  EngagementOutcome,
  EngagementStatus,
  FeedbackVerdict,
  HomeworkStatus,
  JobSearchChannel,
} from '../domain/types.js';
import { parseTimestamptz } from '#event-store';
import { JOB_SEARCH_CHANNELS, OPEN_HOMEWORK } from '../domain/types.js';

// Rows of the read-model tables, and the shapes the GraphQL resolvers return.
// Models carry the ids their field resolvers need (engagementId, ...).

export interface EngagementRow extends Record<string, unknown> {
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
  coach_timezone?: string;
  client_timezone?: string;
  intake: IntakeJson | null;
  outcome: EngagementOutcome | null;
  open_homework_count: number;
  awaiting_feedback_count: number;
  opened_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  version: number;
}

interface IntakeJson {
  presentingQuestion: string;
  background: string;
  goals: string[];
  currentStrategy: string;
  baseline: ChannelCounts[];
  recordedAt: string;
}

// The columns each model is made of, for readers that select them (not
// `SELECT *`: a column no model maps is still sent, parsed — a timestamp
// costs most — and kept for nothing; a list of 50 engagements reads ~1,000
// of these rows). Keep each list beside its row type.
export const ENGAGEMENT_COLUMNS =
  'id, practice_id, title, status, coach_id, coach_name, coach_email, coach_timezone, client_id, client_name, client_email, client_timezone, ' +
  'intake, outcome, open_homework_count, awaiting_feedback_count, opened_at, updated_at, closed_at, version';
export const HOMEWORK_COLUMNS = 'id, engagement_id, title, instructions, due_at, status, assigned_at, latest_draft_id';
export const DRAFT_COLUMNS = 'id, homework_id, engagement_id, revision, content, submitted_at';
export const FEEDBACK_COLUMNS = 'id, draft_id, verdict, comments, given_by_id, given_by_name, given_by_email, given_at';

/**
 * What a list level reads for the fields an operation asks: the level's keys,
 * plus the columns of each field asked (`__typename` needs none). A field
 * not named here (one added later) needs the whole row. The rows are only ever
 * answers to that selection, never cached as whole models.
 */
export interface LevelColumns {
  all: string;
  keys: readonly string[];
  byField: Readonly<Record<string, readonly string[]>>;
}

/** The list's page (`engagements`): its nodes are answers to the selection only, so the list primes no loader with them. */
export const ENGAGEMENT_LEVEL: LevelColumns = {
  all: ENGAGEMENT_COLUMNS,
  // the cursor (opened_at, id), the practice (timeline, changes) and the parties (the access audit, request.ts noteRead)
  keys: ['id', 'practice_id', 'opened_at', 'coach_id', 'client_id'],
  byField: {
    id: [],
    title: ['title'],
    status: ['status'],
    coach: ['coach_name', 'coach_email', 'coach_timezone'],
    client: ['client_name', 'client_email', 'client_timezone'],
    intake: ['intake'],
    sessions: [],
    jobSearch: [],
    openHomeworkCount: ['open_homework_count'],
    overdueHomeworkCount: [],
    awaitingFeedbackCount: ['awaiting_feedback_count'],
    outcome: ['outcome'],
    openedAt: [],
    updatedAt: ['updated_at'],
    closedAt: ['closed_at'],
    version: ['version'],
    asOf: [],
    homework: [],
    timeline: [],
    changes: ['version'],
  },
};

/**
 * A list level read as one JSON value (request.ts, the list's preload): each
 * row an object with the model's keys (`json`: column → key; `a.b` nests),
 * parsed by PostgreSQL's JSON and one `JSON.parse` rather than row by row;
 * timestamps go as their text and are read by the rows' own parser.
 */
export interface JsonLevel extends LevelColumns {
  json: Readonly<Record<string, string>>;
  dates: readonly string[];
  /** a model key computed from others once they are read (only when every column of `from` was) */
  computed?: { key: string; from: readonly string[]; value: (model: Record<string, unknown>, now: Date) => unknown };
}

export const HOMEWORK_LEVEL: JsonLevel = {
  all: HOMEWORK_COLUMNS,
  json: {
    id: 'id',
    engagement_id: 'engagementId',
    title: 'title',
    instructions: 'instructions',
    due_at: 'dueAt',
    status: 'status',
    assigned_at: 'assignedAt',
    latest_draft_id: 'latestDraftId',
  },
  dates: ['due_at', 'assigned_at'],
  // as toHomework does
  computed: { key: 'overdue', from: ['due_at', 'status'], value: (h, now) => isOverdue(h.dueAt as Date | null, h.status as HomeworkStatus, now) },
  keys: ['id', 'engagement_id'],
  byField: {
    id: [],
    engagement: [],
    title: ['title'],
    instructions: ['instructions'],
    dueAt: ['due_at'],
    status: ['status'],
    overdue: ['due_at', 'status'],
    assignedAt: ['assigned_at'],
    drafts: [],
    latestDraft: ['latest_draft_id'],
    reminders: [],
  },
};

export const DRAFT_LEVEL: JsonLevel = {
  all: DRAFT_COLUMNS,
  json: { id: 'id', homework_id: 'homeworkId', engagement_id: 'engagementId', revision: 'revision', content: 'content', submitted_at: 'submittedAt' },
  dates: ['submitted_at'],
  keys: ['id', 'homework_id'],
  byField: { id: [], homework: [], revision: ['revision'], content: ['content'], submittedAt: ['submitted_at'], feedback: [] },
};

export const FEEDBACK_LEVEL: JsonLevel = {
  all: FEEDBACK_COLUMNS,
  json: {
    id: 'id',
    draft_id: 'draftId',
    verdict: 'verdict',
    comments: 'comments',
    given_by_id: 'givenBy.id',
    given_by_name: 'givenBy.name',
    given_by_email: 'givenBy.email',
    given_at: 'givenAt',
  },
  dates: ['given_at'],
  keys: ['id', 'draft_id'],
  byField: {
    id: [],
    draft: [],
    verdict: ['verdict'],
    comments: ['comments'],
    givenBy: ['given_by_id', 'given_by_name', 'given_by_email'],
    givenAt: ['given_at'],
  },
};

/** The column list of `level` for the fields asked (null: not known, so every column). */
export function columnsOf(level: LevelColumns, fields: ReadonlySet<string> | null): string {
  if (!fields) return level.all;
  const columns = new Set(level.keys);
  for (const f of fields) {
    if (f === '__typename') continue;
    const needs = level.byField[f];
    if (!needs) return level.all;
    for (const c of needs) columns.add(c);
  }
  // every column asked is the whole row: said as `all`, so a caller can tell (the list primes its loader then)
  return columns.size === level.all.split(', ').length ? level.all : [...columns].join(', ');
}

/** The SQL of one row of `level` as a JSON object of the model's keys, for `columns` (what columnsOf answered). */
export function jsonObjectOf(level: JsonLevel, columns: string): string {
  const top: string[] = [];
  const nested = new Map<string, string[]>();
  for (const column of columns.split(', ')) {
    const key = level.json[column];
    if (!key) throw new Error(`jsonObjectOf: ${column} has no key`);
    const value = level.dates.includes(column) ? `${column}::text` : column;
    const [outer, inner] = key.split('.') as [string, string | undefined];
    if (!inner) top.push(`'${key}', ${value}`);
    else if (nested.has(outer)) nested.get(outer)!.push(`'${inner}', ${value}`);
    else nested.set(outer, [`'${inner}', ${value}`]);
  }
  for (const [key, parts] of nested) top.push(`'${key}', json_build_object(${parts.join(', ')})`);
  return `json_build_object(${top.join(', ')})`;
}

/**
 * The models of a level read as JSON (jsonObjectOf): its timestamps made
 * Dates by the rows' own parser, its computed key added (JsonLevel
 * `computed`). The objects are the models: nothing is copied.
 */
export function modelsFromJson<M>(level: JsonLevel, columns: string, objects: Record<string, unknown>[], now: Date): M[] {
  const asked = new Set(columns.split(', '));
  const dates = level.dates.filter((c) => asked.has(c)).map((c) => level.json[c]!);
  const computed = level.computed?.from.every((c) => asked.has(c)) ? level.computed : null;
  if (dates.length === 0 && !computed) return objects as M[];
  for (const o of objects) {
    for (const key of dates) if (o[key] !== null) o[key] = parseTimestamptz(o[key] as string);
    if (computed) o[computed.key] = computed.value(o, now);
  }
  return objects as M[];
}

export interface HomeworkRow extends Record<string, unknown> {
  id: string;
  engagement_id: string;
  title: string;
  instructions: string;
  due_at: Date | null;
  status: HomeworkStatus;
  assigned_at: Date;
  latest_draft_id: string | null;
}

export interface DraftRow extends Record<string, unknown> {
  id: string;
  homework_id: string;
  engagement_id: string;
  revision: number;
  content: string;
  submitted_at: Date;
}

export interface FeedbackRow extends Record<string, unknown> {
  id: string;
  draft_id: string;
  verdict: FeedbackVerdict;
  comments: string;
  given_by_id: string;
  given_by_name: string;
  given_by_email: string | null;
  given_at: Date;
}

export interface SessionRow extends Record<string, unknown> {
  id: string;
  engagement_id: string;
  held_at: Date;
  duration_minutes: number;
  summary: string;
}

export interface JobSearchRow extends Record<string, unknown> {
  channel: JobSearchChannel;
  applications: string | number;
  interviews: string | number;
  offers: string | number;
}

export interface PersonModel {
  id: string;
  name: string;
  email: string | null;
  timezone?: string | null;
}

export interface EngagementModel {
  id: string;
  practiceId: string;
  title: string;
  status: EngagementStatus;
  coach: PersonModel;
  client: PersonModel;
  intake: IntakeModel | null;
  openHomeworkCount: number;
  awaitingFeedbackCount: number;
  outcome: EngagementOutcome | null;
  openedAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  version: number;
}

export interface IntakeModel {
  presentingQuestion: string;
  background: string;
  goals: string[];
  currentStrategy: string;
  baseline: ChannelStatModel[];
  recordedAt: Date;
}

export interface ChannelStatModel {
  channel: JobSearchChannel;
  applications: number;
  interviews: number;
  offers: number;
  interviewRate: number | null;
}

export interface FunnelModel {
  channels: ChannelStatModel[];
  applications: number;
  interviews: number;
  offers: number;
  interviewRate: number | null;
}

export interface HomeworkModel {
  id: string;
  engagementId: string;
  title: string;
  instructions: string;
  dueAt: Date | null;
  status: HomeworkStatus;
  overdue: boolean;
  assignedAt: Date;
  latestDraftId: string | null;
}

export interface DraftModel {
  id: string;
  homeworkId: string;
  engagementId: string;
  revision: number;
  content: string;
  submittedAt: Date;
}

export interface FeedbackModel {
  id: string;
  draftId: string;
  verdict: FeedbackVerdict;
  comments: string;
  givenBy: PersonModel;
  givenAt: Date;
}

export interface SessionModel {
  id: string;
  heldAt: Date;
  durationMinutes: number;
  summary: string;
}

export function toEngagement(r: EngagementRow): EngagementModel {
  return {
    id: r.id,
    practiceId: r.practice_id,
    title: r.title,
    status: r.status,
    coach: { id: r.coach_id, name: r.coach_name, email: r.coach_email, timezone: r.coach_timezone ?? 'UTC' },
    client: { id: r.client_id, name: r.client_name, email: r.client_email, timezone: r.client_timezone ?? 'UTC' },
    intake: r.intake
      ? {
          presentingQuestion: r.intake.presentingQuestion,
          background: r.intake.background,
          goals: r.intake.goals,
          currentStrategy: r.intake.currentStrategy,
          baseline: r.intake.baseline.map((b) => channelStat(b.channel, b.applications, b.interviews, b.offers)),
          recordedAt: new Date(r.intake.recordedAt),
        }
      : null,
    openHomeworkCount: r.open_homework_count,
    awaitingFeedbackCount: r.awaiting_feedback_count,
    outcome: r.outcome,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
    version: r.version,
  };
}

export function isOverdue(dueAt: Date | null, status: HomeworkStatus, now: Date): boolean {
  // (a list that did not ask for due_at has no dueAt: undefined is not overdue)
  return dueAt != null && dueAt.getTime() < now.getTime() && OPEN_HOMEWORK.includes(status);
}

export function toHomework(r: HomeworkRow, now: Date): HomeworkModel {
  return {
    id: r.id,
    engagementId: r.engagement_id,
    title: r.title,
    instructions: r.instructions,
    dueAt: r.due_at,
    status: r.status,
    overdue: isOverdue(r.due_at, r.status, now),
    assignedAt: r.assigned_at,
    latestDraftId: r.latest_draft_id,
  };
}

export function toDraft(r: DraftRow): DraftModel {
  return {
    id: r.id,
    homeworkId: r.homework_id,
    engagementId: r.engagement_id,
    revision: r.revision,
    content: r.content,
    submittedAt: r.submitted_at,
  };
}

export function toFeedback(r: FeedbackRow): FeedbackModel {
  return {
    id: r.id,
    draftId: r.draft_id,
    verdict: r.verdict,
    comments: r.comments,
    givenBy: { id: r.given_by_id, name: r.given_by_name, email: r.given_by_email },
    givenAt: r.given_at,
  };
}

export function toSession(r: SessionRow): SessionModel {
  return { id: r.id, heldAt: r.held_at, durationMinutes: r.duration_minutes, summary: r.summary };
}

export function channelStat(channel: JobSearchChannel, applications: number, interviews: number, offers: number): ChannelStatModel {
  return { channel, applications, interviews, offers, interviewRate: applications > 0 ? interviews / applications : null };
}

/** Per-channel figures in the catalogue's channel order, plus totals. */
export function funnel(rows: readonly JobSearchRow[]): FunnelModel {
  const byChannel = new Map(rows.map((r) => [r.channel, r]));
  const channels = JOB_SEARCH_CHANNELS.filter((c) => byChannel.has(c)).map((c) => {
    const r = byChannel.get(c)!;
    return channelStat(c, Number(r.applications), Number(r.interviews), Number(r.offers));
  });
  const applications = channels.reduce((n, c) => n + c.applications, 0);
  const interviews = channels.reduce((n, c) => n + c.interviews, 0);
  const offers = channels.reduce((n, c) => n + c.offers, 0);
  return { channels, applications, interviews, offers, interviewRate: applications > 0 ? interviews / applications : null };
}
