import type pg from 'pg';
import type { Caller, GraphQLResponse, TestApi } from './api.js';
import { uniqueId } from './ids.js';

// Building blocks of the end-to-end tests: a practice's cast of callers, the
// contract's operations as documents, and helpers that drive an engagement
// through the real API and read what the event store holds.

/** Everyone a test needs in one practice, plus an admin of another practice. */
export interface Cast {
  practiceId: string;
  admin: Caller;
  /** the engagement's coach */
  coach: Caller;
  /** the engagement's client */
  client: Caller;
  /** a coach of the same practice who does not coach this engagement */
  otherCoach: Caller;
  /** a client of the same practice who is not this engagement's client */
  otherClient: Caller;
  /** an admin of another practice */
  foreignAdmin: Caller;
  /** a coach and a client of another practice (same ids as ours: ids are only unique within a practice) */
  foreignCoach: Caller;
  foreignClient: Caller;
}

export function newCast(label = 'practice'): Cast {
  const practiceId = uniqueId(label);
  const foreignPracticeId = uniqueId(`${label}-foreign`);
  return {
    practiceId,
    admin: { id: 'admin-1', role: 'ADMIN', practiceId, name: 'Ada Admin' },
    coach: { id: 'coach-mark', role: 'COACH', practiceId, name: 'Mark Coach', email: 'mark@example.com' },
    client: { id: 'client-sam', role: 'CLIENT', practiceId, name: 'Sam Senior', email: 'sam@example.com' },
    otherCoach: { id: 'coach-other', role: 'COACH', practiceId, name: 'Olga Coach' },
    otherClient: { id: 'client-other', role: 'CLIENT', practiceId, name: 'Oscar Client' },
    foreignAdmin: { id: 'admin-1', role: 'ADMIN', practiceId: foreignPracticeId, name: 'Foreign Admin' },
    foreignCoach: { id: 'coach-mark', role: 'COACH', practiceId: foreignPracticeId, name: 'Foreign Coach' },
    foreignClient: { id: 'client-sam', role: 'CLIENT', practiceId: foreignPracticeId, name: 'Foreign Client' },
  };
}

export const person = (c: Caller) => ({ id: c.id, name: c.name ?? c.id, ...(c.email ? { email: c.email } : {}) });

/** An hour from now, as the API takes a DateTime. */
export const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

export const Q = {
  viewer: `query { viewer { id role practiceId } }`,
  engagement: `query ($id: ID!) { engagement(id: $id) { id title status version } }`,
  engagements: `query ($filter: EngagementFilter, $first: Int, $after: String) {
    engagements(filter: $filter, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title status } }
    }
  }`,
  homework: `query ($id: ID!) { homework(id: $id) { id title status } }`,
  practiceDashboard: `query ($since: DateTime) {
    practiceDashboard(since: $since) {
      engagementsByStatus { status count } openHomework overdueHomework awaitingFeedback
      feedbackTurnaroundHoursP50 feedbackTurnaroundHoursP90 remindersSent
      jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }
      coaches { coach { id name email } activeEngagements awaitingFeedback overdueHomework }
    }
  }`,
  practiceSettings: `query { practiceSettings { webhookUrl webhookSecretSet emailReminders dueSoonOffsetsMinutes overdueAfterMinutes feedbackWindowMinutes } }`,
  timeline: `query ($id: ID!, $first: Int, $after: String) {
    engagement(id: $id) {
      id version
      timeline(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { cursor node { version type actorId actorRole occurredAt data } }
      }
    }
  }`,
} as const;

const ENGAGEMENT_FIELDS = 'id title status version openHomeworkCount awaitingFeedbackCount';

export const M = {
  openEngagement: `mutation ($input: OpenEngagementInput!) { openEngagement(input: $input) { ${ENGAGEMENT_FIELDS} } }`,
  recordIntake: `mutation ($input: RecordIntakeInput!) { recordIntake(input: $input) { ${ENGAGEMENT_FIELDS} } }`,
  assignHomework: `mutation ($input: AssignHomeworkInput!) { assignHomework(input: $input) { id title status dueAt } }`,
  submitDraft: `mutation ($input: SubmitDraftInput!) { submitDraft(input: $input) { id revision content } }`,
  giveFeedback: `mutation ($input: GiveFeedbackInput!) { giveFeedback(input: $input) { id verdict comments } }`,
  cancelHomework: `mutation ($input: CancelHomeworkInput!) { cancelHomework(input: $input) { id status } }`,
  logCoachingSession: `mutation ($input: LogCoachingSessionInput!) { logCoachingSession(input: $input) { id heldAt durationMinutes summary } }`,
  logJobSearchActivity: `mutation ($input: LogJobSearchActivityInput!) { logJobSearchActivity(input: $input) { ${ENGAGEMENT_FIELDS} } }`,
  pauseEngagement: `mutation ($input: PauseEngagementInput!) { pauseEngagement(input: $input) { ${ENGAGEMENT_FIELDS} } }`,
  resumeEngagement: `mutation ($input: ResumeEngagementInput!) { resumeEngagement(input: $input) { ${ENGAGEMENT_FIELDS} } }`,
  closeEngagement: `mutation ($input: CloseEngagementInput!) { closeEngagement(input: $input) { ${ENGAGEMENT_FIELDS} outcome closedAt } }`,
  updatePracticeSettings: `mutation ($input: UpdatePracticeSettingsInput!) {
    updatePracticeSettings(input: $input) { webhookUrl emailReminders dueSoonOffsetsMinutes overdueAfterMinutes feedbackWindowMinutes }
  }`,
} as const;

