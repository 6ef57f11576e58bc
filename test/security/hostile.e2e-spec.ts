// Hostile GraphQL, over HTTP against the real API: the inputs graphql-cop and
// InQL send on day one. Each is refused with a clear code (BAD_USER_INPUT, with
// `extensions.limit` naming the limit where one applies), an HTTP status below
// 500, and before anything runs: the API's execution counter (operations whose
// resolvers ran: graphql-js gives a result `data` only once it executes the
// operation's fields) does not move, and the request's read session sent no
// statement. Legitimate deep queries of the contract still pass (and move it).
import { getIntrospectionQuery } from 'graphql';
import request from 'supertest';
import { ExecutionCounter } from '../../apps/api/src/security/graphql-security.js';
import { TestApi } from '../support/api.js';
import { Story, newCast, type Cast } from '../support/engagements.js';
import { uniqueId } from '../support/ids.js';

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[]; extensions?: Record<string, unknown> };
  text: string;
  headers: Record<string, string>;
}

let api: TestApi;
let cast: Cast;
let token: string;
let counter: ExecutionCounter;
let engagementId: string;

beforeAll(async () => {
  // its own rate-limit keys: nothing here is about the rate limit
  api = await TestApi.start({ RATE_LIMIT_PREFIX: uniqueId('hostile') });
  counter = api.app.get(ExecutionCounter);
  cast = newCast('hostile');
  token = await api.token(cast.coach);
  const story = new Story(api, cast);
  const { engagement, draftId } = await story.withDraft();
  await story.feedback(draftId, 'CHANGES_REQUESTED');
  engagementId = engagement.id;
});
afterAll(async () => {
  await api?.close();
});

function answer(res: request.Response): Answer {
  let body: Answer['body'] = {};
  try {
    body = JSON.parse(res.text) as Answer['body'];
  } catch {
    // asserted below: every answer is JSON
  }
  return { status: res.status, body, text: res.text, headers: res.headers as Record<string, string> };
}

