import { randomUUID } from 'node:crypto';
import { TestApi, type Caller } from '../support/api.js';
import { M, newCast, person, Q, Story } from '../support/engagements.js';
import { sample } from '../ops/support.js';

// Queries and mutations run on graphql-js until their document has run
// GRAPHQL_JIT_AFTER times, then on a compiled plan (graphql-jit,
// apps/api/src/graphql/compiled-executor.ts). Here that is after one run: each
// operation below is sent twice, first interpreted, then compiled, and the two
// answers must be the same to the byte: data, errors (codes, messages, paths,
// locations) and HTTP status, for every shape the contract has (lists,
// fragments, unions, scalars, nulls, errors from resolvers and from rules, a
// mutation replayed by its idempotency key).

const METRICS_TOKEN = `metrics-${randomUUID()}`;
const cast = newCast('compiled');
let api: TestApi;
let engagementId: string;
let homeworkId: string;
let draftId: string;

const executions = async (executor: string) => {
  const res = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  return sample(await res.text(), 'coaching_graphql_executions_total', { executor }) ?? 0;
};

beforeAll(async () => {
  api = await TestApi.start({ METRICS_TOKEN, GRAPHQL_JIT_AFTER: '1', QUEUE_PREFIX: `compiled-${randomUUID().slice(0, 8)}` });
  const story = new Story(api, cast);
  const { engagement, homeworkId: h, draftId: d } = await story.withDraft();
  engagementId = engagement.id;
  homeworkId = h;
  draftId = d;
  await story.feedback(draftId, 'CHANGES_REQUESTED');
  await story.assign(engagementId, 'No due date', null);
}, 60_000);
afterAll(async () => {
  await api?.close();
});

const FULL_ENGAGEMENT = `query ($id: ID!) {
  engagement(id: $id) {
    id title status version openedAt closedAt outcome openHomeworkCount awaitingFeedbackCount overdueHomeworkCount
    coach { id name email } client { ...P }
    intake { presentingQuestion goals baseline { channel applications interviews offers interviewRate } recordedAt }
    homework { id title dueAt status overdue assignedAt latestDraft { id revision } reminders { id kind status }
      drafts { id revision content submittedAt homework { id } feedback { id verdict comments givenBy { ...P } givenAt draft { id } } } }
    open: homework(status: [ASSIGNED, CHANGES_REQUESTED]) { id status }
    sessions { id } jobSearch { applications interviews offers interviewRate channels { channel } }
    ... on Engagement { __typename }
  }
}
fragment P on Person { id name email }`;

/** each operation, and what it answers: 'data', or the code of its (first) error */
const operations: Record<string, { query: string; variables?: () => Record<string, unknown>; as: () => Caller; answers: string }> = {
  'an engagement with everything below it (fragments, an alias with arguments, nulls)': {
    query: FULL_ENGAGEMENT,
    variables: () => ({ id: engagementId }),
    as: () => cast.coach,
    answers: 'data',
  },
  'the list, with totalCount and page info': { query: Q.engagements, variables: () => ({ first: 10 }), as: () => cast.admin, answers: 'data' },
  'the timeline (an interface of event types, JSON data)': { query: Q.timeline, variables: () => ({ id: engagementId, first: 20 }), as: () => cast.client, answers: 'data' },
  'the practice dashboard': { query: Q.practiceDashboard, as: () => cast.admin, answers: 'data' },
  'a homework by id, and one that does not exist (null with NOT_FOUND)': {
    query: `query ($id: ID!, $missing: ID!) { homework(id: $id) { id title } missing: homework(id: $missing) { id } }`,
    variables: () => ({ id: homeworkId, missing: randomUUID() }),
    as: () => cast.coach,
    answers: 'NOT_FOUND',
  },
  'an engagement the caller may not see (FORBIDDEN)': { query: Q.engagement, variables: () => ({ id: engagementId }), as: () => cast.otherCoach, answers: 'FORBIDDEN' },
  'an input the resolver refuses (BAD_USER_INPUT from validation)': { query: Q.engagements, variables: () => ({ first: 100_000 }), as: () => cast.admin, answers: 'BAD_USER_INPUT' },
  'a mutation a rule refuses (a client cannot give feedback)': {
    query: M.giveFeedback,
    variables: () => ({ input: { draftId, verdict: 'ACCEPTED', comments: 'Self-approved' } }),
    as: () => cast.client,
    answers: 'FORBIDDEN',
  },
  'variables that do not fit their types (refused before any resolver runs)': {
    query: M.giveFeedback,
    variables: () => ({ input: { draftId, verdict: 'MAYBE', comments: 7, extra: true } }),
    as: () => cast.coach,
    answers: 'BAD_USER_INPUT',
  },
  'a mutation replayed by its idempotency key': {
    query: `mutation ($input: LogCoachingSessionInput!) { logCoachingSession(input: $input) { id heldAt durationMinutes summary } }`,
    variables: (() => {
      const key = randomUUID();
      return () => ({ input: { engagementId, heldAt: '2026-11-30T10:00:00.000Z', durationMinutes: 45, summary: 'Mock interview', idempotencyKey: key } });
    })(),
    as: () => cast.coach,
    answers: 'data',
  },
  'two mutations in one operation (run one after the other)': {
    query: `mutation ($a: SubmitDraftInput!, $b: OpenEngagementInput!) { a: submitDraft(input: $a) { id } b: openEngagement(input: $b) { id } }`,
    variables: () => ({ a: { homeworkId: randomUUID(), content: 'x' }, b: { coach: person(cast.coach), client: person(cast.client), title: '' } }),
    as: () => cast.coach,
    answers: 'NOT_FOUND',
  },
};

describe('a compiled plan answers exactly what graphql-js answers', () => {
  it.each(Object.keys(operations))('%s', async (name) => {
    const op = operations[name]!;
    // a document of its own (its hash is the key), not one an earlier test or the set-up ran
    const query = `${op.query}\n# ${name}`;
    const variables = op.variables?.() ?? {};
    const interpretedBefore = await executions('interpreted');
    const first = await api.gql(query, variables, op.as());
    const compiledBefore = await executions('compiled');
    const second = await api.gql(query, variables, op.as());
    // the first run was graphql-js's, the second the plan's
    expect(await executions('interpreted')).toBe(interpretedBefore + 1);
    expect(await executions('compiled')).toBe(compiledBefore + 1);
    expect(second.status).toBe(first.status);
    // the answer to the byte (`extensions.sqlStatements` aside: a replay reads what the first run wrote)
    const answer = (r: typeof first) => JSON.stringify({ ...(r.body as object), extensions: undefined });
    expect(answer(second)).toBe(answer(first));
    expect(first.errors?.[0]?.extensions.code ?? 'data').toBe(op.answers);
  });
});
