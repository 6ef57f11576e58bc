// The coach's own story (shared/seed), played end to end over HTTP against the
// real API and PostgreSQL: a senior IT professional who sent 500 résumés
// through job boards for 8 interviews asks "What am I doing wrong?"; the coach
// sets two homework assignments (find the hook of an elevator pitch; ask for
// help so that people say yes), drafts go back and forth, and the search starts
// to move toward networking. Every step checks the answer AND what is stored.
import { jest } from '@jest/globals';
import type pg from 'pg';
import { TestApi } from '../support/api.js';
import { testPool } from '../support/db.js';
import { EventLog, M, Q, Story, codeOf, errorOf, newCast, ok, person } from '../support/engagements.js';

jest.setTimeout(30_000);

const cast = newCast('seed-story');
const { coach, client, admin } = cast;
const DAY = 24 * 3_600_000;

let api: TestApi;
let pool: pg.Pool;
let log: EventLog;

// what each step answered, in story order
const answers: Record<string, any> = {};
let engagementId: string;
let hookId: string;
let askId: string;

const ENGAGEMENT_VIEW = `query ($id: ID!) {
  engagement(id: $id) {
    id title status version openHomeworkCount awaitingFeedbackCount overdueHomeworkCount
    coach { id name email } client { id name email }
    intake { presentingQuestion background goals currentStrategy recordedAt
             baseline { channel applications interviews offers interviewRate } }
    sessions { id heldAt durationMinutes summary }
    jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }
    homework {
      id title instructions dueAt status overdue assignedAt
      latestDraft { id revision content feedback { verdict } }
      drafts { id revision content submittedAt homework { id } feedback { id verdict comments givenBy { id name } givenAt draft { id } } }
    }
  }
}`;

beforeAll(async () => {
  api = await TestApi.start();
  pool = testPool(2);
  log = new EventLog(pool);
  const story = new Story(api, cast);

  // 1. the coach opens an engagement for the new client
  answers.opened = ok(
    await api.gql<any>(
      M.openEngagement,
      { input: { coach: person(coach), client: person(client), title: 'Senior IT professional: from job boards to networking' } },
      coach,
    ),
  ).openEngagement;
  engagementId = answers.opened.id;

  // 2. the intake: his own question and his job-board baseline
  answers.intake = ok(
    await api.gql<any>(
      M.recordIntake,
      {
        input: {
          engagementId,
          presentingQuestion: 'What am I doing wrong?',
          background: 'Senior IT professional with a well-documented track record; struggling to get interviews',
          goals: ['Tell his story compellingly', 'Ask for help without feeling he begs', 'Reach the hidden job market'],
          currentStrategy: 'Answering posted openings on job boards',
          baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8 }],
        },
      },
      coach,
    ),
  ).recordIntake;

  // 3. two homework assignments, due in the future
  answers.hook = ok(
    await api.gql<any>(
      M.assignHomework,
      {
        input: {
          engagementId,
          title: 'Articulate your hook',
          instructions: 'Script and practise your elevator pitch; find the word, phrase or sentence that makes a listener want more.',
          dueAt: new Date(Date.now() + 2 * DAY).toISOString(),
        },
      },
      coach,
    ),
  ).assignHomework;
  hookId = answers.hook.id;
  answers.ask = ok(
    await api.gql<any>(
      M.assignHomework,
      {
        input: {
          engagementId,
          title: 'Ask for help so people say yes',
          instructions: 'Write how you will ask for ideas, information or advice (not for a job) so that people answer yes.',
          dueAt: new Date(Date.now() + 7 * DAY).toISOString(),
        },
      },
      coach,
    ),
  ).assignHomework;
  askId = answers.ask.id;

  // 4. the client's first draft of the hook; the coach asks for changes; second draft accepted
  answers.hookDraft1 = await story.submit(hookId, 'I am an IT leader with 20 years of experience.');
  answers.dashboardBeforeFeedback = ok(await api.gql<any>(Q.practiceDashboard, {}, admin)).practiceDashboard;
  answers.hookFeedback1 = await story.feedback(answers.hookDraft1.id, 'CHANGES_REQUESTED', 'That is a résumé line, not a hook. What do you fix that others cannot?');
  answers.hookDraft2 = await story.submit(hookId, 'I rescue IT programmes that everyone else has given up on.');
  answers.hookFeedback2 = await story.feedback(answers.hookDraft2.id, 'ACCEPTED', 'That makes me want to hear more.');

  // 5. a first draft of the second homework, left awaiting feedback
  answers.askDraft1 = await story.submit(askId, 'Could you tell me how you found your way into your company?');

  // 6. the coaching session they held, and the client's first networking
  answers.session = ok(
    await api.gql<any>(
      M.logCoachingSession,
      {
        input: {
          engagementId,
          heldAt: new Date(Date.now() - 3_600_000).toISOString(),
          durationMinutes: 60,
          summary: 'Networking revisited: the hidden job market, the elevator pitch and asking for help.',
        },
      },
      coach,
    ),
  ).logCoachingSession;
  answers.networking = ok(
    await api.gql<any>(
      M.logJobSearchActivity,
      { input: { engagementId, channel: 'NETWORKING', applications: 4, interviews: 2, note: 'Coffee with two former colleagues' } },
      client,
    ),
  ).logJobSearchActivity;

  answers.view = ok(await api.gql<any>(ENGAGEMENT_VIEW, { id: engagementId }, coach)).engagement;
  answers.dashboard = ok(await api.gql<any>(Q.practiceDashboard, {}, admin)).practiceDashboard;
});

