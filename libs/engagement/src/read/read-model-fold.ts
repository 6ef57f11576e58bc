import type pg from 'pg';
import type { StoredEvent } from '#event-store';
import type { EngagementEvent } from '../domain/events.js';
import type { EngagementRow, HomeworkRow } from './read-models.js';
import { OPEN_HOMEWORK } from '../domain/types.js';

// The engagement read models' one definition: events folded into rows held
// in maps (engagements, homework, drafts, feedback, coaching_sessions,
// job_search_stats). Every path runs it:
// - a command (EngagementProjector): the engagement's current rows are
//   loaded (`seed…`), the command's events folded, the changed rows upserted
//   (`changedRows`, `upsertStatements`);
// - a rebuild: the whole log folded into empty copies, written with a few
//   multi-row INSERTs (`takeFinished`, `insertStatements`, BulkWriter), and
//   the events it could not fold (UnsupportedEvent) applied through the same
//   projector, event by event.

/** The fold cannot reproduce the projector for this event: rebuild event by event instead. */
export class UnsupportedEvent extends Error {
  constructor(e: StoredEvent, why: string) {
    super(`${e.type} #${e.version} of stream ${e.streamId} (position ${e.position}): ${why}`);
    this.name = 'UnsupportedEvent';
  }
}

export interface EngagementValues {
  id: string;
  practice_id: string;
  title: string;
  status: string;
  coach_id: string;
  coach_name: string;
  coach_email: string | null;
  client_id: string;
  client_name: string;
  client_email: string | null;
  coach_timezone: string;
  client_timezone: string;
  /** the JSON text the projector passes (jsonb normalises it the same way) */
  intake: string | null;
  outcome: string | null;
  close_note: string | null;
  open_homework_count: number;
  awaiting_feedback_count: number;
  opened_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  version: number;
}

export interface HomeworkValues {
  id: string;
  engagement_id: string;
  practice_id: string;
  title: string;
  instructions: string;
  /** as the event has it: PostgreSQL parses it, as it does the projector's parameter */
  due_at: string | null;
  status: string;
  assigned_at: Date;
  latest_draft_id: string | null;
  draft_count: number;
  updated_at: Date;
}

export interface DraftValues {
  id: string;
  homework_id: string;
  engagement_id: string;
  practice_id: string;
  revision: number;
  content: string;
  submitted_at: Date;
}

export interface FeedbackValues {
  id: string;
  draft_id: string;
  homework_id: string;
  engagement_id: string;
  practice_id: string;
  verdict: string;
  comments: string;
  given_by_id: string;
  given_by_name: string;
  given_by_email: string | null;
  given_at: Date;
  /** the draft's, for turnaround_hours: computed by PostgreSQL with the projector's expression */
  submitted_at: Date;
}

export interface SessionValues {
  id: string;
  engagement_id: string;
  practice_id: string;
  held_at: string;
  duration_minutes: number;
  summary: string;
  logged_at: Date;
}

export interface JobSearchValues {
  engagement_id: string;
  practice_id: string;
  channel: string;
  applications: number;
  interviews: number;
  offers: number;
}

const OPEN = new Set<string>(OPEN_HOMEWORK);
/** Ids the fold can use as map keys: one spelling per uuid value, as PostgreSQL compares them. */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The six read models as EngagementProjector would leave them after the
 * events given to `apply`, in that order, on empty tables. Rows live in maps
 * keyed as the tables are (a projector UPDATE of a missing row is a no-op
 * here too); the caller writes them (`takeFinished`, `insertStatements`).
 */
export class ReadModelFold {
  readonly engagements = new Map<string, EngagementValues>();
  readonly homework = new Map<string, HomeworkValues>();
  /** by engagement id and channel (the table's key) */
  readonly jobSearch = new Map<string, JobSearchValues>();
  /**
   * Drafts, feedback and sessions: no event changes them once inserted, so
   * they can be written while the log is still being read (`takeFinished`);
   * only what later events look up stays: a draft's time, the ids (keys).
   */
  readonly drafts: DraftValues[] = [];
  readonly feedback: FeedbackValues[] = [];
  readonly sessions: SessionValues[] = [];
  private readonly draftTimes = new Map<string, Date>();
  private readonly feedbackIds = new Set<string>();
  private readonly sessionIds = new Set<string>();

