// The engagement list reads only the columns its selection asks for, and its
// homework → drafts → feedback as one JSON value per level
// (libs/engagement/src/read/read-models.ts ENGAGEMENT_LEVEL, JsonLevel). Whatever
// is asked, field by field, the answer must be the one the whole-row readers
// give: `engagement(id:)` for the page, the field resolvers (`homework(status:)`)
// for the levels — timestamps to the millisecond, nulls, nested objects and the
// computed fields (`overdue`, `interviewRate`) included.
import { jest } from '@jest/globals';
import type pg from 'pg';
import { TestApi } from '../support/api.js';
import { testPool } from '../support/db.js';
import { inAnHour, newCast, ok, Story } from '../support/engagements.js';

jest.setTimeout(60_000);

const cast = newCast('list-levels');
const ALL_STATUSES = '[ASSIGNED, SUBMITTED, CHANGES_REQUESTED, ACCEPTED, CANCELLED]';

/** Every field of Engagement without arguments, one selection each (homework and timeline are below). */
const ENGAGEMENT_FIELDS: Record<string, string> = {
  __typename: '__typename',
  id: 'id',
  title: 'title',
  status: 'status',
  coach: 'coach { id name email timezone }',
  client: 'client { id name email timezone }',
  intake: 'intake { presentingQuestion background goals currentStrategy baseline { channel applications interviews offers interviewRate } recordedAt }',
  sessions: 'sessions { id heldAt durationMinutes summary }',
  jobSearch: 'jobSearch { applications interviews offers interviewRate channels { channel applications } }',
  openHomeworkCount: 'openHomeworkCount',
  overdueHomeworkCount: 'overdueHomeworkCount',
  awaitingFeedbackCount: 'awaitingFeedbackCount',
  outcome: 'outcome',
  openedAt: 'openedAt',
  updatedAt: 'updatedAt',
  closedAt: 'closedAt',
  version: 'version',
  asOf: 'asOf',
  changes: 'changes(fromVersion: 0) { version path before after }',
};

const HOMEWORK_FIELDS: Record<string, string> = {
  __typename: '__typename',
  id: 'id',
  engagement: 'engagement { id title }',
  title: 'title',
  instructions: 'instructions',
  dueAt: 'dueAt',
  status: 'status',
  overdue: 'overdue',
  assignedAt: 'assignedAt',
  latestDraft: 'latestDraft { id revision }',
};
const DRAFT_FIELDS: Record<string, string> = {
  __typename: '__typename',
  id: 'id',
  homework: 'homework { id title }',
  revision: 'revision',
  content: 'content',
  submittedAt: 'submittedAt',
};
const FEEDBACK_FIELDS: Record<string, string> = {
  __typename: '__typename',
  id: 'id',
  draft: 'draft { id }',
  verdict: 'verdict',
  comments: 'comments',
  givenBy: 'givenBy { id name email }',
  givenAt: 'givenAt',
};

const all = (fields: Record<string, string>) => Object.values(fields).join(' ');
const list = (node: string) => `{ engagements(first: 10) { edges { cursor node { ${node} } } } }`;

let api: TestApi;
let owner: pg.Pool;
let ids: string[];

beforeAll(async () => {
  api = await TestApi.start();
  owner = testPool(2);
  const story = new Story(api, cast);
  // A: intake, two homework (one due, one not), two revisions of a draft with feedback on each
  const a = await story.open('A: everything');
  await story.intake(a.id);
  const due = await story.assign(a.id, 'Due soon', inAnHour());
  await story.assign(a.id, 'No due time', null);
  const first = await story.submit(due.id, 'First "draft" \\ with quotes, a backslash and ünïcödé');
  await story.feedback(first.id, 'CHANGES_REQUESTED', 'Shorter,\nplease.');
  const second = await story.submit(due.id, 'Second draft');
  await story.feedback(second.id, 'ACCEPTED', 'Good.');
  // B: opened only (no intake, no homework)
  const b = await story.open('B: bare', cast.admin);
  // D: another coach, who gave no email: feedback given by someone without one
  const other = new Story(api, { ...cast, coach: cast.otherCoach });
  const d = await other.open('D: no email', cast.admin);
  await other.intake(d.id, cast.admin);
  const unmailed = await other.submit((await other.assign(d.id, 'Hook', null)).id);
  await other.feedback(unmailed.id, 'ACCEPTED', 'Fine.');
  // C: closed, with a homework whose due time has passed (the read model set back, as time passing would)
  const c = await story.open('C: closed');
  await story.intake(c.id);
  const late = await story.assign(c.id, 'Late', inAnHour());
  await owner.query(`UPDATE homework SET due_at = now() - interval '1 day' WHERE id = $1`, [late.id]);
  await story.close(c.id);
  ids = [c.id, d.id, b.id, a.id]; // newest first
}, 60_000);

afterAll(async () => {
  await owner?.end();
  await api?.close();
});

