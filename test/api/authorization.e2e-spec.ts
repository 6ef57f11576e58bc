// Who may do what: every query and mutation of the contract, called by each
// kind of caller, against the real API. The table below is the documentation
// (PRODUCT.md "Authentication and roles" and the contract's role notes):
//
//   - ADMIN sees and does everything in its own practice;
//   - a COACH, the engagements it coaches; a CLIENT, its own engagements;
//   - within the practice, someone else's engagement is FORBIDDEN;
//   - another practice's engagement, homework or draft does not exist for the
//     caller: NOT_FOUND, the same answer as for an id that exists nowhere —
//     even for a caller whose person id equals ours (ids are per practice);
//   - practice-wide operations act on the caller's OWN practice.
//
// Each cell that may change our engagement runs on a fresh engagement of a
// fresh practice, so an allowed change never feeds the next cell; the cells of
// one operation that must change nothing of ours share one. Every cell checks
// the event store: an allowed mutation appended exactly one event, by that
// caller, in that caller's practice; a refusal appended nothing anywhere.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import { buildSchema } from 'graphql';
import type pg from 'pg';
import type { Caller, GraphQLResponse } from '../support/api.js';
import { TestApi } from '../support/api.js';
import { testPool } from '../support/db.js';
import { EventLog, M, Q, Story, inAnHour, mapLimit, newCast, type Cast } from '../support/engagements.js';
import { CONTRACT_URL } from '../support/schema.js';

jest.setTimeout(60_000);

/** OK: done on our engagement / practice. OWN: done, but only in the caller's own practice — none of our data. */
type Outcome = 'OK' | 'OWN' | 'FORBIDDEN' | 'NOT_FOUND';
const OK: Outcome = 'OK';
const OWN: Outcome = 'OWN';
const FORBIDDEN: Outcome = 'FORBIDDEN';
const NOT_FOUND: Outcome = 'NOT_FOUND';

const CALLERS = ['admin', 'coach', 'client', 'otherCoach', 'otherClient', 'foreignAdmin', 'foreignCoach', 'foreignClient'] as const;
type Who = (typeof CALLERS)[number];

/** What the engagement must look like for the operation to succeed when allowed. */
type Stage = 'opened' | 'active' | 'assigned' | 'submitted' | 'paused';

interface Fixture {
  cast: Cast;
  engagementId: string;
  homeworkId: string;
  draftId: string;
}

interface Operation {
  name: string;
  kind: 'query' | 'mutation';
  stage: Stage;
  document: string;
  variables(f: Pick<Fixture, 'engagementId' | 'homeworkId' | 'draftId'>): Record<string, unknown>;
  /** true when a mutation's event lands in the engagement's own stream */
  onEngagementStream?: boolean;
}