afterAll(async () => {
  await pool?.end();
  await api?.close();
});

describe('opening and intake', () => {
  it('opens the engagement in INTAKE at version 1 and stores EngagementOpened by the coach', async () => {
    expect(answers.opened).toMatchObject({ status: 'INTAKE', version: 1, title: 'Senior IT professional: from job boards to networking' });
    const [opened] = await log.stream(engagementId);
    expect(opened).toMatchObject({
      version: 1,
      type: 'EngagementOpened',
      // names are personal data: stored sealed under each person's key (README, "The history"), never as text
      data: { engagementId, practiceId: cast.practiceId, coach: { id: coach.id, name: { $sealed: expect.stringMatching(/^v1:/) } }, client: { id: client.id, name: { $sealed: expect.stringMatching(/^v1:/) } } },
      metadata: { actorId: coach.id, actorRole: 'COACH', practiceId: cast.practiceId },
    });
    expect(JSON.stringify(opened)).not.toContain(client.name);
  });

  it('records the intake: ACTIVE, his question, and a 1.6% job-board interview rate', async () => {
    expect(answers.intake).toMatchObject({ status: 'ACTIVE', version: 2 });
    expect(answers.view.intake).toMatchObject({
      presentingQuestion: 'What am I doing wrong?',
      goals: ['Tell his story compellingly', 'Ask for help without feeling he begs', 'Reach the hidden job market'],
      baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0, interviewRate: 0.016 }],
    });
    const { rows } = await pool.query('SELECT status, intake FROM engagements WHERE id = $1', [engagementId]);
    expect(rows[0]).toMatchObject({ status: 'ACTIVE', intake: { presentingQuestion: 'What am I doing wrong?' } });
  });
});

