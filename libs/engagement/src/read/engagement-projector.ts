import type { Queryable, StoredEvent } from '#event-store';
import type { DraftRow, EngagementRow, FeedbackRow, HomeworkRow, SessionRow } from './read-models.js';
import { ReadModelFold, upsertStatements } from './read-model-fold.js';

/** Events that touch only the engagement row: a stream with nothing else needs none of its other rows loaded. */
const ENGAGEMENT_ROW_ONLY = new Set(['EngagementOpened', 'ReminderSent', 'ReminderHeld', 'EngagementPaused', 'EngagementResumed', 'EngagementClosed']);

/**
 * Projects engagement events into the read models (engagements, homework,
 * drafts, feedback, coaching_sessions, job_search_stats) with the read
 * models' one definition, ReadModelFold: the rows the events touch are
 * loaded (a few statements for any number of events and engagements), the
 * events folded, the changed rows upserted. Runs inside the command's
 * transaction, so a mutation's answer reads its own write; the rebuild runs
 * the same fold, batched, into another schema.
 */
export class EngagementProjector {
  constructor(private readonly schema = 'public') {}

  private t(table: string): string {
    return `${this.schema}.${table}`;
  }

  /** Applies the events; returns the latest version of every row they wrote. */
  async apply(tx: Queryable, events: readonly StoredEvent[]): Promise<ProjectedRows> {
    const out = emptyProjection();
    if (events.length === 0) return out;
    const fold = new ReadModelFold();
    await this.seed(tx, fold, events);
    for (const e of events) fold.apply(e);
    for (const s of upsertStatements(fold, this.schema)) {
      const { rows } = await tx.query(s.text, s.values);
      const into = { engagements: out.engagements, homework: out.homework, drafts: out.drafts, feedback: out.feedback, coaching_sessions: out.sessions }[s.table];
      if (into) for (const r of rows as { id: string }[]) (into as Map<string, unknown>).set(r.id, r);
    }
    return out;
  }

  /** The current rows the events may change or read, into the fold. */
  private async seed(tx: Queryable, fold: ReadModelFold, events: readonly StoredEvent[]): Promise<void> {
    const streams = [...new Set(events.map((e) => e.streamId.toLowerCase()))];
    // every row the fold may touch, unless the events touch only the engagement row (reminder batches, lifecycle):
    // a new event type is covered without being listed here
    const homework = [...new Set(events.filter((e) => !ENGAGEMENT_ROW_ONLY.has(e.type)).map((e) => e.streamId.toLowerCase()))];
    const jobSearch = homework;
    const drafts = events.flatMap((e) => (e.type === 'FeedbackGiven' ? [String((e.data as { draftId: unknown }).draftId).toLowerCase()] : []));
    const uuids = (ids: string[]) => ids.filter((id) => UUID.test(id));
    const [engagementRows, homeworkRows, jobSearchRows, draftRows] = await Promise.all([
      tx.query<EngagementRow>(`SELECT * FROM ${this.t('engagements')} WHERE id = ANY($1::uuid[])`, [uuids(streams)]),
      homework.length
        ? tx.query<HomeworkRow>(`SELECT * FROM ${this.t('homework')} WHERE engagement_id = ANY($1::uuid[])`, [uuids(homework)])
        : { rows: [] as HomeworkRow[] },
      jobSearch.length
        ? tx.query<JobSearchRow>(`SELECT * FROM ${this.t('job_search_stats')} WHERE engagement_id = ANY($1::uuid[])`, [uuids(jobSearch)])
        : { rows: [] as JobSearchRow[] },
      drafts.length
        ? tx.query<{ id: string; submitted_at: Date }>(`SELECT id, submitted_at FROM ${this.t('drafts')} WHERE id = ANY($1::uuid[])`, [uuids(drafts)])
        : { rows: [] as { id: string; submitted_at: Date }[] },
    ]);
    for (const r of engagementRows.rows) fold.seedEngagement(r);
    for (const r of homeworkRows.rows) fold.seedHomework(r);
    for (const r of jobSearchRows.rows) fold.seedJobSearch(r);
    for (const r of draftRows.rows) fold.seedDraftTime(r.id, r.submitted_at);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface JobSearchRow extends Record<string, unknown> {
  engagement_id: string;
  practice_id: string;
  channel: string;
  applications: string;
  interviews: string;
  offers: string;
}

/** The rows a command's events wrote, by table and id (the latest version of each). */
export interface ProjectedRows {
  engagements: Map<string, EngagementRow>;
  homework: Map<string, HomeworkRow>;
  drafts: Map<string, DraftRow>;
  feedback: Map<string, FeedbackRow>;
  sessions: Map<string, SessionRow>;
}

function emptyProjection(): ProjectedRows {
  return { engagements: new Map(), homework: new Map(), drafts: new Map(), feedback: new Map(), sessions: new Map() };
}