  /** The rows as they were before the events (seeded ones), to tell which changed. */
  private readonly seeded = new Map<string, string>();

  /** An existing engagement row (a command's fold starts from the engagement's current rows). */
  seedEngagement(r: EngagementRow): void {
    const row: EngagementValues = {
      id: r.id,
      practice_id: r.practice_id,
      title: r.title,
      status: r.status,
      coach_id: r.coach_id,
      coach_name: r.coach_name,
      coach_email: r.coach_email,
      client_id: r.client_id,
      client_name: r.client_name,
      client_email: r.client_email,
      coach_timezone: r.coach_timezone ?? 'UTC',
      client_timezone: r.client_timezone ?? 'UTC',
      intake: r.intake === null ? null : JSON.stringify(r.intake),
      outcome: r.outcome,
      close_note: (r.close_note as string | null | undefined) ?? null,
      open_homework_count: r.open_homework_count,
      awaiting_feedback_count: r.awaiting_feedback_count,
      opened_at: r.opened_at,
      updated_at: r.updated_at,
      closed_at: r.closed_at,
      version: r.version,
    };
    this.engagements.set(row.id, row);
    this.seeded.set(`e ${row.id}`, JSON.stringify(row));
  }

  seedHomework(r: HomeworkRow): void {
    const row: HomeworkValues = {
      id: r.id,
      engagement_id: r.engagement_id,
      practice_id: r.practice_id as string,
      title: r.title,
      instructions: r.instructions,
      due_at: r.due_at === null ? null : r.due_at.toISOString(),
      status: r.status,
      assigned_at: r.assigned_at,
      latest_draft_id: r.latest_draft_id,
      draft_count: Number(r.draft_count),
      updated_at: r.updated_at as Date,
    };
    this.homework.set(row.id, row);
    this.seeded.set(`h ${row.id}`, JSON.stringify(row));
  }

  seedJobSearch(r: { engagement_id: string; practice_id: string; channel: string; applications: string | number; interviews: string | number; offers: string | number }): void {
    const row: JobSearchValues = {
      engagement_id: r.engagement_id,
      practice_id: r.practice_id,
      channel: r.channel,
      applications: Number(r.applications),
      interviews: Number(r.interviews),
      offers: Number(r.offers),
    };
    const key = `${row.engagement_id} ${row.channel}`;
    this.jobSearch.set(key, row);
    this.seeded.set(`j ${key}`, JSON.stringify(row));
  }

  /** An existing draft's submission time (feedback's turnaround is measured from it). */
  seedDraftTime(draftId: string, submittedAt: Date): void {
    this.draftTimes.set(draftId, submittedAt);
  }

  /** Whether the fold knows the draft's submission time (seeded, or submitted by a folded event). */
  knowsDraft(draftId: string): boolean {
    return this.draftTimes.has(draftId);
  }

  /** The rows the events created or changed (seeded rows left as they were are not). */
  changedRows(): { engagements: EngagementValues[]; homework: HomeworkValues[]; jobSearch: JobSearchValues[] } {
    const changed = <R>(prefix: string, map: Map<string, R>) =>
      [...map].filter(([key, row]) => this.seeded.get(`${prefix} ${key}`) !== JSON.stringify(row)).map(([, row]) => row);
    return { engagements: changed('e', this.engagements), homework: changed('h', this.homework), jobSearch: changed('j', this.jobSearch) };
  }

  /**
   * Everything the fold holds, as JSON (Dates, Maps and Sets tagged, Map
   * order kept): a time-travel snapshot (history/history-snapshots.ts).
   * `restore` gives back a fold that goes on exactly as this one would.
   * Seeded rows are not part of it (a snapshot's fold starts empty).
   */
  snapshot(): unknown {
    return toTagged({
      engagements: this.engagements,
      homework: this.homework,
      jobSearch: this.jobSearch,
      drafts: this.drafts,
      feedback: this.feedback,
      sessions: this.sessions,
      draftTimes: this.draftTimes,
      feedbackIds: this.feedbackIds,
      sessionIds: this.sessionIds,
    });
  }

