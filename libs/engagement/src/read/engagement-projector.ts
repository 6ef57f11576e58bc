import type { Queryable, StoredEvent } from '#event-store';
import { batch, inline } from '#platform';
import type { DraftRow, EngagementRow, FeedbackRow, HomeworkRow, SessionRow } from './read-models.js';
import { arrayLiteral, ReadModelFold, upsertStatements } from './read-model-fold.js';

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
   * The reads of every row a command on these streams of one practice may touch (engagement,
   * homework, job-search figures), for the caller to send in a round trip it makes anyway (the
   * command's load); their results go to `apply` as `prefetched`.
   */
  prefetchStatements(practiceId: string, streamIds: readonly string[]): string[] {
    const keys = streamIds.map((id) => [practiceId, id] as const);
    return [this.rowsOf('engagements', 'id', keys), this.rowsOf('homework', 'engagement_id', keys), this.rowsOf('job_search_stats', 'engagement_id', keys)];
  }

  /**
   * The rows of `table` whose `column` is one of the ids, each in its practice. The practice is named
   * in the statement (every key leads with practice_id): without it the row-level security policy's
   * OR keeps the index out, and a command's read of its engagement's homework scanned every practice's
   * homework (20,000 rows, 9 ms, growing with the service's size).
   */
  private rowsOf(table: string, column: string, keys: readonly (readonly [practiceId: string, id: string])[], select = 't.*'): string {
    const pairs = new Map<string, readonly [string, string]>();
    for (const [practiceId, id] of keys) {
      const lower = id.toLowerCase();
      if (UUID.test(lower)) pairs.set(`${practiceId}\n${lower}`, [practiceId, lower]);
    }
    const practices = new Set([...pairs.values()].map(([p]) => p));
    const ids = `'${arrayLiteral([...pairs.values()].map(([, id]) => id), 'uuid')}'::uuid[]`;
    if (practices.size <= 1) {
      const practiceId = [...practices][0] ?? '';
      return inline(`SELECT ${select} FROM ${this.t(table)} t WHERE t.practice_id = $1 AND t.${column} = ANY(${ids})`, [practiceId]);
    }
    // several practices (a rebuild's batch): one probe per pair
    return inline(
      `SELECT ${select} FROM ${this.t(table)} t JOIN unnest($1::text[], ${ids}) AS k(practice_id, id) ON t.practice_id = k.practice_id AND t.${column} = k.id`,
      [arrayLiteral([...pairs.values()].map(([p]) => p))],
    );
  }

  /**
   * Applies the events; returns the latest version of every row they wrote.
   * `prefetched`: the results of `prefetchStatements` for the events' streams,
   * read in this transaction under the streams' locks (so still current).
   */
  async apply(tx: Queryable, events: readonly StoredEvent[], prefetched?: readonly { rows: Record<string, unknown>[] }[]): Promise<ProjectedRows> {
    const upserts = await this.prepare(tx, events, prefetched);
    return upserts.written(await batch(tx, upserts.statements));
  }

  /**
   * `apply` for a caller that sends the writes in a round trip of its own (a command: with its
   * append and COMMIT): the upserts, values written in, and the rows they wrote from their results.
   */
  async prepare(tx: Queryable, events: readonly StoredEvent[], prefetched?: readonly { rows: Record<string, unknown>[] }[]): Promise<PreparedProjection> {
    const out = emptyProjection();
    if (events.length === 0) return { statements: [], written: () => out };
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
    const statements = upsertStatements(fold, this.schema);
    return {
      statements: statements.map((s) => inline(s.text, s.values)),
      written: (results) => {
        statements.forEach((s, i) => {
          const into = { engagements: out.engagements, homework: out.homework, drafts: out.drafts, feedback: out.feedback, coaching_sessions: out.sessions }[s.table];
          if (into) for (const r of results[i]!.rows as { id: string }[]) (into as Map<string, unknown>).set(r.id, r);
        });
        return out;
      },
    };
  }

  /** The submission times of the drafts that feedback events answer (the only rows not prefetched). */
  private async seedDraftTimes(tx: Queryable, fold: ReadModelFold, events: readonly StoredEvent[]): Promise<void> {
    const drafts = draftsAnswered(events);
    if (drafts.length === 0) return;
    const { rows } = await tx.query<{ id: string; submitted_at: Date }>(this.rowsOf('drafts', 'id', drafts, 't.id, t.submitted_at'));
    for (const r of rows) fold.seedDraftTime(r.id, r.submitted_at);
  }

  /** The current rows the events may change or read, into the fold. */
  private async seed(tx: Queryable, fold: ReadModelFold, events: readonly StoredEvent[]): Promise<void> {
    const key = (e: StoredEvent) => [e.metadata.practiceId, e.streamId] as const;
    const streams = events.map(key);
    // every row the fold may touch, unless the events touch only the engagement row (reminder batches, lifecycle):
    // a new event type is covered without being listed here
    const homework = events.filter((e) => !ENGAGEMENT_ROW_ONLY.has(e.type)).map(key);
    const drafts = draftsAnswered(events);
    // one round trip for all of them: a multi-statement query, the keys inlined as literals
    const wanted = [
      this.rowsOf('engagements', 'id', streams),
      homework.length ? this.rowsOf('homework', 'engagement_id', homework) : null,
      homework.length ? this.rowsOf('job_search_stats', 'engagement_id', homework) : null,
      drafts.length ? this.rowsOf('drafts', 'id', drafts, 't.id, t.submitted_at') : null,
    ];
    const results = await batch(tx, wanted.filter((q): q is string => q !== null));
    const next = (q: string | null) => (q === null ? { rows: [] } : results.shift()!);
    const [engagementRows, homeworkRows, jobSearchRows, draftRows] = wanted.map(next) as unknown as [
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

/** The drafts that feedback events answer, each in its practice. */
function draftsAnswered(events: readonly StoredEvent[]): (readonly [string, string])[] {
  return events.flatMap((e) => (e.type === 'FeedbackGiven' ? [[e.metadata.practiceId, String((e.data as { draftId: unknown }).draftId)] as const] : []));
}

/** A projection's writes for the caller's round trip (`EngagementProjector.prepare`). */
export interface PreparedProjection {
  /** the upserts, values written in, one statement each */
  statements: string[];
  /** the rows written, from the statements' results (in order) */
  written(results: readonly { rows: Record<string, unknown>[] }[]): ProjectedRows;
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
