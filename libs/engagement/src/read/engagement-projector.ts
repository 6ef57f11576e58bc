import type { Queryable, StoredEvent } from '#event-store';
import { batch, inline } from '#platform';
import type { DraftRow, EngagementRow, FeedbackRow, HomeworkRow, SessionRow } from './read-models.js';
import { arrayLiteral, ReadModelFold, upsertStatements } from './read-model-fold.js';

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
   * The reads of the rows a command on this stream of one practice will likely touch, for the caller
   * to send in a round trip it makes anyway (the command's load); their results go to `prepare` as
   * `prefetched`: the engagement row, its job-search figures, the homework rows the command names
   * (`homeworkIds`) and the drafts it answers (`draftIds`: each draft's time and its homework row).
   * A guess, not a promise: `prepare` loads whatever the events turn out to touch beyond it.
   */
  prefetchStatements(practiceId: string, streamId: string, named: { homeworkIds?: readonly string[]; draftIds?: readonly string[] } = {}): string[] {
    const keys = (ids: readonly string[] = []) => ids.map((id) => [practiceId, id] as const);
    const drafts = keys(named.draftIds);
    return [
      this.rowsOf('engagements', 'id', keys([streamId])),
      this.rowsOf('job_search_stats', 'engagement_id', keys([streamId])),
      this.rowsOf('homework', 'id', keys(named.homeworkIds)),
      this.rowsOf('drafts', 'id', drafts, 't.id, t.submitted_at'),
      // the answered drafts' homework (the command names the draft only)
      this.rowsOf('drafts', 'id', drafts, 'h.*', `JOIN ${this.t('homework')} h ON h.practice_id = t.practice_id AND h.id = t.homework_id`),
    ];
  }

  /**
   * The rows of `table` whose `column` is one of the ids, each in its practice. The practice is named
   * in the statement (every key leads with practice_id): without it the row-level security policy's
   * OR keeps the index out, and a command's read of its engagement's homework scanned every practice's
   * homework (20,000 rows, 9 ms, growing with the service's size).
   */
  private rowsOf(table: string, column: string, keys: readonly (readonly [practiceId: string, id: string])[], select = 't.*', join = ''): string {
    const pairs = new Map<string, readonly [string, string]>();
    for (const [practiceId, id] of keys) {
      const lower = id.toLowerCase();
      if (UUID.test(lower)) pairs.set(`${practiceId}\n${lower}`, [practiceId, lower]);
    }
    const practices = new Set([...pairs.values()].map(([p]) => p));
    const ids = `'${arrayLiteral([...pairs.values()].map(([, id]) => id), 'uuid')}'::uuid[]`;
    if (practices.size <= 1) {
      const practiceId = [...practices][0] ?? '';
      return inline(`SELECT ${select} FROM ${this.t(table)} t ${join} WHERE t.practice_id = $1 AND t.${column} = ANY(${ids})`, [practiceId]);
    }
    // several practices (a rebuild's batch): one probe per pair
    return inline(
      `SELECT ${select} FROM ${this.t(table)} t JOIN unnest($1::text[], ${ids}) AS k(practice_id, id) ON t.practice_id = k.practice_id AND t.${column} = k.id ${join}`,
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
    const jobSearchOf = new Set<string>();
    if (prefetched) {
      const [engagements, jobSearch, homework, drafts, answered] = prefetched as [
        { rows: EngagementRow[] },
        { rows: JobSearchRow[] },
        { rows: HomeworkRow[] },
        { rows: { id: string; submitted_at: Date }[] },
        { rows: HomeworkRow[] },
      ];
      for (const r of engagements.rows) fold.seedEngagement(r);
      for (const r of jobSearch.rows) fold.seedJobSearch(r);
      for (const r of [...homework.rows, ...answered.rows]) if (!fold.homework.has(r.id)) fold.seedHomework(r);
      for (const r of drafts.rows) fold.seedDraftTime(r.id, r.submitted_at);
      for (const e of events) jobSearchOf.add(`${e.metadata.practiceId}\n${e.streamId}`);
    }
    await this.seedTouched(tx, fold, events, jobSearchOf);
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

  /**
   * Loads into the fold the rows the events will read or change that it does not hold yet, in one
   * round trip (none when the prefetch guessed them all): each stream's engagement row, the homework
   * rows the events name, the answered drafts' times and, for events that add to them, the
   * job-search figures (`jobSearchOf`: the streams whose figures are loaded already). Only those: a
   * command's cost does not grow with its engagement's homework.
   */
  private async seedTouched(tx: Queryable, fold: ReadModelFold, events: readonly StoredEvent[], jobSearchOf: Set<string>): Promise<void> {
    const engagements = new Map<string, readonly [string, string]>();
    const homework = new Map<string, readonly [string, string]>();
    const drafts = new Map<string, readonly [string, string]>();
    const jobSearch = new Map<string, readonly [string, string]>();
    const assigned = new Set<string>();
    const submitted = new Set<string>();
    for (const e of events) {
      const practice = e.metadata.practiceId;
      const stream = `${practice}\n${e.streamId}`;
      if (!fold.engagements.has(e.streamId)) engagements.set(stream, [practice, e.streamId]);
      const data = e.data as { homeworkId?: unknown; draftId?: unknown; baseline?: unknown };
      if (e.type === 'HomeworkAssigned') assigned.add(String(data.homeworkId).toLowerCase());
      else if (HOMEWORK_EVENTS.has(e.type)) {
        const id = String(data.homeworkId).toLowerCase();
        if (!fold.homework.has(id) && !assigned.has(id)) homework.set(`${practice}\n${id}`, [practice, id]);
      }
      if (e.type === 'DraftSubmitted') submitted.add(String(data.draftId).toLowerCase());
      if (e.type === 'FeedbackGiven') {
        const id = String(data.draftId).toLowerCase();
        if (!fold.knowsDraft(id) && !submitted.has(id)) drafts.set(`${practice}\n${id}`, [practice, id]);
      }
      if ((e.type === 'IntakeRecorded' || e.type === 'JobSearchActivityLogged') && !jobSearchOf.has(stream)) jobSearch.set(stream, [practice, e.streamId]);
    }
    const wanted = [
      engagements.size ? this.rowsOf('engagements', 'id', [...engagements.values()]) : null,
      homework.size ? this.rowsOf('homework', 'id', [...homework.values()]) : null,
      drafts.size ? this.rowsOf('drafts', 'id', [...drafts.values()], 't.id, t.submitted_at') : null,
      jobSearch.size ? this.rowsOf('job_search_stats', 'engagement_id', [...jobSearch.values()]) : null,
    ];
    const results = await batch(tx, wanted.filter((q): q is string => q !== null));
    const next = (q: string | null) => (q === null ? { rows: [] } : results.shift()!);
    const [engagementRows, homeworkRows, draftRows, jobSearchRows] = wanted.map(next) as unknown as [
      { rows: EngagementRow[] },
      { rows: HomeworkRow[] },
      { rows: { id: string; submitted_at: Date }[] },
      { rows: JobSearchRow[] },
    ];
    for (const r of engagementRows.rows) fold.seedEngagement(r);
    for (const r of homeworkRows.rows) fold.seedHomework(r);
    for (const r of draftRows.rows) fold.seedDraftTime(r.id, r.submitted_at);
    for (const r of jobSearchRows.rows) fold.seedJobSearch(r);
  }
}

/** Events that change one existing homework row, named by `homeworkId`. */
const HOMEWORK_EVENTS = new Set(['DraftSubmitted', 'FeedbackGiven', 'HomeworkCancelled', 'HomeworkRescheduled']);

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
