import type { StoredEvent } from '#event-store';
import { evolve } from '../domain/decider.js';
import type { EngagementEvent } from '../domain/events.js';
import { initialState, type EngagementState } from '../domain/decider.js';
import { ReadModelFold } from '../read/read-model-fold.js';
import {
  toDraft,
  toEngagement,
  toFeedback,
  toHomework,
  toSession,
  type DraftModel,
  type EngagementModel,
  type EngagementRow,
  type FeedbackModel,
  type FeedbackRow,
  type HomeworkModel,
  type HomeworkRow,
  type JobSearchRow,
  type SessionModel,
  type SessionRow,
} from '../read/read-models.js';

// Time travel: an engagement as it stood at a past version, computed by
// folding its stream up to that version with the two definitions the service
// already has, no third one:
// - the write side's `evolve` (domain/decider.ts): the decider's state, which
//   says whether the engagement existed then and its status;
// - the read models' one fold (read/read-model-fold.ts): the very rows the
//   tables held after that event, turned into the GraphQL models by the same
//   `to…` mappers the live read uses.
// The models of a past view carry it (a symbol property GraphQL never sees),
// so the nested field resolvers (homework → drafts → feedback, sessions,
// jobSearch, timeline) answer from the folded rows instead of the tables.

const PAST = Symbol('pastView');

/** The past view a model belongs to (undefined: a live model, read from the tables). */
export function pastViewOf(model: object | null | undefined): PastView | undefined {
  return model ? (model as { [PAST]?: PastView })[PAST] : undefined;
}

function mark<T extends object>(model: T, view: PastView): T {
  Object.defineProperty(model, PAST, { value: view, enumerable: false });
  return model;
}

/** Where to stop: after this version, or after the last event at or before this instant. */
export interface PastPoint {
  asOf?: Date | null;
  asOfVersion?: number | null;
}

/** The engagement model of a past view: which point it shows. */
export type PastEngagementModel = EngagementModel & { asOf: Date };

export class PastView {
  readonly engagement: PastEngagementModel;
  /** the decider's state at that version (evolve over the same events) */
  readonly state: EngagementState;
  readonly homework: HomeworkModel[];
  readonly sessions: SessionModel[];
  readonly jobSearch: JobSearchRow[];
  readonly overdueCount: number;
  private readonly homeworkById = new Map<string, HomeworkModel>();
  private readonly draftsByHomework = new Map<string, DraftModel[]>();
  private readonly draftById = new Map<string, DraftModel>();
  private readonly feedbackByDraft = new Map<string, FeedbackModel>();

  private constructor(
    fold: ReadModelFold,
    engagementId: string,
    state: EngagementState,
    /** the stream's events after `fromVersion` up to the view's version (the past timeline's end) */
    readonly events: readonly StoredEvent[],
    /** the version of the snapshot the view started from (0: none, `events` is the whole stream up to the view) */
    readonly fromVersion: number,
    /** the instant the view shows: what `overdue` is measured against */
    readonly asOf: Date,
  ) {
    this.state = state;
    const row = fold.engagements.get(engagementId)!;
    const engagement = toEngagement({ ...row, intake: row.intake === null ? null : JSON.parse(row.intake) } as unknown as EngagementRow);
    this.engagement = mark({ ...engagement, asOf }, this);

    const homeworkRows = [...fold.homework.values()]
      .filter((h) => h.engagement_id === engagementId)
      // the loaders' ORDER BY assigned_at, id
      .sort((a, b) => a.assigned_at.getTime() - b.assigned_at.getTime() || compare(a.id, b.id));
    this.homework = homeworkRows.map((h) =>
      mark(toHomework({ ...h, due_at: h.due_at === null ? null : new Date(h.due_at) } as unknown as HomeworkRow, asOf), this),
    );
    for (const h of this.homework) this.homeworkById.set(h.id, h);
    this.overdueCount = this.homework.filter((h) => h.overdue).length;

    for (const d of [...fold.drafts].sort((a, b) => a.revision - b.revision)) {
      if (d.engagement_id !== engagementId) continue;
      const draft = mark(toDraft(d as unknown as Parameters<typeof toDraft>[0]), this);
      this.draftById.set(draft.id, draft);
      const list = this.draftsByHomework.get(draft.homeworkId);
      if (list) list.push(draft);
      else this.draftsByHomework.set(draft.homeworkId, [draft]);
    }
    for (const f of fold.feedback) {
      if (f.engagement_id === engagementId) this.feedbackByDraft.set(f.draft_id, mark(toFeedback(f as unknown as FeedbackRow), this));
    }
    this.sessions = fold.sessions
      .filter((s) => s.engagement_id === engagementId)
      .map((s) => ({ ...s, held_at: new Date(s.held_at) }))
      // the loaders' ORDER BY held_at, id
      .sort((a, b) => a.held_at.getTime() - b.held_at.getTime() || compare(a.id, b.id))
      .map((s) => mark(toSession(s as unknown as SessionRow), this));
    this.jobSearch = [...fold.jobSearch.values()]
      .filter((j) => j.engagement_id === engagementId)
      .map((j) => ({ channel: j.channel, applications: j.applications, interviews: j.interviews, offers: j.offers }) as JobSearchRow);
  }