/** POSTs a raw body as the engagement's coach. */
async function post(body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const req = request(api.url).post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${token}`);
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return answer(await req.send(typeof body === 'string' ? body : JSON.stringify(body)));
}

const gql = (query: string, variables: Record<string, unknown> = {}) => post({ query, variables });

/**
 * Runs `send` and checks its answer is a refusal made before execution:
 * JSON, HTTP status `status` (< 500), every error BAD_USER_INPUT (or `code`),
 * no data, the execution counter unchanged, no SQL statement sent, no stack trace.
 */
async function refusedBeforeExecution(send: () => Promise<Answer>, status: number, code = 'BAD_USER_INPUT'): Promise<Answer> {
  const before = counter.executions;
  const res = await send();
  expect(counter.executions).toBe(before);
  expect(res.status).toBe(status);
  expect(res.status).toBeLessThan(500);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body.errors?.length).toBeGreaterThan(0);
  for (const error of res.body.errors!) {
    expect(error.extensions.code).toBe(code);
    expect(typeof error.message).toBe('string');
  }
  expect(res.body.data ?? null).toBeNull();
  expect(res.body.extensions?.sqlStatements ?? 0).toBe(0);
  expect(res.text).not.toMatch(/\n\s+at |node_modules|\.(ts|js):\d+/); // no stack trace, no file path
  return res;
}

const limitsOf = (res: Answer) => res.body.errors!.map((e) => e.extensions.limit).filter(Boolean);

/** The deepest chain of the contract: engagements → edges → node → homework → drafts → feedback → draft → homework → id (9 levels). */
const DEEPEST_LEGITIMATE = `query Deepest {
  engagements(first: 5) { edges { node { homework { id drafts { feedback { draft { homework { id title } } } } } } } }
}`;

/** `levels` nested homework → drafts → feedback → draft → homework ... below engagement(id:). */
function nested(levels: number): string {
  const path = ['homework', 'drafts', 'feedback', 'draft'];
  let inner = 'id';
  for (let i = levels - 1; i >= 0; i--) inner = `${path[i % 4]} { ${inner} }`;
  return `query ($id: ID!) { engagement(id: $id) { ${inner} } }`;
}

describe('legitimate queries still pass', () => {
  it('the deepest chain of the contract (9 levels), with real rows at every level', async () => {
    const before = counter.executions;
    const res = await gql(DEEPEST_LEGITIMATE);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const node = (res.body.data as any).engagements.edges[0].node;
    expect(node.homework[0].drafts[0].feedback.draft.homework.id).toBe(node.homework[0].id);
    expect(node.homework[0].drafts[0].feedback.draft.homework.title).toBe('Articulate your hook');
    // the positive control: a query that runs moves the counter by one
    expect(counter.executions).toBe(before + 1);
  });

  it('an engagement page with everything on it, and the same fields 100 times under aliases', async () => {
    const everything = `query ($id: ID!) { engagement(id: $id) {
      id title status version openHomeworkCount overdueHomeworkCount awaitingFeedbackCount outcome openedAt updatedAt closedAt
      coach { id name email } client { id name email }
      intake { presentingQuestion background goals currentStrategy recordedAt baseline { channel applications interviews offers interviewRate } }
      sessions { id heldAt durationMinutes summary }
      jobSearch { applications interviews offers interviewRate channels { channel applications interviews offers interviewRate } }
      homework { id title instructions dueAt status overdue assignedAt
        latestDraft { id revision feedback { id verdict comments givenBy { id name } givenAt } }
        drafts { id revision content submittedAt feedback { id verdict comments givenAt draft { id homework { id } } } }
        reminders { id kind status recipient { id name email } scheduledFor sentAt channel } }
      timeline(first: 50) { pageInfo { hasNextPage endCursor } edges { cursor node { version type occurredAt actorId actorRole data } } }
    } }`;
    const res = await gql(everything, { id: engagementId });
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data as any).engagement.homework[0].drafts[0].feedback.verdict).toBe('CHANGES_REQUESTED');

    const aliases = `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`;
    const wide = await gql(aliases);
    expect(wide.body.errors).toBeUndefined();
    expect(Object.keys(wide.body.data as object)).toHaveLength(100);
  });

  it('a page size given as a variable counts as written: 200 with nested lists is too costly, 5 is not', async () => {
    const query = `query ($n: Int) { engagements(first: $n) { edges { node {
      homework { drafts { feedback { id } } reminders { id } } timeline(first: 200) { edges { node { type } } } } } } }`;
    expect((await gql(query, { n: 5 })).body.errors).toBeUndefined();
    const res = await refusedBeforeExecution(() => gql(query, { n: 200 }), 400);
    expect(limitsOf(res)).toEqual(['cost']);
  });

  it('introspection (development and tests only), whose TypeRef fragment nests 9 levels deep', async () => {
    const res = await gql(getIntrospectionQuery({ descriptions: true }));
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data as any).__schema.queryType.name).toBe('Query');
  });
});

describe('hostile queries are refused before anything runs', () => {
  it('101 aliases', async () => {
    const query = `{ ${Array.from({ length: 101 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`;
    const res = await refusedBeforeExecution(() => gql(query), 400);
    expect(limitsOf(res)).toEqual(['aliases']);
    expect(res.body.errors![0]!.message).toMatch(/101 aliases; the limit is 100/);
  });

  it('a JSON batch of 11 operations (batching is off)', async () => {
    const batch = Array.from({ length: 11 }, (_, i) => ({ query: `query Q${i} { viewer { id } }` }));
    const res = await refusedBeforeExecution(() => post(batch), 400);
    expect(res.body.errors![0]!.message).toMatch(/batching/i);
  });

  it('__typename 500 times', async () => {
    const res = await refusedBeforeExecution(() => gql(`{ ${'__typename '.repeat(500)}}`), 400);
    expect(limitsOf(res)).toEqual(['fields']);
  });

  it('circular fragments', async () => {
    const query = `query { viewer { ...A } } fragment A on Viewer { id ...B } fragment B on Viewer { role ...A }`;
    const res = await refusedBeforeExecution(() => gql(query), 400);
    expect(res.body.errors!.map((e) => e.message).join(' ')).toMatch(/Cannot spread fragment "A" within itself/);
  });

  it('51 directives', async () => {
    const query = `{ ${Array.from({ length: 51 }, (_, i) => `t${i}: __typename @include(if: true)`).join(' ')} }`;
    const res = await refusedBeforeExecution(() => gql(query), 400);
    expect(limitsOf(res)).toEqual(['directives']);
  });

  it('depth beyond the limit (11 levels), written out or through fragments', async () => {
    const res = await refusedBeforeExecution(() => gql(nested(10), { id: engagementId }), 400);
    expect(limitsOf(res)).toEqual(['depth']);
    expect((await gql(nested(8), { id: engagementId })).body.errors).toBeUndefined(); // 10 levels: at the limit

    const viaFragments = `query ($id: ID!) { engagement(id: $id) { ...E } }
      fragment E on Engagement { homework { ...H } }
      fragment H on Homework { drafts { feedback { draft { homework { drafts { feedback { draft { homework { id } } } } } } } } }`;
    expect(limitsOf(await refusedBeforeExecution(() => gql(viaFragments, { id: engagementId }), 400))).toEqual(['depth']);
  });

  it('a fragment named __schema, or an alias __schema, does not smuggle depth or cost past the limits', async () => {
    const deep = `query { ...__schema }
      fragment __schema on Query { engagements { edges { node { homework { drafts { feedback { draft { homework { drafts { feedback { id } } } } } } } } } } }`;
    expect(limitsOf(await refusedBeforeExecution(() => gql(deep), 400))).toContain('depth');

    const costly = `query { ...__schema }
      fragment __schema on Query { engagements(first: 200) { edges { node {
        homework { drafts { id feedback { id } } reminders { id } } timeline(first: 100) { edges { node { type } } } } } } }`;
    expect(limitsOf(await refusedBeforeExecution(() => gql(costly), 400))).toEqual(['cost']);

    const aliased = `query { __schema: engagements(first: 200) { edges { node { homework { drafts { feedback { draft { homework { drafts { id } } } } } } } } } }`;
    // (Draft.homework is one homework: the lists here are engagements, homework, drafts, drafts)
    expect(limitsOf(await refusedBeforeExecution(() => gql(aliased), 400))).toEqual(['cost']);
  });

  it('a query costing over the limit', async () => {
    const query = `{ engagements(first: 200) { edges { node {
      homework { drafts { feedback { id } } reminders { id recipient { id } } }
      timeline(first: 200) { edges { node { type data } } } } } } }`;
    const res = await refusedBeforeExecution(() => gql(query), 400);
    expect(limitsOf(res)).toEqual(['cost']);
    expect(res.body.errors![0]!.message).toMatch(/the limit is 7000000/);
  });

  it('unpaged lists nested through a back-reference: homework → engagement → homework three times (issue 9: 41 MB)', async () => {
    const query = `query ($id: ID!) { engagement(id: $id) { homework { engagement { homework { engagement { homework { instructions } } } } } } }`;
    const res = await refusedBeforeExecution(() => gql(query, { id: engagementId }), 400);
    expect(limitsOf(res)).toEqual(['cost']);
  });

  it('more tokens than the parser takes', async () => {
    const query = `{ viewer { ${'id '.repeat(5_000)}} }`;
    const res = await refusedBeforeExecution(() => gql(query), 400);
    expect(res.body.errors![0]!.message).toMatch(/5000 tokens/);
  });

  it('a mutation over GET: refused as a possible CSRF, and as a GET even with the preflight header', async () => {
    const mutation = `mutation { resumeEngagement(input: { engagementId: "${engagementId}" }) { id } }`;
    const get = (headers: Record<string, string>) => async () => {
      const req = request(api.url).get('/graphql').query({ query: mutation }).set('authorization', `Bearer ${token}`);
      for (const [k, v] of Object.entries(headers)) req.set(k, v);
      return answer(await req);
    };
    await refusedBeforeExecution(get({}), 400);
    const res = await refusedBeforeExecution(get({ 'apollo-require-preflight': 'true' }), 405);
    expect(res.body.errors![0]!.message).toMatch(/GET requests only support query operations/);
  });

  it('a text/plain POST (a form a browser may send cross-site without preflight)', async () => {
    const res = await refusedBeforeExecution(() => post({ query: '{ viewer { id } }' }, { 'content-type': 'text/plain' }), 400);
    expect(res.body.errors![0]!.message).toMatch(/Cross-Site Request Forgery/);
  });

  it('a 2 MB body: 413, as a GraphQL error', async () => {
    const res = await refusedBeforeExecution(() => post({ query: '{ viewer { id } }', variables: { pad: 'x'.repeat(2_000_000) } }), 413);
    expect(res.body.errors![0]!.extensions.limit).toBe('bodySize');
  });

  it('a body that is not JSON: 400, as a GraphQL error', async () => {
    await refusedBeforeExecution(() => post('{"query": "{ viewer { id } }"'), 400);
  });

  it('huge variables: a 900 KB string, a deeply nested value, a list of 100,000 items', async () => {
    const submit = `mutation ($input: SubmitDraftInput!) { submitDraft(input: $input) { id } }`;
    const big = await refusedBeforeExecution(() => gql(submit, { input: { homeworkId: engagementId, content: 'x'.repeat(900_000) } }), 400);
    expect(big.body.errors![0]!.extensions).toMatchObject({ limit: 'stringLength', field: 'input.content' });

    // written as text: 5,000 levels are more than JSON.stringify's recursion takes
    const deep = `${'{"a":'.repeat(5_000)}"bottom"${'}'.repeat(5_000)}`;
    const settings = `mutation ($input: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $input) { emailReminders } }`;
    const nestedRes = await refusedBeforeExecution(() => post(`{"query": ${JSON.stringify(settings)}, "variables": {"input": ${deep}}}`), 400);
    expect(nestedRes.body.errors![0]!.extensions.limit).toBe('inputDepth');

    const list = await refusedBeforeExecution(() => gql(settings, { input: { dueSoonOffsetsMinutes: Array.from({ length: 100_000 }, () => 60) } }), 400);
    expect(list.body.errors![0]!.extensions).toMatchObject({ limit: 'listLength', field: 'input.dueSoonOffsetsMinutes' });
  });

  it('a 900 KB string written into the document itself', async () => {
    const query = `mutation { submitDraft(input: { homeworkId: "${engagementId}", content: "${'x'.repeat(900_000)}" }) { id } }`;
    const res = await refusedBeforeExecution(() => gql(query), 400);
    expect(limitsOf(res)).toEqual(['stringLength']);
  });

  it('misspelt fields, input fields and enum values: refused without suggesting the schema ("Did you mean")', async () => {
    const typo = await refusedBeforeExecution(() => gql('{ viewr { id } engagment(id: "x") { id } }'), 400);
    expect(typo.text).not.toMatch(/Did you mean/i);
    const log = `mutation ($input: LogJobSearchActivityInput!) { logJobSearchActivity(input: $input) { id } }`;
    const input = { engagementId, channel: 'JOB_BORD', applications: 1, interviews: 0, notte: 'x' };
    const coercion = await refusedBeforeExecution(() => gql(log, { input }), 400);
    expect(coercion.body.errors!.map((e) => e.extensions.field).sort()).toEqual(['input.channel', 'input.notte']);
    expect(coercion.text).not.toMatch(/Did you mean/i);
    const literal = await refusedBeforeExecution(() => gql('{ engagements(filter: { stauts: [ACTIV] }) { totalCount } }'), 400);
    expect(literal.text).not.toMatch(/Did you mean/i);
  });
});