  static restore(snapshot: unknown): ReadModelFold {
    const s = fromTagged(snapshot) as {
      engagements: Map<string, EngagementValues>;
      homework: Map<string, HomeworkValues>;
      jobSearch: Map<string, JobSearchValues>;
      drafts: DraftValues[];
      feedback: FeedbackValues[];
      sessions: SessionValues[];
      draftTimes: Map<string, Date>;
      feedbackIds: Set<string>;
      sessionIds: Set<string>;
    };
    const fold = new ReadModelFold();
    for (const [k, v] of s.engagements) fold.engagements.set(k, v);
    for (const [k, v] of s.homework) fold.homework.set(k, v);
    for (const [k, v] of s.jobSearch) fold.jobSearch.set(k, v);
    fold.drafts.push(...s.drafts);
    fold.feedback.push(...s.feedback);
    fold.sessions.push(...s.sessions);
    for (const [k, v] of s.draftTimes) fold.draftTimes.set(k, v);
    for (const id of s.feedbackIds) fold.feedbackIds.add(id);
    for (const id of s.sessionIds) fold.sessionIds.add(id);
    return fold;
  }

  /** Folds one event of an engagement type; throws UnsupportedEvent where it cannot mirror the projector. */
  apply(e: StoredEvent): void {
    const event = e as EngagementEvent; // a stored event, upcast to its current shape: its type and data are the domain's
    const id = uuid(e, e.streamId);
    const at = e.occurredAt;
    const practice = e.metadata.practiceId;
    const en = this.engagements.get(id);
    switch (event.type) {
      case 'EngagementOpened': {
        const d = event.data;
        if (en) throw new UnsupportedEvent(e, 'engagement row exists already (the projector fails on its key)');
        this.engagements.set(id, {
          id,
          practice_id: practice,
          title: d.title,
          status: 'INTAKE',
          coach_id: d.coach.id,
          coach_name: d.coach.name,
          coach_email: d.coach.email,
          client_id: d.client.id,
          client_name: d.client.name,
          client_email: d.client.email,
          // events from before time zones carry none: UTC (what the reminders assumed then)
          coach_timezone: d.coach.timezone ?? 'UTC',
          client_timezone: d.client.timezone ?? 'UTC',
          intake: null,
          outcome: null,
          close_note: null,
          open_homework_count: 0,
          awaiting_feedback_count: 0,
          opened_at: at,
          updated_at: at,
          closed_at: null,
          version: e.version,
        });
        return;
      }
      case 'IntakeRecorded': {
        if (en) {
          en.intake = JSON.stringify({ ...event.data, recordedAt: at.toISOString() });
          en.status = 'ACTIVE';
          set(en, e);
        }
        for (const b of event.data.baseline) this.addJobSearch(e, id, practice, b.channel, b.applications, b.interviews, b.offers);
        return;
      }
      case 'HomeworkAssigned': {
        const d = event.data;
        const homeworkId = uuid(e, d.homeworkId);
        if (this.homework.has(homeworkId)) throw new UnsupportedEvent(e, 'homework row exists already');
        const row: HomeworkValues = {
          id: homeworkId,
          engagement_id: id,
          practice_id: practice,
          title: d.title,
          instructions: d.instructions,
          due_at: d.dueAt,
          status: 'ASSIGNED',
          assigned_at: at,
          latest_draft_id: null,
          draft_count: 0,
          updated_at: at,
        };
        this.homework.set(homeworkId, row);
        return this.counted(en, e, null, row);
      }
      case 'DraftSubmitted': {
        const d = event.data;
        const draftId = uuid(e, d.draftId);
        const homeworkId = uuid(e, d.homeworkId);
        if (this.draftTimes.has(draftId)) throw new UnsupportedEvent(e, 'draft row exists already');
        this.draftTimes.set(draftId, at);
        this.drafts.push({
          id: draftId,
          homework_id: homeworkId,
          engagement_id: id,
          practice_id: practice,
          revision: d.revision,
          content: d.content,
          submitted_at: at,
        });
        const hw = this.homework.get(homeworkId);
        const before = hw?.status ?? null;
        if (hw) {
          hw.status = 'SUBMITTED';
          hw.latest_draft_id = draftId;
          hw.draft_count += 1;
          hw.updated_at = at;
        }
        return this.counted(en, e, before, hw);
      }
      case 'FeedbackGiven': {
        const d = event.data;
        const feedbackId = uuid(e, d.feedbackId);
        const draftId = uuid(e, d.draftId);
        const submittedAt = this.draftTimes.get(draftId);
        const homeworkId = uuid(e, d.homeworkId);
        // INSERT ... SELECT FROM engagements, drafts: no row unless both exist
        if (en && submittedAt) {
          if (this.feedbackIds.has(feedbackId)) throw new UnsupportedEvent(e, 'feedback row exists already');
          this.feedbackIds.add(feedbackId);
          this.feedback.push({
            id: feedbackId,
            draft_id: draftId,
            homework_id: homeworkId,
            engagement_id: id,
            practice_id: practice,
            verdict: d.verdict,
            comments: d.comments,
            given_by_id: en.coach_id,
            given_by_name: en.coach_name,
            given_by_email: en.coach_email,
            given_at: at,
            submitted_at: submittedAt,
          });
        }
        const hw = this.homework.get(homeworkId);
        const before = hw?.status ?? null;
        if (hw) {
          hw.status = d.verdict;
          hw.updated_at = at;
        }
        return this.counted(en, e, before, hw);
      }
      case 'HomeworkCancelled': {
        const hw = this.homework.get(uuid(e, event.data.homeworkId));
        const before = hw?.status ?? null;
        if (hw) {
          hw.status = 'CANCELLED';
          hw.updated_at = at;
        }
        return this.counted(en, e, before, hw);
      }
      case 'HomeworkRescheduled': {
        const hw = this.homework.get(uuid(e, event.data.homeworkId));
        const before = hw?.status ?? null;
        if (hw) {
          hw.due_at = event.data.dueAt;
          hw.updated_at = at;
        }
        return this.counted(en, e, before, hw);
      }
      case 'CoachingSessionLogged': {
        const d = event.data;
        const sessionId = uuid(e, d.sessionId);
        if (this.sessionIds.has(sessionId)) throw new UnsupportedEvent(e, 'session row exists already');
        this.sessionIds.add(sessionId);
        this.sessions.push({
          id: sessionId,
          engagement_id: id,
          practice_id: practice,
          held_at: d.heldAt,
          duration_minutes: d.durationMinutes,
          summary: d.summary,
          logged_at: at,
        });
        if (en) set(en, e);
        return;
      }
      case 'JobSearchActivityLogged': {
        const d = event.data;
        this.addJobSearch(e, id, practice, d.channel, d.applications, d.interviews, d.offers);
        if (en) set(en, e);
        return;
      }
      case 'ReminderSent':
      case 'ReminderHeld':
      case 'DigestSent':
        // the projector's touch: greatest(version), greatest(updated_at); applying that per event or once for a run
        // of them gives the same row
        if (en) {
          en.version = Math.max(en.version, e.version);
          if (at.getTime() > en.updated_at.getTime()) en.updated_at = at;
        }
        return;
      case 'EngagementPaused':
        if (en) {
          en.status = 'PAUSED';
          set(en, e);
        }
        return;
      case 'EngagementResumed':
        if (en) {
          en.status = 'ACTIVE';
          set(en, e);
        }
        return;
      case 'EngagementClosed':
        if (en) {
          en.status = 'CLOSED';
          en.outcome = event.data.outcome;
          en.close_note = event.data.note;
          en.closed_at = at;
          set(en, e);
        }
        return;
      default:
        throw new UnsupportedEvent(e, `unknown type ${(event as EngagementEvent).type}`);
    }
  }

