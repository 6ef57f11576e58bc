// Time travel (issue 12): engagement(asOf / asOfVersion) folds the stream up to
// that point and serves the nested fields from the folded rows; changes()
// lists what each event changed. Two practices: a past view is authorized as
// the live one (NOT_FOUND across practices, FORBIDDEN within).
import { jest } from '@jest/globals';
import type { Caller } from '../support/api.js';
import { TestApi } from '../support/api.js';
import { M, Story, codeOf, errorOf, newCast, ok, person } from '../support/engagements.js';

jest.setTimeout(60_000);

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(async () => {
  await api?.close();
});

const VIEW = `
  id title status version asOf openHomeworkCount awaitingFeedbackCount overdueHomeworkCount outcome openedAt updatedAt closedAt
  coach { id name email } client { id name email }
  intake { presentingQuestion background goals currentStrategy recordedAt baseline { channel applications interviews offers interviewRate } }
  homework {
    id title instructions dueAt status overdue assignedAt latestDraft { id revision }
    engagement { id version }
    drafts { id revision content submittedAt homework { id status } feedback { id verdict comments givenBy { id name email } givenAt draft { id } } }
  }
  sessions { id heldAt durationMinutes summary }
  jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }
  timeline(first: 200) { pageInfo { hasNextPage } edges { cursor node { version type actorId actorRole occurredAt data } } }`;
const PAST = `query ($id: ID!, $asOf: DateTime, $asOfVersion: Int) { engagement(id: $id, asOf: $asOf, asOfVersion: $asOfVersion) { ${VIEW} } }`;
const LIVE = `query ($id: ID!) { engagement(id: $id) { ${VIEW} } }`;
const REMINDERS = `query ($id: ID!, $v: Int) { engagement(id: $id, asOfVersion: $v) { version homework { id reminders { id } } } }`;
const CHANGES = `query ($id: ID!, $from: Int!, $to: Int, $asOfVersion: Int) {
  engagement(id: $id, asOfVersion: $asOfVersion) { version changes(fromVersion: $from, toVersion: $to) { path before after version occurredAt actorId } }
}`;

async function past(id: string, caller: Caller, vars: { asOf?: string; asOfVersion?: number }) {
  return ok(await api.gql<any>(PAST, { id, ...vars }, caller)).engagement;
}

