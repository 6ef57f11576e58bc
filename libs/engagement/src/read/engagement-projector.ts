import type { Queryable, StoredEvent } from '#event-store';
import { batch, inline } from '#platform';
import type { DraftRow, EngagementRow, FeedbackRow, HomeworkRow, SessionRow } from './read-models.js';
import { ReadModelFold, upsertStatements } from './read-model-fold.js';

/** Events that touch only the engagement row: a stream with nothing else needs none of its other rows loaded. */
const ENGAGEMENT_ROW_ONLY = new Set(['EngagementOpened', 'ReminderSent', 'ReminderHeld', 'DigestSent', 'EngagementPaused', 'EngagementResumed', 'EngagementClosed']);

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

  /**
   * The reads of every row a command on these streams may touch (engagement,
   * homework, job-search figures), for the caller to send in a round trip it
   * makes anyway (the command's load); their results go to `apply` as `prefetched`.
   */
  prefetchStatements(streamIds: readonly string[]): string[] {
    const ids = `'{${[...new Set(streamIds.map((id) => id.toLowerCase()))].filter((id) => UUID.test(id)).join(',')}}'::uuid[]`;
    return [
      `SELECT * FROM ${this.t('engagements')} WHERE id = ANY(${ids})`,
      `SELECT * FROM ${this.t('homework')} WHERE engagement_id = ANY(${ids})`,
      `SELECT * FROM ${this.t('job_search_stats')} WHERE engagement_id = ANY(${ids})`,
    ];
  }

  /**
   * Applies the events; returns the latest version of every row they wrote.
   * `prefetched`: the results of `prefetchStatements` for the events' streams,
   * read in this transaction under the streams' locks (so still current).
   */
  async apply(tx: Queryable, events: readonly StoredEvent[], prefetched?: readonly { rows: Record<string, unknown>[] }[]): Promise<ProjectedRows> {
    const out = emptyProjection();
    if (events.length === 0) return out;
    const fold = new ReadModelFold();
    if (prefetched) {
      const [engagements, homework, jobSearch] = prefetched as [{ rows: EngagementRow[] }, { rows: HomeworkRow[] }, { rows: JobSearchRow[] }];
      for (const r of engagements.rows) fold.seedEngagement(r);
      for (const r of homework.rows) fold.seedHomework(r);
      for (const r of jobSearch.rows) fold.seedJobSearch(r);
      await this.seedDraftTimes(tx, fold, events);
    } else {
      await this.seed(tx, fold, events);
    }
    for (const e of events) fold.apply(e);
    // every upsert in one round trip (a multi-statement query: their values inlined as literals)
    const statements = upsertStatements(fold, this.schema);
    const results = await batch(tx, statements.map((s) => inline(s.text, s.values)));
    statements.forEach((s, i) => {
      const into = { engagements: out.engagements, homework: out.homework, drafts: out.drafts, feedback: out.feedback, coaching_sessions: out.sessions }[s.table];
      if (into) for (const r of results[i]!.rows as { id: string }[]) (into as Map<string, unknown>).set(r.id, r);
    });
    return out;
  }

  /** The submission times of the drafts that feedback events answer (the only rows not prefetched). */
  private async seedDraftTimes(tx: Queryable, fold: ReadModelFold, events: readonly StoredEvent[]): Promise<void> {
    const drafts = events.flatMap((e) => (e.type === 'FeedbackGiven' ? [String((e.data as { draftId: unknown }).draftId).toLowerCase()] : []));
    const ids = drafts.filter((id) => UUID.test(id));
    if (ids.length === 0) return;
    const { rows } = await tx.query<{ id: string; submitted_at: Date }>(`SELECT id, submitted_at FROM ${this.t('drafts')} WHERE id = ANY($1::uuid[])`, [ids]);
    for (const r of rows) fold.seedDraftTime(r.id, r.submitted_at);
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
    // one round trip for all of them: a multi-statement query, the ids (checked uuids) inlined as literals
    const ids = (list: string[]) => `'{${uuids(list).join(',')}}'::uuid[]`;
    const wanted = [
      `SELECT * FROM ${this.t('engagements')} WHERE id = ANY(${ids(streams)})`,
      homework.length ? `SELECT * FROM ${this.t('homework')} WHERE engagement_id = ANY(${ids(homework)})` : null,
      jobSearch.length ? `SELECT * FROM ${this.t('job_search_stats')} WHERE engagement_id = ANY(${ids(jobSearch)})` : null,
      drafts.length ? `SELECT id, submitted_at FROM ${this.t('drafts')} WHERE id = ANY(${ids(drafts)})` : null,
    ];
    const results = await batch(tx, wanted.filter((q): q is string => q !== null));
    const next = (q: string | null) => (q === null ? { rows: [] } : results.shift()!);
    const [engagementRows, homeworkRows, jobSearchRows, draftRows] = wanted.map(next) as [
      { rows: EngagementRow[] },
      { rows: HomeworkRow[] },
      { rows: JobSearchRow[] },
      { rows: { id: string; submitted_at: Date }[] },
    ];
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