  /**
   * INSERTs of the drafts, feedback and sessions folded so far, `chunk` rows
   * each, whole chunks only unless `all`; the rows leave the fold. Written
   * before the rest, they end the same: the tables have no foreign keys yet.
   */
  *takeFinished(schema: string, chunk: number, all = false): Generator<Statement> {
    for (const [shape, rows] of [
      [DRAFTS, this.drafts],
      [FEEDBACK, this.feedback],
      [SESSIONS, this.sessions],
    ] as [TableShape<unknown>, unknown[]][]) {
      while (rows.length >= chunk || (all && rows.length > 0)) yield insert(shape, rows.splice(0, chunk), schema);
    }
  }

  /** The projector's ON CONFLICT (practice_id, engagement_id, channel) DO UPDATE: counters summed, the first row's practice kept. */
  private addJobSearch(e: StoredEvent, engagementId: string, practice: string, channel: string, applications: number, interviews: number, offers: number): void {
    // bigint columns: anything but a whole number fails the projector's INSERT, and sums of them must stay exact
    for (const n of [applications, interviews, offers]) {
      if (!Number.isSafeInteger(n)) throw new UnsupportedEvent(e, `job-search figure ${JSON.stringify(n)} is not a whole number`);
    }
    const key = `${engagementId} ${channel}`;
    const row = this.jobSearch.get(key);
    if (!row) {
      this.jobSearch.set(key, { engagement_id: engagementId, practice_id: practice, channel, applications, interviews, offers });
      return;
    }
    row.applications += applications;
    row.interviews += interviews;
    row.offers += offers;
    if (![row.applications, row.interviews, row.offers].every(Number.isSafeInteger)) throw new UnsupportedEvent(e, 'job-search sums too large');
  }