describe('homework, drafts and feedback', () => {
  it('assigns both homework with their due dates, not overdue', async () => {
    expect(answers.hook).toMatchObject({ title: 'Articulate your hook', status: 'ASSIGNED' });
    expect(answers.ask).toMatchObject({ title: 'Ask for help so people say yes', status: 'ASSIGNED' });
    expect(Date.parse(answers.hook.dueAt)).toBeGreaterThan(Date.now());
    const { rows } = await pool.query('SELECT id, title, due_at FROM homework WHERE engagement_id = $1 ORDER BY assigned_at', [engagementId]);
    expect(rows.map((r) => [r.id, r.title])).toEqual([
      [hookId, 'Articulate your hook'],
      [askId, 'Ask for help so people say yes'],
    ]);
    expect(rows[0].due_at.toISOString()).toBe(answers.hook.dueAt);
  });

  it('numbers drafts 1, 2 and ends the hook homework with ACCEPTED', () => {
    expect(answers.hookDraft1.revision).toBe(1);
    expect(answers.hookDraft2.revision).toBe(2);
    expect(answers.askDraft1.revision).toBe(1);
    expect(answers.hookFeedback1.verdict).toBe('CHANGES_REQUESTED');
    expect(answers.hookFeedback2.verdict).toBe('ACCEPTED');

    const [hook, ask] = answers.view.homework;
    expect(hook).toMatchObject({ id: hookId, status: 'ACCEPTED', overdue: false, latestDraft: { id: answers.hookDraft2.id, revision: 2, feedback: { verdict: 'ACCEPTED' } } });
    expect(hook.drafts.map((d: any) => [d.revision, d.feedback?.verdict, d.feedback?.givenBy.id, d.homework.id, d.feedback?.draft.id])).toEqual([
      [1, 'CHANGES_REQUESTED', coach.id, hookId, answers.hookDraft1.id],
      [2, 'ACCEPTED', coach.id, hookId, answers.hookDraft2.id],
    ]);
    expect(ask).toMatchObject({ id: askId, status: 'SUBMITTED', overdue: false, latestDraft: { revision: 1, feedback: null } });
  });

  it('counts open, awaiting and overdue homework on the engagement, in the answer and the read model', async () => {
    expect(answers.view).toMatchObject({ openHomeworkCount: 1, awaitingFeedbackCount: 1, overdueHomeworkCount: 0 });
    const { rows } = await pool.query('SELECT open_homework_count, awaiting_feedback_count FROM engagements WHERE id = $1', [engagementId]);
    expect(rows[0]).toEqual({ open_homework_count: 1, awaiting_feedback_count: 1 });
    const drafts = await pool.query('SELECT revision, feedback.verdict FROM drafts LEFT JOIN feedback ON feedback.draft_id = drafts.id WHERE drafts.homework_id = $1 ORDER BY revision', [hookId]);
    expect(drafts.rows).toEqual([
      { revision: 1, verdict: 'CHANGES_REQUESTED' },
      { revision: 2, verdict: 'ACCEPTED' },
    ]);
  });
});

describe('sessions and the job search', () => {
  it('logs the coaching session', () => {
    expect(answers.session).toMatchObject({ durationMinutes: 60 });
    expect(answers.view.sessions).toEqual([answers.session]);
  });

  it('adds networking to the funnel: per channel and in total', async () => {
    expect(answers.view.jobSearch).toEqual({
      applications: 504,
      interviews: 10,
      offers: 0,
      interviewRate: 10 / 504,
      channels: [
        { channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0, interviewRate: 0.016 },
        { channel: 'NETWORKING', applications: 4, interviews: 2, offers: 0, interviewRate: 0.5 },
      ],
    });
    const { rows } = await pool.query('SELECT channel, applications::int, interviews::int FROM job_search_stats WHERE engagement_id = $1 ORDER BY channel', [engagementId]);
    expect(rows).toEqual([
      { channel: 'JOB_BOARD', applications: 500, interviews: 8 },
      { channel: 'NETWORKING', applications: 4, interviews: 2 },
    ]);
  });
});