describe('time travel', () => {
  const cast = newCast('time-travel');
  let id: string;
  let homeworkId: string;
  let firstDraft: string;
  let secondDraft: string;
  let feedbackId: string;
  let foreignId: string;

  beforeAll(async () => {
    const story = new Story(api, cast);
    ({ id } = await story.open()); // 1
    await story.intake(id); // 2
    homeworkId = (await story.assign(id, 'Articulate your hook')).id; // 3
    firstDraft = (await story.submit(homeworkId, 'First hook: I fix IT.')).id; // 4
    feedbackId = (await story.feedback(firstDraft, 'CHANGES_REQUESTED', 'Name one programme you turned around.')).id; // 5
    secondDraft = (await story.submit(homeworkId, 'Second hook: I turned the Atlas programme around in 90 days.')).id; // 6
    ok(await api.gql(M.logCoachingSession, { input: { engagementId: id, heldAt: new Date().toISOString(), durationMinutes: 45, summary: 'Pitch practice' } }, cast.coach)); // 7
    ok(await api.gql(M.logJobSearchActivity, { input: { engagementId: id, channel: 'NETWORKING', applications: 3, interviews: 2 } }, cast.client)); // 8
    await story.pause(id); // 9

    // the other practice: same person ids, its own engagement
    const foreign = ok(
      await api.gql<any>(
        M.openEngagement,
        { input: { coach: person(cast.foreignCoach), client: person(cast.foreignClient), title: 'Foreign engagement' } },
        cast.foreignAdmin,
      ),
    ).openEngagement;
    foreignId = foreign.id;
  });

  it('at the current version, the past view is the live read, field for field (the fold gives the tables\' rows)', async () => {
    const live = ok(await api.gql<any>(LIVE, { id }, cast.coach)).engagement;
    expect(live.version).toBe(9);
    expect(live.asOf).toBeNull();
    const now = await past(id, cast.coach, { asOfVersion: 9 });
    const lastEvent = live.timeline.edges.at(-1).node;
    expect(now.asOf).toBe(lastEvent.occurredAt);
    // homework.overdue is measured at the view's instant, the live one at the request's: none is due yet either way
    expect({ ...now, asOf: null }).toEqual(live);
  });

  it('shows the engagement as it stood after version 5: the first draft with its feedback, no second draft, no session', async () => {
    const v5 = await past(id, cast.client, { asOfVersion: 5 });
    expect(v5).toMatchObject({ version: 5, status: 'ACTIVE', openHomeworkCount: 1, awaitingFeedbackCount: 0, sessions: [] });
    expect(v5.homework).toHaveLength(1);
    const hw = v5.homework[0];
    expect(hw).toMatchObject({ id: homeworkId, status: 'CHANGES_REQUESTED', latestDraft: { id: firstDraft, revision: 1 }, engagement: { id, version: 5 } });
    expect(hw.drafts).toEqual([
      expect.objectContaining({
        id: firstDraft,
        revision: 1,
        content: 'First hook: I fix IT.',
        homework: { id: homeworkId, status: 'CHANGES_REQUESTED' },
        feedback: expect.objectContaining({ id: feedbackId, verdict: 'CHANGES_REQUESTED', comments: 'Name one programme you turned around.', draft: { id: firstDraft } }),
      }),
    ]);
    // the job search as the intake left it (the activity came at version 8)
    expect(v5.jobSearch).toMatchObject({ applications: 500, interviews: 8, channels: [{ channel: 'JOB_BOARD', applications: 500 }] });
    expect(v5.timeline.edges.map((e: any) => e.node.version)).toEqual([1, 2, 3, 4, 5]);
    expect(v5.timeline.pageInfo.hasNextPage).toBe(false);
    expect(v5.asOf).toBe(v5.timeline.edges.at(-1).node.occurredAt);

    // the live engagement has moved on
    const live = ok(await api.gql<any>(LIVE, { id }, cast.client)).engagement;
    expect(live).toMatchObject({ status: 'PAUSED', version: 9 });
    expect(live.homework[0].drafts).toHaveLength(2);
  });

  it('asOf: the last event at or before the instant; before the engagement existed: null', async () => {
    const live = ok(await api.gql<any>(LIVE, { id }, cast.coach)).engagement;
    const v4At = live.timeline.edges[3].node.occurredAt as string;
    const v5At = live.timeline.edges[4].node.occurredAt as string;
    const atV4 = await past(id, cast.coach, { asOf: v4At });
    // events 4 and 5 may share a millisecond on a fast machine: the view is the last event at that instant
    const expected = v5At === v4At ? 5 : 4;
    expect(atV4).toMatchObject({ version: expected, asOf: v4At });
    expect(atV4.homework[0].drafts).toHaveLength(1);
    expect(atV4.homework[0].status).toBe(expected === 4 ? 'SUBMITTED' : 'CHANGES_REQUESTED');

    const before = new Date(new Date(live.openedAt).getTime() - 1).toISOString();
    expect(ok(await api.gql<any>(PAST, { id, asOf: before }, cast.coach)).engagement).toBeNull();
    // a time in the future shows the engagement as it stands
    const future = await past(id, cast.coach, { asOf: new Date(Date.now() + 86_400_000).toISOString() });
    expect(future.version).toBe(9);
    // a version beyond the stream: as it stands too
    expect((await past(id, cast.coach, { asOfVersion: 1000 })).version).toBe(9);
  });

  it('a past view has no reminders (they are live only)', async () => {
    const res = ok(await api.gql<any>(REMINDERS, { id, v: 3 }, cast.coach)).engagement;
    expect(res.version).toBe(3);
    expect(res.homework).toEqual([{ id: homeworkId, reminders: [] }]);
  });

  it('is authorized as the live engagement: FORBIDDEN within the practice, NOT_FOUND across practices', async () => {
    expect(codeOf(await api.gql(PAST, { id, asOfVersion: 2 }, cast.otherCoach))).toBe('FORBIDDEN');
    expect(codeOf(await api.gql(PAST, { id, asOfVersion: 2 }, cast.otherClient))).toBe('FORBIDDEN');
    expect(codeOf(await api.gql(PAST, { id, asOfVersion: 2 }, cast.foreignAdmin))).toBe('NOT_FOUND');
    expect(codeOf(await api.gql(PAST, { id: foreignId, asOfVersion: 1 }, cast.admin))).toBe('NOT_FOUND');
    const foreign = await past(foreignId, cast.foreignAdmin, { asOfVersion: 1 });
    expect(foreign).toMatchObject({ id: foreignId, version: 1, status: 'INTAKE', title: 'Foreign engagement' });
    expect(ok(await api.gql<any>(PAST, { id, asOfVersion: 2 }, cast.admin)).engagement.version).toBe(2);
  });

  it('refuses bad points with BAD_USER_INPUT naming the argument', async () => {
    const both = errorOf(await api.gql(PAST, { id, asOfVersion: 2, asOf: new Date().toISOString() }, cast.coach));
    expect(both.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'asOfVersion' });
    expect(errorOf(await api.gql(PAST, { id, asOfVersion: 0 }, cast.coach)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'asOfVersion' });
    expect(errorOf(await api.gql(CHANGES, { id, from: 5, to: 3 }, cast.coach)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'toVersion' });
    expect(errorOf(await api.gql(CHANGES, { id, from: -1 }, cast.coach)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'fromVersion' });
  });

  it('changes since the feedback: the second draft, the status moves, the session, the activity and the pause, each with its actor', async () => {
    const { changes } = ok(await api.gql<any>(CHANGES, { id, from: 5 }, cast.coach)).engagement;
    const at = (v: number) => changes.filter((c: any) => c.version === v).map((c: any) => c.path).sort();
    expect(changes.every((c: any) => c.version > 5 && c.version <= 9)).toBe(true);
    expect(at(6)).toEqual(['awaitingFeedbackCount', `homework.${homeworkId}.drafts.${secondDraft}`, `homework.${homeworkId}.status`].sort());
    const draft = changes.find((c: any) => c.path === `homework.${homeworkId}.drafts.${secondDraft}`);
    expect(draft).toMatchObject({ before: null, after: { revision: 2, content: 'Second hook: I turned the Atlas programme around in 90 days.', feedback: null }, actorId: cast.client.id });
    expect(changes.find((c: any) => c.path === `homework.${homeworkId}.status`)).toMatchObject({ before: 'CHANGES_REQUESTED', after: 'SUBMITTED', version: 6 });
    expect(at(7)).toEqual([expect.stringMatching(/^sessions\.[0-9a-f-]{36}$/)]);
    expect(at(8)).toEqual(['jobSearch.NETWORKING']);
    expect(changes.find((c: any) => c.version === 8)).toMatchObject({ before: null, after: { applications: 3, interviews: 2, offers: 0 }, actorId: cast.client.id });
    expect(changes.filter((c: any) => c.version === 9)).toEqual([expect.objectContaining({ path: 'status', before: 'ACTIVE', after: 'PAUSED', actorId: cast.coach.id })]);

    // a window, and the changes of a past view stop at its version
    const window = ok(await api.gql<any>(CHANGES, { id, from: 5, to: 6 }, cast.coach)).engagement.changes;
    expect(window.map((c: any) => c.path).sort()).toEqual(at(6));
    const ofPast = ok(await api.gql<any>(CHANGES, { id, from: 5, asOfVersion: 7 }, cast.coach)).engagement;
    expect(ofPast.version).toBe(7);
    expect([...new Set(ofPast.changes.map((c: any) => c.version))]).toEqual([6, 7]);
    // from the beginning: the opening sets the title
    const fromStart = ok(await api.gql<any>(CHANGES, { id, from: 0, to: 1 }, cast.coach)).engagement.changes;
    expect(fromStart).toContainEqual(expect.objectContaining({ path: 'title', before: null, after: 'Senior IT professional: job search', version: 1 }));
  });
});