  /**
   * The engagement's open / awaiting-feedback counts after one of its homework rows went from
   * status `before` (null: no row) to its status now: kept by difference, so a command's fold needs
   * only the homework its events touch, not every homework of the engagement (the cost of a
   * command must not grow with its engagement's history). The counts are those of a recount
   * over the engagement's homework rows, as long as every change of a row goes through here.
   */
  private counted(en: EngagementValues | undefined, e: StoredEvent, before: string | null, hw: HomeworkValues | undefined): void {
    if (!en) return;
    // a recount over the engagement's own rows: another engagement's row (no event names one) counts for none
    if (hw && hw.engagement_id === en.id) {
      en.open_homework_count += Number(OPEN.has(hw.status)) - Number(before !== null && OPEN.has(before));
      en.awaiting_feedback_count += Number(hw.status === 'SUBMITTED') - Number(before === 'SUBMITTED');
    }
    set(en, e);
  }
}

/** What every engagement UPDATE of the projector sets: the event's version and time. */
function set(en: EngagementValues, e: StoredEvent): void {
  en.version = e.version;
  en.updated_at = e.occurredAt;
}

/** An id as the fold keys it: one spelling per uuid value (lower case), as PostgreSQL compares them. */
function uuid(e: StoredEvent, value: unknown): string {
  if (typeof value === 'string' && CANONICAL_UUID.test(value)) return value; // the hot path: ids as the service writes them
  const id = typeof value === 'string' ? value.toLowerCase() : value;
  if (typeof id !== 'string' || !CANONICAL_UUID.test(id)) {
    throw new UnsupportedEvent(e, `id ${JSON.stringify(value)} is not a uuid (the fold keys rows by their text)`);
  }
  return id;
}

// ---------------------------------------------------------------------------
// Writing the folded rows: one INSERT ... SELECT FROM unnest(arrays) per chunk.

export interface Statement {
  table: string;
  rows: number;
  text: string;
  /** an array literal per column */
  values: string[];
}

interface TableShape<R> {
  table: string;
  /** what unnest yields, by name and type */
  columns: readonly (readonly [name: string, type: string])[];
  values: (r: R) => unknown[];
  /** the inserted columns and what is selected for them, when not `columns` as they are */
  insert?: string;
  select?: string;
}