describe("the practice's dashboard (ADMIN)", () => {
  it('has no feedback turnaround before the first feedback', () => {
    expect(answers.dashboardBeforeFeedback.feedbackTurnaroundHoursP50).toBeNull();
    expect(answers.dashboardBeforeFeedback.feedbackTurnaroundHoursP90).toBeNull();
    expect(answers.dashboardBeforeFeedback.awaitingFeedback).toBe(1);
  });

  it('shows the engagement, its homework, the turnaround, the funnel and the coach', () => {
    const d = answers.dashboard;
    expect(d.engagementsByStatus).toEqual([
      { status: 'INTAKE', count: 0 },
      { status: 'ACTIVE', count: 1 },
      { status: 'PAUSED', count: 0 },
      { status: 'CLOSED', count: 0 },
    ]);
    expect(d).toMatchObject({ openHomework: 1, overdueHomework: 0, awaitingFeedback: 1, remindersSent: 0 });
    expect(d.feedbackTurnaroundHoursP50).toEqual(expect.any(Number));
    expect(d.feedbackTurnaroundHoursP90).toEqual(expect.any(Number));
    expect(d.feedbackTurnaroundHoursP50).toBeGreaterThanOrEqual(0);
    expect(d.feedbackTurnaroundHoursP90).toBeGreaterThanOrEqual(d.feedbackTurnaroundHoursP50);
    expect(d.jobSearch).toEqual(answers.view.jobSearch);
    expect(d.coaches).toEqual([
      { coach: { id: coach.id, name: coach.name, email: coach.email }, activeEngagements: 1, awaitingFeedback: 1, overdueHomework: 0 },
    ]);
  });
});