describe('the page reads the columns its selection asks for', () => {
  it('answers every field as engagement(id:) does, all at once and one field at a time', async () => {
    const whole = ok(await api.gql<any>(list(all(ENGAGEMENT_FIELDS)), {}, cast.admin)).engagements.edges;
    expect(whole.map((e: any) => e.node.id)).toEqual(ids);
    for (const { node } of whole) {
      const one = ok(await api.gql<any>(`query ($id: ID!) { engagement(id: $id) { ${all(ENGAGEMENT_FIELDS)} } }`, { id: node.id }, cast.admin));
      expect(node).toEqual(one.engagement);
    }
    // what the data holds, so the comparison above compared something
    expect(whole[3].node.intake.baseline[0]).toEqual({ channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0, interviewRate: 0.016 });
    expect(whole[2].node).toMatchObject({ status: 'INTAKE', intake: null });
    expect(whole[0].node).toMatchObject({ status: 'CLOSED', outcome: 'GOALS_MET', closedAt: expect.any(String) });
    expect(whole[1].node.coach).toEqual({ id: cast.otherCoach.id, name: cast.otherCoach.name, email: null, timezone: 'UTC' });

    for (const [field, selection] of Object.entries(ENGAGEMENT_FIELDS)) {
      const edges = ok(await api.gql<any>(list(selection), {}, cast.admin)).engagements.edges;
      // the cursor needs no column the selection asks for
      expect(edges.map((e: any) => e.cursor)).toEqual(whole.map((e: any) => e.cursor));
      expect(edges.map((e: any) => e.node[field])).toEqual(whole.map((e: any) => e.node[field]));
    }
  });

  it('pages on with a cursor from a page that read only ids', async () => {
    const first = ok(await api.gql<any>('{ engagements(first: 1) { pageInfo { endCursor } edges { node { id } } } }', {}, cast.admin)).engagements;
    const next = ok(
      await api.gql<any>('query ($after: String) { engagements(first: 5, after: $after) { edges { node { id } } } }', { after: first.pageInfo.endCursor }, cast.admin),
    ).engagements;
    expect([...first.edges, ...next.edges].map((e: any) => e.node.id)).toEqual(ids);
  });
});

describe('homework → drafts → feedback, each level one JSON value', () => {
  const levels = (h: string, d: string, f: string) => `homework { ${h} drafts { ${d} feedback { ${f} } } }`;
  const resolved = (query: string) => query.replace('homework {', `homework(status: ${ALL_STATUSES}) {`);

  it('answers every field as the field resolvers do, all at once and one field at a time', async () => {
    const plain = list(`id ${levels(all(HOMEWORK_FIELDS), all(DRAFT_FIELDS), all(FEEDBACK_FIELDS))}`);
    const whole = ok(await api.gql<any>(plain, {}, cast.admin)).engagements.edges;
    expect(whole).toEqual(ok(await api.gql<any>(resolved(plain), {}, cast.admin)).engagements.edges);
    // what the data holds, so the comparison compared something
    const [c, d, b, a] = whole.map((e: any) => e.node);
    // (C's homework stays ASSIGNED when C closes, and its due time has passed)
    expect(c.homework).toEqual([expect.objectContaining({ title: 'Late', overdue: true, status: 'ASSIGNED', drafts: [] })]);
    expect(b.homework).toEqual([]);
    expect(a.homework.map((h: any) => [h.title, h.overdue, h.dueAt === null])).toEqual([
      ['Due soon', false, false],
      ['No due time', false, true],
    ]);
    const drafts = a.homework[0].drafts;
    expect(drafts.map((d: any) => d.revision)).toEqual([1, 2]);
    expect(drafts[0].content).toBe('First "draft" \\ with quotes, a backslash and ünïcödé');
    expect(drafts[0].feedback).toMatchObject({ verdict: 'CHANGES_REQUESTED', comments: 'Shorter,\nplease.', givenBy: { id: cast.coach.id, email: cast.coach.email } });
    expect(drafts[1].feedback.givenBy).toEqual({ id: cast.coach.id, name: cast.coach.name, email: cast.coach.email });
    expect(d.homework[0].drafts[0].feedback.givenBy).toEqual({ id: cast.otherCoach.id, name: cast.otherCoach.name, email: null });
    expect(drafts[0].submittedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const one = async (h: string, d: string, f: string) => {
      const q = list(`id ${levels(h, d, f)}`);
      const answer = ok(await api.gql<any>(q, {}, cast.admin)).engagements.edges;
      expect(answer).toEqual(ok(await api.gql<any>(resolved(q), {}, cast.admin)).engagements.edges);
    };
    for (const h of Object.values(HOMEWORK_FIELDS)) await one(h, 'id', 'id');
    for (const d of Object.values(DRAFT_FIELDS)) await one('id', d, 'id');
    for (const f of Object.values(FEEDBACK_FIELDS)) await one('id', 'id', f);
  });
});