const ENGAGEMENTS: TableShape<EngagementValues> = {
  table: 'engagements',
  columns: [
    ['id', 'uuid'],
    ['practice_id', 'text'],
    ['title', 'text'],
    ['status', 'text'],
    ['coach_id', 'text'],
    ['coach_name', 'text'],
    ['coach_email', 'text'],
    ['client_id', 'text'],
    ['client_name', 'text'],
    ['client_email', 'text'],
    ['intake', 'jsonb'],
    ['outcome', 'text'],
    ['close_note', 'text'],
    ['open_homework_count', 'int'],
    ['awaiting_feedback_count', 'int'],
    ['opened_at', 'timestamptz'],
    ['updated_at', 'timestamptz'],
    ['closed_at', 'timestamptz'],
    ['version', 'int'],
    ['coach_timezone', 'text'],
    ['client_timezone', 'text'],
  ],
  values: (r) => [
    r.id,
    r.practice_id,
    r.title,
    r.status,
    r.coach_id,
    r.coach_name,
    r.coach_email,
    r.client_id,
    r.client_name,
    r.client_email,
    r.intake,
    r.outcome,
    r.close_note,
    r.open_homework_count,
    r.awaiting_feedback_count,
    r.opened_at,
    r.updated_at,
    r.closed_at,
    r.version,
    r.coach_timezone,
    r.client_timezone,
  ],
};

const HOMEWORK: TableShape<HomeworkValues> = {
  table: 'homework',
  columns: [
    ['id', 'uuid'],
    ['engagement_id', 'uuid'],
    ['practice_id', 'text'],
    ['title', 'text'],
    ['instructions', 'text'],
    ['due_at', 'timestamptz'],
    ['status', 'text'],
    ['assigned_at', 'timestamptz'],
    ['latest_draft_id', 'uuid'],
    ['draft_count', 'int'],
    ['updated_at', 'timestamptz'],
  ],
  values: (r) => [r.id, r.engagement_id, r.practice_id, r.title, r.instructions, r.due_at, r.status, r.assigned_at, r.latest_draft_id, r.draft_count, r.updated_at],
};

const DRAFTS: TableShape<DraftValues> = {
  table: 'drafts',
  columns: [
    ['id', 'uuid'],
    ['homework_id', 'uuid'],
    ['engagement_id', 'uuid'],
    ['practice_id', 'text'],
    ['revision', 'int'],
    ['content', 'text'],
    ['submitted_at', 'timestamptz'],
  ],
  values: (r) => [r.id, r.homework_id, r.engagement_id, r.practice_id, r.revision, r.content, r.submitted_at],
};

const FEEDBACK_COLUMNS =
  'id, draft_id, homework_id, engagement_id, practice_id, verdict, comments, given_by_id, given_by_name, given_by_email, given_at';
const FEEDBACK: TableShape<FeedbackValues> = {
  table: 'feedback',
  columns: [
    ['id', 'uuid'],
    ['draft_id', 'uuid'],
    ['homework_id', 'uuid'],
    ['engagement_id', 'uuid'],
    ['practice_id', 'text'],
    ['verdict', 'text'],
    ['comments', 'text'],
    ['given_by_id', 'text'],
    ['given_by_name', 'text'],
    ['given_by_email', 'text'],
    ['given_at', 'timestamptz'],
    ['submitted_at', 'timestamptz'],
  ],
  values: (r) => [
    r.id,
    r.draft_id,
    r.homework_id,
    r.engagement_id,
    r.practice_id,
    r.verdict,
    r.comments,
    r.given_by_id,
    r.given_by_name,
    r.given_by_email,
    r.given_at,
    r.submitted_at,
  ],
  insert: `${FEEDBACK_COLUMNS}, turnaround_hours`,
  // the projector's expression, so the double precision value is the same to the last bit
  select: `${FEEDBACK_COLUMNS}, greatest(0, extract(epoch FROM (given_at - submitted_at)) / 3600.0)`,
};