/** The data of a response that must have succeeded; fails with the errors otherwise. */
export function ok<T>(res: GraphQLResponse<T>): T {
  if (res.errors?.length || !res.data) {
    throw new Error(`expected success, got HTTP ${res.status}: ${JSON.stringify(res.errors ?? res.body)}`);
  }
  return res.data;
}

/** The one error of a refused operation. */
export function errorOf(res: GraphQLResponse<unknown>): { message: string; extensions: { code: string; [k: string]: unknown } } {
  if (!res.errors?.length) throw new Error(`expected an error, got ${JSON.stringify(res.body)}`);
  return res.errors[0]!;
}

export const codeOf = (res: GraphQLResponse<unknown>): string => errorOf(res).extensions.code;

export interface EngagementRef {
  id: string;
  version: number;
}

/** Drives one engagement through the API, step by step, as its coach and client would. */
export class Story {
  constructor(
    readonly api: TestApi,
    readonly cast: Cast,
  ) {}

  async open(title = 'Senior IT professional: job search', by: Caller = this.cast.coach): Promise<EngagementRef> {
    const data = ok(
      await this.api.gql<{ openEngagement: EngagementRef }>(
        M.openEngagement,
        { input: { coach: person(this.cast.coach), client: person(this.cast.client), title } },
        by,
      ),
    );
    return data.openEngagement;
  }

  async intake(engagementId: string, by: Caller = this.cast.coach): Promise<EngagementRef> {
    const data = ok(
      await this.api.gql<{ recordIntake: EngagementRef }>(
        M.recordIntake,
        {
          input: {
            engagementId,
            presentingQuestion: 'What am I doing wrong?',
            background: 'Senior IT professional with a well-documented track record',
            goals: ['Get interviews through networking'],
            currentStrategy: 'Answering postings on job boards',
            baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8 }],
          },
        },
        by,
      ),
    );
    return data.recordIntake;
  }

  async assign(engagementId: string, title = 'Articulate your hook', dueAt: string | null = inAnHour(), by: Caller = this.cast.coach) {
    const data = ok(
      await this.api.gql<{ assignHomework: { id: string; status: string } }>(
        M.assignHomework,
        { input: { engagementId, title, instructions: 'Script your elevator pitch around one hook', dueAt } },
        by,
      ),
    );
    return data.assignHomework;
  }

  async submit(homeworkId: string, content = 'My hook: I turn stalled IT programmes around.', by: Caller = this.cast.client) {
    const data = ok(
      await this.api.gql<{ submitDraft: { id: string; revision: number } }>(M.submitDraft, { input: { homeworkId, content } }, by),
    );
    return data.submitDraft;
  }

  async feedback(draftId: string, verdict: 'CHANGES_REQUESTED' | 'ACCEPTED', comments = 'Shorter, please.', by: Caller = this.cast.coach) {
    const data = ok(
      await this.api.gql<{ giveFeedback: { id: string; verdict: string } }>(M.giveFeedback, { input: { draftId, verdict, comments } }, by),
    );
    return data.giveFeedback;
  }

  async pause(engagementId: string, by: Caller = this.cast.coach): Promise<EngagementRef> {
    return ok(await this.api.gql<{ pauseEngagement: EngagementRef }>(M.pauseEngagement, { input: { engagementId, reason: 'holiday' } }, by))
      .pauseEngagement;
  }

  async close(engagementId: string, by: Caller = this.cast.coach): Promise<EngagementRef> {
    return ok(await this.api.gql<{ closeEngagement: EngagementRef }>(M.closeEngagement, { input: { engagementId, outcome: 'GOALS_MET' } }, by))
      .closeEngagement;
  }

  /** An ACTIVE engagement with one homework whose first draft awaits feedback. */
  async withDraft(): Promise<{ engagement: EngagementRef; homeworkId: string; draftId: string }> {
    const engagement = await this.open();
    await this.intake(engagement.id);
    const homework = await this.assign(engagement.id);
    const draft = await this.submit(homework.id);
    return { engagement, homeworkId: homework.id, draftId: draft.id };
  }
}

/** What the event store holds: read straight from PostgreSQL, not through the API. */
export class EventLog {
  constructor(readonly pool: pg.Pool) {}

  /** The stream's version (0: no stream). */
  async version(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ v: number }>('SELECT coalesce(max(version), 0)::int AS v FROM events WHERE stream_id = $1', [
      streamId,
    ]);
    return rows[0]!.v;
  }

  /** Events of every stream of a practice. */
  async countInPractice(practiceId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE practice_id = $1', [practiceId]);
    return rows[0]!.n;
  }

  async stream(streamId: string): Promise<{ version: number; type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[]> {
    const { rows } = await this.pool.query(
      'SELECT version, type, data, metadata FROM events WHERE stream_id = $1 ORDER BY version',
      [streamId],
    );
    return rows;
  }
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * A stored event's data as a reader sees it: its sealed personal fields (`{ $sealed }`, README "The
 * history") replaced by the text `shown` holds at the same path — only where `shown` has a string
 * there, so a missing or non-text field still differs. Compares "what was stored" with what the API
 * answered, nothing less and nothing more.
 */
export function withSealsOpenedAs(raw: unknown, shown: unknown): unknown {
  if (raw && typeof raw === 'object' && '$sealed' in raw) return typeof shown === 'string' ? shown : raw;
  if (Array.isArray(raw)) return raw.map((r, i) => withSealsOpenedAs(r, Array.isArray(shown) ? shown[i] : undefined));
  if (raw && typeof raw === 'object') {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, withSealsOpenedAs(v, (shown as Record<string, unknown> | undefined)?.[k])]));
  }
  return raw;
}