const OPERATIONS: Record<string, Operation> = {
  viewer: { name: 'viewer', kind: 'query', stage: 'opened', document: Q.viewer, variables: () => ({}) },
  engagement: { name: 'engagement', kind: 'query', stage: 'submitted', document: Q.engagement, variables: (f) => ({ id: f.engagementId }) },
  engagements: { name: 'engagements', kind: 'query', stage: 'submitted', document: Q.engagements, variables: () => ({ first: 50 }) },
  homework: { name: 'homework', kind: 'query', stage: 'submitted', document: Q.homework, variables: (f) => ({ id: f.homeworkId }) },
  practiceDashboard: { name: 'practiceDashboard', kind: 'query', stage: 'submitted', document: Q.practiceDashboard, variables: () => ({}) },
  practiceSettings: { name: 'practiceSettings', kind: 'query', stage: 'opened', document: Q.practiceSettings, variables: () => ({}) },
  openEngagement: {
    name: 'openEngagement',
    kind: 'mutation',
    stage: 'opened',
    document: M.openEngagement,
    // always for OUR coach and client (ids 'coach-mark' / 'client-sam')
    variables: () => ({ input: { coach: { id: 'coach-mark', name: 'Mark Coach' }, client: { id: 'client-sam', name: 'Sam Senior' }, title: 'Second engagement' } }),
  },
  recordIntake: {
    name: 'recordIntake',
    kind: 'mutation',
    stage: 'opened',
    document: M.recordIntake,
    onEngagementStream: true,
    variables: (f) => ({
      input: { engagementId: f.engagementId, presentingQuestion: 'What am I doing wrong?', background: '', goals: [], currentStrategy: '', baseline: [] },
    }),
  },
  assignHomework: {
    name: 'assignHomework',
    kind: 'mutation',
    stage: 'active',
    document: M.assignHomework,
    onEngagementStream: true,
    variables: (f) => ({ input: { engagementId: f.engagementId, title: 'Articulate your hook', instructions: '', dueAt: inAnHour() } }),
  },
  submitDraft: {
    name: 'submitDraft',
    kind: 'mutation',
    stage: 'assigned',
    document: M.submitDraft,
    onEngagementStream: true,
    variables: (f) => ({ input: { homeworkId: f.homeworkId, content: 'My hook' } }),
  },
  giveFeedback: {
    name: 'giveFeedback',
    kind: 'mutation',
    stage: 'submitted',
    document: M.giveFeedback,
    onEngagementStream: true,
    variables: (f) => ({ input: { draftId: f.draftId, verdict: 'ACCEPTED', comments: 'Good' } }),
  },
  cancelHomework: {
    name: 'cancelHomework',
    kind: 'mutation',
    stage: 'assigned',
    document: M.cancelHomework,
    onEngagementStream: true,
    variables: (f) => ({ input: { homeworkId: f.homeworkId, reason: 'Not needed' } }),
  },
  logCoachingSession: {
    name: 'logCoachingSession',
    kind: 'mutation',
    stage: 'active',
    document: M.logCoachingSession,
    onEngagementStream: true,
    variables: (f) => ({ input: { engagementId: f.engagementId, heldAt: new Date().toISOString(), durationMinutes: 45, summary: 'Pitch practice' } }),
  },
  logJobSearchActivity: {
    name: 'logJobSearchActivity',
    kind: 'mutation',
    stage: 'active',
    document: M.logJobSearchActivity,
    onEngagementStream: true,
    variables: (f) => ({ input: { engagementId: f.engagementId, channel: 'NETWORKING', applications: 1, interviews: 1 } }),
  },
  pauseEngagement: {
    name: 'pauseEngagement',
    kind: 'mutation',
    stage: 'active',
    document: M.pauseEngagement,
    onEngagementStream: true,
    variables: (f) => ({ input: { engagementId: f.engagementId, reason: 'Holiday' } }),
  },
  resumeEngagement: {
    name: 'resumeEngagement',
    kind: 'mutation',
    stage: 'paused',
    document: M.resumeEngagement,
    onEngagementStream: true,
    variables: (f) => ({ input: { engagementId: f.engagementId } }),
  },
  closeEngagement: {
    name: 'closeEngagement',
    kind: 'mutation',
    stage: 'active',
    document: M.closeEngagement,
    onEngagementStream: true,
    variables: (f) => ({ input: { engagementId: f.engagementId, outcome: 'GOALS_MET' } }),
  },
  updatePracticeSettings: {
    name: 'updatePracticeSettings',
    kind: 'mutation',
    stage: 'opened',
    document: M.updatePracticeSettings,
    variables: () => ({ input: { emailReminders: true, overdueAfterMinutes: 120 } }),
  },
};