describe('closing the engagement', () => {
  let closed: any;
  let versionAtClose: number;

  beforeAll(async () => {
    closed = ok(await api.gql<any>(M.closeEngagement, { input: { engagementId, outcome: 'GOALS_MET', note: 'Networking works' } }, coach))
      .closeEngagement;
    versionAtClose = await log.version(engagementId);
  });

  it('closes it with its outcome', async () => {
    expect(closed).toMatchObject({ status: 'CLOSED', outcome: 'GOALS_MET', version: 12 });
    expect(Date.parse(closed.closedAt)).not.toBeNaN();
    expect(versionAtClose).toBe(12);
  });

  it('shows every event of the stream in the timeline, in order, versions 1..N, with who did it', async () => {
    const timeline = ok(await api.gql<any>(Q.timeline, { id: engagementId, first: 50 }, admin)).engagement.timeline;
    expect(timeline.pageInfo.hasNextPage).toBe(false);
    const nodes = timeline.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => [n.version, n.type, n.actorRole, n.actorId])).toEqual([
      [1, 'EngagementOpened', 'COACH', coach.id],
      [2, 'IntakeRecorded', 'COACH', coach.id],
      [3, 'HomeworkAssigned', 'COACH', coach.id],
      [4, 'HomeworkAssigned', 'COACH', coach.id],
      [5, 'DraftSubmitted', 'CLIENT', client.id],
      [6, 'FeedbackGiven', 'COACH', coach.id],
      [7, 'DraftSubmitted', 'CLIENT', client.id],
      [8, 'FeedbackGiven', 'COACH', coach.id],
      [9, 'DraftSubmitted', 'CLIENT', client.id],
      [10, 'CoachingSessionLogged', 'COACH', coach.id],
      [11, 'JobSearchActivityLogged', 'CLIENT', client.id],
      [12, 'EngagementClosed', 'COACH', coach.id],
    ]);
    const times = nodes.map((n: any) => Date.parse(n.occurredAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(nodes[1].data).toMatchObject({ presentingQuestion: 'What am I doing wrong?' });
    expect(nodes[7].data).toMatchObject({ draftId: answers.hookDraft2.id, verdict: 'ACCEPTED' });
    // the timeline is the stored stream, nothing less and nothing more: the stored stream with its
    // sealed personal fields ({ $sealed }) opened, i.e. where the log holds a seal the timeline holds text
    const stored = await log.stream(engagementId);
    const opened = (raw: unknown, shown: unknown): unknown => {
      if (raw && typeof raw === 'object' && '$sealed' in raw) return typeof shown === 'string' ? shown : raw;
      if (Array.isArray(raw)) return raw.map((r, i) => opened(r, Array.isArray(shown) ? shown[i] : undefined));
      if (raw && typeof raw === 'object') return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, opened(v, (shown as any)?.[k])]));
      return raw;
    };
    expect(JSON.stringify(stored)).not.toContain(client.name);
    expect(stored.map((e, i) => [e.version, e.type, opened(e.data, nodes[i]?.data)])).toEqual(nodes.map((n: any) => [n.version, n.type, n.data]));
  });

  it('refuses every change afterwards with RULE_VIOLATED ENGAGEMENT_CLOSED, and stores nothing', async () => {
    const future = new Date(Date.now() + DAY).toISOString();
    const attempts: [string, string, Record<string, unknown>, typeof coach][] = [
      ['recordIntake', M.recordIntake, { engagementId, presentingQuestion: 'Again?', background: '', goals: [], currentStrategy: '', baseline: [] }, coach],
      ['assignHomework', M.assignHomework, { engagementId, title: 'One more', instructions: '', dueAt: future }, coach],
      ['submitDraft', M.submitDraft, { homeworkId: askId, content: 'A late draft' }, client],
      ['giveFeedback', M.giveFeedback, { draftId: answers.askDraft1.id, verdict: 'ACCEPTED', comments: 'Late' }, coach],
      ['cancelHomework', M.cancelHomework, { homeworkId: askId, reason: 'Closed' }, coach],
      ['logCoachingSession', M.logCoachingSession, { engagementId, heldAt: new Date().toISOString(), durationMinutes: 30, summary: 'After' }, coach],
      ['logJobSearchActivity', M.logJobSearchActivity, { engagementId, channel: 'REFERRAL', applications: 1, interviews: 1 }, client],
      ['pauseEngagement', M.pauseEngagement, { engagementId, reason: 'Closed anyway' }, coach],
      ['resumeEngagement', M.resumeEngagement, { engagementId }, coach],
      ['closeEngagement', M.closeEngagement, { engagementId, outcome: 'OTHER' }, admin],
    ];
    for (const [name, mutation, input, caller] of attempts) {
      const res = await api.gql(mutation, { input }, caller);
      expect([name, errorOf(res).extensions]).toEqual([name, { code: 'RULE_VIOLATED', rule: 'ENGAGEMENT_CLOSED' }]);
    }
    expect(await log.version(engagementId)).toBe(versionAtClose);
  });

  it('still answers every read', async () => {
    const view = ok(await api.gql<any>(ENGAGEMENT_VIEW, { id: engagementId }, client)).engagement;
    expect(view).toMatchObject({ status: 'CLOSED', version: 12, intake: { presentingQuestion: 'What am I doing wrong?' } });
    expect(view.homework.map((h: any) => h.status)).toEqual(['ACCEPTED', 'SUBMITTED']);
    expect(ok(await api.gql<any>(Q.homework, { id: hookId }, client)).homework).toMatchObject({ id: hookId, status: 'ACCEPTED' });
    const list = ok(await api.gql<any>(Q.engagements, { filter: { status: ['CLOSED'] } }, coach)).engagements;
    expect(list.edges.map((e: any) => e.node.id)).toEqual([engagementId]);
    const dashboard = ok(await api.gql<any>(Q.practiceDashboard, {}, admin)).practiceDashboard;
    expect(dashboard.engagementsByStatus).toContainEqual({ status: 'CLOSED', count: 1 });
    // homework of a closed engagement is no longer open or awaiting anyone
    expect(dashboard).toMatchObject({ openHomework: 0, awaitingFeedback: 0 });
    expect(codeOf(await api.gql(Q.engagement, { id: engagementId }, cast.otherClient))).toBe('FORBIDDEN');
  });
});