const SESSIONS: TableShape<SessionValues> = {
  table: 'coaching_sessions',
  columns: [
    ['id', 'uuid'],
    ['engagement_id', 'uuid'],
    ['practice_id', 'text'],
    ['held_at', 'timestamptz'],
    ['duration_minutes', 'int'],
    ['summary', 'text'],
    ['logged_at', 'timestamptz'],
  ],
  values: (r) => [r.id, r.engagement_id, r.practice_id, r.held_at, r.duration_minutes, r.summary, r.logged_at],
};

const JOB_SEARCH: TableShape<JobSearchValues> = {
  table: 'job_search_stats',
  columns: [
    ['engagement_id', 'uuid'],
    ['practice_id', 'text'],
    ['channel', 'text'],
    ['applications', 'bigint'],
    ['interviews', 'bigint'],
    ['offers', 'bigint'],
  ],
  values: (r) => [r.engagement_id, r.practice_id, r.channel, r.applications, r.interviews, r.offers],
};

/**
 * The INSERTs that write the rest of the fold's rows into `schema`, once the
 * log is read, `chunk` rows each, made one at a time as they are asked for
 * (the arrays of all of them at once would double the memory the fold holds).
 */
export function* insertStatements(fold: ReadModelFold, schema: string, chunk: number): Generator<Statement> {
  yield* fold.takeFinished(schema, chunk, true);
  yield* chunks(ENGAGEMENTS, fold.engagements.values(), schema, chunk);
  yield* chunks(HOMEWORK, fold.homework.values(), schema, chunk);
  yield* chunks(JOB_SEARCH, fold.jobSearch.values(), schema, chunk);
}

/**
 * The statements that write a command's fold: its changed rows upserted, its
 * new drafts, feedback and sessions inserted, each `RETURNING *` (the
 * mutation's answer without a read-back). Rows and columns as `insertStatements`.
 */
export function upsertStatements(fold: ReadModelFold, schema: string): Statement[] {
  const changed = fold.changedRows();
  const out: Statement[] = [];
  const add = <R>(shape: TableShape<R>, rows: readonly R[], conflict: string | null) => {
    if (rows.length === 0) return;
    const s = insert(shape, rows, schema);
    const names = shape.columns.map(([name]) => name);
    const keys = conflict ? conflict.split(', ') : [];
    const update = names.filter((n) => !keys.includes(n)).map((n) => `${n} = EXCLUDED.${n}`).join(', ');
    const upsert = conflict ? ` ON CONFLICT (${conflict}) DO UPDATE SET ${update}` : '';
    out.push({ ...s, text: `${s.text}${upsert} RETURNING *` });
  };
  // the keys lead with practice_id (Citus-ready: migration 1764000000100)
  add(ENGAGEMENTS, changed.engagements, 'practice_id, id');
  add(HOMEWORK, changed.homework, 'practice_id, id');
  add(JOB_SEARCH, changed.jobSearch, 'practice_id, engagement_id, channel');
  add(DRAFTS, fold.drafts, null);
  add(FEEDBACK, fold.feedback, null);
  add(SESSIONS, fold.sessions, null);
  return out;
}

function* chunks<R>(shape: TableShape<R>, rows: Iterable<R>, schema: string, chunk: number): Generator<Statement> {
  let batch: R[] = [];
  for (const r of rows) {
    batch.push(r);
    if (batch.length >= chunk) {
      yield insert(shape, batch, schema);
      batch = [];
    }
  }
  if (batch.length > 0) yield insert(shape, batch, schema);
}

/** One INSERT of `rows`: an array literal per column, unnest()ed back into rows by PostgreSQL. */
function insert<R>(shape: TableShape<R>, rows: readonly R[], schema: string): Statement {
  const columns: unknown[][] = shape.columns.map(() => new Array<unknown>(rows.length));
  rows.forEach((r, i) => shape.values(r).forEach((v, c) => (columns[c]![i] = v)));
  const names = shape.columns.map(([name]) => name).join(', ');
  const arrays = shape.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  return {
    table: shape.table,
    rows: rows.length,
    text: `INSERT INTO ${schema}.${shape.table} (${shape.insert ?? names}) SELECT ${shape.select ?? names} FROM unnest(${arrays}) AS t(${names})`,
    values: columns.map((values, c) => arrayLiteral(values, shape.columns[c]![1])),
  };
}