const TABLE: [operation: string, expected: Record<Who, Outcome>][] = [
  //                                     same practice ─────────────────────────────────────────────────────  another practice ──────────────────────────────────────
  //                                     ADMIN      the COACH      the CLIENT     other COACH           other CLIENT           ADMIN                  COACH                  CLIENT
  // anyone authenticated: who am I
  ['viewer',                 row(        OK,        OK,            OK,            OK,                   OK,                    OWN,                   OWN,                   OWN)],
  // reads of one engagement / homework: ADMIN, its coach, its client
  ['engagement',             row(        OK,        OK,            OK,            FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
  ['homework',               row(        OK,        OK,            OK,            FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
  // the list answers everyone, with only what they may see (OWN: our engagement is not in it)
  ['engagements',            row(        OK,        OK,            OK,            OWN,                  OWN,                   OWN,                   OWN,                   OWN)],
  // "ADMIN only", of the caller's own practice
  ['practiceDashboard',      row(        OK,        FORBIDDEN,     FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             OWN,                   FORBIDDEN,             FORBIDDEN)],
  ['practiceSettings',       row(        OK,        FORBIDDEN,     FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             OWN,                   FORBIDDEN,             FORBIDDEN)],
  ['updatePracticeSettings', row(        OK,        FORBIDDEN,     FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             OWN,                   FORBIDDEN,             FORBIDDEN)],
  // "COACH (as the engagement's coach) or ADMIN": a coach opens only for itself; always in the caller's practice
  ['openEngagement',         row(        OK,        OK,            FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             OWN,                   OWN,                   FORBIDDEN)],
  // "COACH or ADMIN": the engagement's coach, or an admin of its practice
  ['recordIntake',           row(        OK,        OK,            FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
  ['assignHomework',         row(        OK,        OK,            FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
  ['cancelHomework',         row(        OK,        OK,            FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
  ['logCoachingSession',     row(        OK,        OK,            FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
  ['pauseEngagement',        row(        OK,        OK,            FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
  ['resumeEngagement',       row(        OK,        OK,            FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
  ['closeEngagement',        row(        OK,        OK,            FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
  // "CLIENT of the engagement only"
  ['submitDraft',            row(        FORBIDDEN, FORBIDDEN,     OK,            FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
  // "COACH of the engagement only"
  ['giveFeedback',           row(        FORBIDDEN, OK,            FORBIDDEN,     FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
  // "CLIENT, COACH or ADMIN"
  ['logJobSearchActivity',   row(        OK,        OK,            OK,            FORBIDDEN,            FORBIDDEN,             NOT_FOUND,             NOT_FOUND,             NOT_FOUND)],
];

function row(...outcomes: Outcome[]): Record<Who, Outcome> {
  return Object.fromEntries(CALLERS.map((who, i) => [who, outcomes[i]!])) as Record<Who, Outcome>;
}

let api: TestApi;
let pool: pg.Pool;
let log: EventLog;
const fixtures = new Map<string, Fixture>();
/** a cell that changes our engagement gets its own; the others of the operation share one */
const key = (op: string, who: Who, outcome: Outcome) =>
  OPERATIONS[op]!.kind === 'mutation' && outcome === OK ? `${op}/${who}` : `${op}/unchanged`;

async function fixture(stage: Stage): Promise<Fixture> {
  const cast = newCast('authz');
  const story = new Story(api, cast);
  const { id: engagementId } = await story.open();
  const f: Fixture = { cast, engagementId, homeworkId: randomUUID(), draftId: randomUUID() };
  if (stage === 'opened') return f;
  await story.intake(engagementId);
  if (stage === 'paused') await story.pause(engagementId);
  if (stage === 'active' || stage === 'paused') return f;
  f.homeworkId = (await story.assign(engagementId)).id;
  if (stage === 'submitted') f.draftId = (await story.submit(f.homeworkId)).id;
  return f;
}

beforeAll(async () => {
  api = await TestApi.start();
  pool = testPool(4);
  log = new EventLog(pool);
  const keys = new Map(TABLE.flatMap(([op, expected]) => CALLERS.map((who) => [key(op, who, expected[who]), op] as const)));
  await mapLimit([...keys], 6, async ([k, op]) => fixtures.set(k, await fixture(OPERATIONS[op]!.stage)));
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await api?.close();
});

async function counts(f: Fixture) {
  return {
    stream: await log.version(f.engagementId),
    ours: await log.countInPractice(f.cast.practiceId),
    theirs: await log.countInPractice(f.cast.foreignAdmin.practiceId),
  };
}

it('has a row for every query and mutation of the contract', () => {
  const contract = buildSchema(readFileSync(CONTRACT_URL, 'utf8'));
  const operations = [contract.getQueryType()!, contract.getMutationType()!].flatMap((t) => Object.keys(t.getFields()));
  expect(TABLE.map(([op]) => op).sort()).toEqual(operations.sort());
});

describe.each(TABLE)('%s', (opName, expected) => {
  const op = OPERATIONS[opName]!;

  it.each(CALLERS.map((who) => [who, expected[who]] as const))('as %s → %s', async (who, outcome) => {
    const f = fixtures.get(key(opName, who, outcome))!;
    const caller: Caller = f.cast[who];
    const before = await counts(f);
    const res: GraphQLResponse<any> = await api.gql(op.document, op.variables(f), caller);
    const after = await counts(f);

    if (outcome === FORBIDDEN || outcome === NOT_FOUND) {
      expect({ code: res.errors?.[0]?.extensions.code, data: res.data?.[opName] ?? null }).toEqual({ code: outcome, data: null });
      // a refusal reveals nothing of the engagement
      expect(JSON.stringify(res.body)).not.toContain('Mark Coach');
      expect(after).toEqual(before);
      if (outcome === NOT_FOUND || who.startsWith('foreign')) {
        // indistinguishable from an id that exists nowhere
        const nowhere = { engagementId: randomUUID(), homeworkId: randomUUID(), draftId: randomUUID() };
        const control = await api.gql(op.document, op.variables(nowhere), caller);
        expect(control.errors?.[0]?.extensions.code).toBe(outcome);
      }
      return;
    }

    expect(res.errors).toBeUndefined();
    const answer = JSON.stringify(res.data);
    if (outcome === OWN) {
      // answered from the caller's own practice: nothing of ours in it, nothing of ours changed
      expect(answer).not.toContain(f.engagementId);
      expect(answer).not.toContain('Mark Coach');
      expect({ stream: after.stream, ours: after.ours }).toEqual({ stream: before.stream, ours: before.ours });
      const own = who.startsWith('foreign') ? after.theirs - before.theirs : after.ours - before.ours;
      expect(own).toBe(op.kind === 'mutation' ? 1 : 0);
      if (opName === 'viewer') expect(res.data.viewer).toEqual({ id: caller.id, role: caller.role, practiceId: caller.practiceId });
      return;
    }

    // OK: the answer is about our engagement / practice, and a mutation stored exactly one event by this caller
    if (['engagement', 'engagements'].includes(opName)) expect(answer).toContain(f.engagementId);
    if (opName === 'homework') expect(res.data.homework.id).toBe(f.homeworkId);
    if (opName === 'practiceDashboard') expect(res.data.practiceDashboard.coaches.map((c: any) => c.coach.name)).toEqual(['Mark Coach']);
    if (opName === 'viewer') expect(res.data.viewer).toEqual({ id: caller.id, role: caller.role, practiceId: f.cast.practiceId });
    expect(after.theirs).toBe(before.theirs);
    if (op.kind === 'query') {
      expect(after).toEqual(before);
      return;
    }
    expect(after.ours).toBe(before.ours + 1);
    if (op.onEngagementStream) {
      expect(after.stream).toBe(before.stream + 1);
      const last = (await log.stream(f.engagementId)).at(-1)!;
      expect(last.metadata).toMatchObject({ actorId: caller.id, actorRole: caller.role, practiceId: f.cast.practiceId });
    } else {
      expect(after.stream).toBe(before.stream);
    }
  });
});