  /**
   * The engagement after `events` (its stream in order: from version 1, or
   * from just after `start`, a time-travel snapshot), cut at `point`; null
   * when it did not exist yet then. Events of another practice are not part
   * of the view (as the timeline leaves them out).
   */
  static fold(engagementId: string, practiceId: string, events: readonly StoredEvent[], point: PastPoint, start: FoldPoint | null = null): PastView | null {
    const { point: end, shown } = foldOnto(start, practiceId, takeUntil(events, point));
    if (end.state.status === 'NONE' || !end.fold.engagements.has(engagementId) || end.lastOccurredAt === null) return null;
    return new PastView(end.fold, engagementId, end.state, shown, start?.version ?? 0, point.asOf ?? end.lastOccurredAt);
  }

  /** A view of the rows an ongoing fold holds now (for `changes`: one per event). */
  static ofFold(fold: ReadModelFold, engagementId: string, at: Date): PastView | null {
    if (!fold.engagements.has(engagementId)) return null;
    return new PastView(fold, engagementId, initialState(), [], 0, at);
  }

  homeworkOne(id: string): HomeworkModel | null {
    return this.homeworkById.get(id) ?? null;
  }

  draftsOf(homeworkId: string): DraftModel[] {
    return this.draftsByHomework.get(homeworkId) ?? [];
  }

  draft(id: string): DraftModel | null {
    return this.draftById.get(id) ?? null;
  }

  feedbackOf(draftId: string): FeedbackModel | null {
    return this.feedbackByDraft.get(draftId) ?? null;
  }

  /**
   * The view as one JSON document, collections keyed by id (channel for the
   * job search), times as ISO strings: what `changes` compares. The
   * bookkeeping every event moves (version, updatedAt) is left out.
   */
  document(): Record<string, unknown> {
    const e = this.engagement;
    const iso = (d: Date | null) => (d === null ? null : d.toISOString());
    return {
      title: e.title,
      status: e.status,
      coach: e.coach,
      client: e.client,
      intake: e.intake ? { ...e.intake, recordedAt: iso(e.intake.recordedAt) } : null,
      outcome: e.outcome,
      openHomeworkCount: e.openHomeworkCount,
      awaitingFeedbackCount: e.awaitingFeedbackCount,
      openedAt: iso(e.openedAt),
      closedAt: iso(e.closedAt),
      homework: Object.fromEntries(
        this.homework.map((h) => [
          h.id,
          {
            title: h.title,
            instructions: h.instructions,
            dueAt: iso(h.dueAt),
            status: h.status,
            assignedAt: iso(h.assignedAt),
            drafts: Object.fromEntries(
              this.draftsOf(h.id).map((d) => {
                const f = this.feedbackOf(d.id);
                return [
                  d.id,
                  {
                    revision: d.revision,
                    content: d.content,
                    submittedAt: iso(d.submittedAt),
                    feedback: f ? { verdict: f.verdict, comments: f.comments, givenBy: f.givenBy, givenAt: iso(f.givenAt) } : null,
                  },
                ];
              }),
            ),
          },
        ]),
      ),
      sessions: Object.fromEntries(this.sessions.map((s) => [s.id, { heldAt: iso(s.heldAt), durationMinutes: s.durationMinutes, summary: s.summary }])),
      jobSearch: Object.fromEntries(
        this.jobSearch.map((j) => [j.channel, { applications: Number(j.applications), interviews: Number(j.interviews), offers: Number(j.offers) }]),
      ),
    };
  }
}

/** Where a fold of a stream stands: after `version`, the decider's state and the read models' rows. */
export interface FoldPoint {
  version: number;
  state: EngagementState;
  fold: ReadModelFold;
  /** the `occurredAt` of the last event of the practice folded (null: none yet) */
  lastOccurredAt: Date | null;
  /** the latest `occurredAt` of every event up to `version` (null: none yet): the `asOf` instants it can serve */
  maxOccurredAt: Date | null;
}

/**
 * Folds `events` (the stream after `start`, in order) onto `start` (null:
 * the empty stream) with the write side's `evolve` and the read models' fold;
 * events of another practice are skipped. `start`'s fold is taken over, not
 * copied. The events folded are returned with the point reached.
 */
export function foldOnto(start: FoldPoint | null, practiceId: string, events: readonly StoredEvent[]): { point: FoldPoint; shown: StoredEvent[] } {
  const fold = start?.fold ?? new ReadModelFold();
  let state = start?.state ?? initialState();
  let version = start?.version ?? 0;
  let lastOccurredAt = start?.lastOccurredAt ?? null;
  let maxOccurredAt = start?.maxOccurredAt ?? null;
  const shown: StoredEvent[] = [];
  for (const e of events) {
    version = e.version;
    if (maxOccurredAt === null || e.occurredAt.getTime() > maxOccurredAt.getTime()) maxOccurredAt = e.occurredAt;
    if (e.metadata.practiceId !== practiceId) continue;
    fold.apply(e);
    state = evolve(state, { type: e.type, data: e.data } as EngagementEvent);
    lastOccurredAt = e.occurredAt;
    shown.push(e);
  }
  return { point: { version, state, fold, lastOccurredAt, maxOccurredAt }, shown };
}

/** The stream's prefix up to the point: versions up to asOfVersion, events that occurred at or before asOf. */
export function takeUntil(events: readonly StoredEvent[], point: PastPoint): readonly StoredEvent[] {
  let end = events.length;
  if (point.asOfVersion != null) {
    const i = events.findIndex((e) => e.version > point.asOfVersion!);
    if (i >= 0) end = i;
  }
  if (point.asOf != null) {
    const limit = point.asOf.getTime();
    const i = events.findIndex((e) => e.occurredAt.getTime() > limit);
    if (i >= 0) end = Math.min(end, i);
  }
  return events.slice(0, end);
}

/** PostgreSQL's uuid order is the text order of the lower-case spelling the fold keys by. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