/**
 * A PostgreSQL array literal of the values, element by element the text
 * node-postgres sends for them as a lone parameter (a Date as an instant to
 * the millisecond, a string as it is). Made here rather than by
 * node-postgres, which escapes every element with two regular expressions:
 * most of ours (ids, numbers, times) need no escaping.
 */
export function arrayLiteral(values: readonly unknown[], type = 'text'): string {
  // unquoted where the element cannot hold a delimiter: the fold's ids (checked lower-case uuids), numbers, instants
  const bare = type === 'uuid' || type === 'int' || type === 'bigint' || type === 'timestamptz';
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (bare && typeof v === 'number') parts[i] = String(v);
    else if (bare && v instanceof Date) parts[i] = v.toISOString();
    else if (bare && type === 'uuid' && typeof v === 'string' && CANONICAL_UUID.test(v)) parts[i] = v;
    else if (typeof v === 'string') parts[i] = quoted(v);
    else if (typeof v === 'number' || typeof v === 'boolean') parts[i] = quoted(String(v));
    else if (v instanceof Date) parts[i] = quoted(v.toISOString());
    else throw new UnsupportedValue(v);
  }
  return `{${parts.join(',')}}`;
}

/** Quoted, so NULL, empty strings, spaces, commas and braces stay text. */
function quoted(text: string): string {
  return text.includes('"') || text.includes('\\') ? `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` : `"${text}"`;
}

/** A value the array literal does not spell as node-postgres would (an object where the events hold text): fold nothing. */
export class UnsupportedValue extends Error {
  constructor(value: unknown) {
    super(`value ${JSON.stringify(value)} of type ${typeof value} in a column`);
    this.name = 'UnsupportedValue';
  }
}

/**
 * Runs the INSERTs on up to `concurrency` connections at once, each in a
 * transaction of its own; `push` waits while all of them are busy, so the
 * reader of the log never gets far ahead of the writes.
 */
export class BulkWriter {
  rows = 0;
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly concurrency: number,
  ) {}

  async push(statement: Statement): Promise<void> {
    while (this.running.size >= this.concurrency) await Promise.race(this.running);
    this.rethrow();
    const run: Promise<void> = this.run(statement)
      .catch((error: unknown) => void (this.failure ??= { error }))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Every INSERT done; throws the first failure. */
  async finish(): Promise<number> {
    await this.settle();
    this.rethrow();
    return this.rows;
  }

  /** Waits for what is running, whatever its outcome (before the tables are dropped). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }

  private async run(s: Statement): Promise<void> {
    const client = await this.pool.connect();
    try {
      // the copies can always be rebuilt: no need to wait for the WAL flush
      await client.query('BEGIN; SET LOCAL synchronous_commit = off');
      await client.query(s.text, s.values);
      await client.query('COMMIT');
      this.rows += s.rows;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/** JSON with Dates, Maps and Sets tagged ({"$date"}, {"$map"}, {"$set"}): the fold's snapshot form. */
function toTagged(v: unknown): unknown {
  if (v instanceof Date) return { $date: v.toISOString() };
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [k, toTagged(x)]) };
  if (v instanceof Set) return { $set: [...v].map(toTagged) };
  if (Array.isArray(v)) return v.map(toTagged);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toTagged(x)]));
  return v;
}

function fromTagged(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromTagged);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$date === 'string') return new Date(o.$date);
    if (Array.isArray(o.$map)) return new Map((o.$map as [string, unknown][]).map(([k, x]) => [k, fromTagged(x)]));
    if (Array.isArray(o.$set)) return new Set((o.$set as unknown[]).map(fromTagged));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromTagged(x)]));
  }
  return v;
}
