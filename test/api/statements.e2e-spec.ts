// No N+1: a nested query over a page of engagements costs the same handful of
// SQL statements whatever the page size. Outside production the API reports
// how many statements the request's read session sent, in
// `extensions.sqlStatements`, counted after the session's COMMIT (that it is
// absent in production is checked in production-mode.e2e-spec.ts).
import { jest } from '@jest/globals';
import { TestApi } from '../support/api.js';
import { M, mapLimit, newCast, ok } from '../support/engagements.js';

jest.setTimeout(60_000);

const ENGAGEMENTS = 200;
/** aliases per request and requests in flight: mutations of one request run one after another */
const BATCH = 25;
const IN_FLIGHT = 4;

/**
 * Statements of a read session that carry no data: `BEGIN READ ONLY` and the
 * practice's `set_config` (sent in one round trip, counted as two), and COMMIT.
 */
const SESSION_OVERHEAD = 3;

const NESTED = `query ($first: Int) {
  engagements(first: $first) { edges { node { homework { drafts { feedback { id } } } } } }
}`;

const cast = newCast('statements');

let api: TestApi;

/** Runs one mutation per input, BATCH of them (as aliases) per request; returns each alias's answer in input order. */
async function batched(mutation: keyof typeof M, inputType: string, inputs: Record<string, unknown>[], as = cast.coach): Promise<any[]> {
  const field = M[mutation].replace(/^mutation \(\$input: \w+!\) \{\s*/, '').replace(/\}\s*$/, '').replace('(input: $input)', '(input: $INPUT)');
  const chunks = Array.from({ length: Math.ceil(inputs.length / BATCH) }, (_, i) => inputs.slice(i * BATCH, (i + 1) * BATCH));
  const answers = await mapLimit(chunks, IN_FLIGHT, async (chunk) => {
    const params = chunk.map((_, i) => `$i${i}: ${inputType}!`).join(', ');
    const fields = chunk.map((_, i) => `a${i}: ${field.replace('$INPUT', `$i${i}`)}`).join('\n');
    const variables = Object.fromEntries(chunk.map((input, i) => [`i${i}`, input]));
    const data = ok(await api.gql<Record<string, any>>(`mutation (${params}) { ${fields} }`, variables, as));
    return chunk.map((_, i) => data[`a${i}`]);
  });
  return answers.flat();
}

async function statementsOf(first: number) {
  const res = await api.gql<any>(NESTED, { first }, cast.admin);
  const edges = ok(res).engagements.edges;
  return { edges, sqlStatements: (res.body as any).extensions?.sqlStatements as number };
}

beforeAll(async () => {
  api = await TestApi.start();
  // one practice, 200 engagements, each with a homework, a draft and feedback on it
  const opened = await batched(
    'openEngagement',
    'OpenEngagementInput',
    Array.from({ length: ENGAGEMENTS }, (_, i) => ({
      coach: { id: cast.coach.id, name: 'Mark Coach' },
      client: { id: cast.client.id, name: 'Sam Senior' },
      title: `Engagement ${i}`,
    })),
  );
  const engagementIds = opened.map((e) => e.id as string);
  await batched(
    'recordIntake',
    'RecordIntakeInput',
    engagementIds.map((engagementId) => ({ engagementId, presentingQuestion: 'What am I doing wrong?', background: '', goals: [], currentStrategy: '', baseline: [] })),
  );
  const homework = await batched(
    'assignHomework',
    'AssignHomeworkInput',
    engagementIds.map((engagementId) => ({ engagementId, title: 'Articulate your hook', instructions: '' })),
  );
  const drafts = await batched(
    'submitDraft',
    'SubmitDraftInput',
    homework.map((h) => ({ homeworkId: h.id, content: 'My hook' })),
    cast.client,
  );
  await batched(
    'giveFeedback',
    'GiveFeedbackInput',
    drafts.map((d) => ({ draftId: d.id, verdict: 'CHANGES_REQUESTED', comments: 'Shorter' })),
  );
}, 120_000);

afterAll(async () => {
  await api?.close();
});

describe('extensions.sqlStatements', () => {
  it('counts nothing for an operation that reads nothing', async () => {
    const res = await api.gql(`query { viewer { id } }`, {}, cast.admin);
    expect((res.body as any).extensions).toEqual({ sqlStatements: 0 });
  });

  it('counts BEGIN + set_config, the reads, and COMMIT of the read session', async () => {
    const { sqlStatements } = await statementsOf(1);
    // BEGIN, set_config, the page, homework, drafts, feedback, COMMIT
    expect(sqlStatements).toBe(SESSION_OVERHEAD + 4);
  });
});

describe('engagements { homework { drafts { feedback } } }', () => {
  const measured: Record<number, number> = {};

  it.each([10, 50, 200])('first: %i reads every level of every engagement', async (first) => {
    const { edges, sqlStatements } = await statementsOf(first);
    // the query really fans out: N engagements, each with its homework, draft and feedback
    expect(edges).toHaveLength(first);
    for (const { node } of edges) {
      expect(node.homework).toHaveLength(1);
      expect(node.homework[0].drafts).toHaveLength(1);
      expect(node.homework[0].drafts[0].feedback).toEqual({ id: expect.any(String) });
    }
    measured[first] = sqlStatements;
  });

  it('costs the same statements for 10, 50 and 200 engagements: one per level, no N+1', () => {
    expect(Object.keys(measured)).toHaveLength(3);
    expect(measured[50]).toBe(measured[10]);
    expect(measured[200]).toBe(measured[10]);
    const dataStatements = measured[200]! - SESSION_OVERHEAD;
    expect(dataStatements).toBeLessThanOrEqual(4);
  });
});

describe('the list answers its plain data from what it loaded (libs/engagement/src/graphql/preloaded-fields.ts)', () => {
  // `homework(status: …)` has an argument, so it (and everything below it) goes through the field resolvers
  const ALL_STATUSES = '[ASSIGNED, SUBMITTED, CHANGES_REQUESTED, ACCEPTED, CANCELLED]';
  const shape = (homework: string) => `query ($first: Int) {
    engagements(first: $first) { edges { node { id homework${homework} { id title status dueAt drafts { id revision content
      feedback { id verdict comments draft { id } } homework { id } } } } } }
  }`;

  it('answers exactly what the field resolvers answer, with the same statements', async () => {
    const plain = await api.gql<any>(shape(''), { first: 50 }, cast.admin);
    const resolved = await api.gql<any>(shape(`(status: ${ALL_STATUSES})`), { first: 50 }, cast.admin);
    const edges = ok(plain).engagements.edges;
    expect(edges).toHaveLength(50);
    expect(edges[0].node.homework[0].drafts[0].feedback.verdict).toBe('CHANGES_REQUESTED');
    expect(edges).toEqual(ok(resolved).engagements.edges);
    // the feedback's draft and the draft's homework are the field resolvers' (one more statement each at most)
    expect((plain.body as any).extensions.sqlStatements - SESSION_OVERHEAD).toBeLessThanOrEqual(6);
  });

  // Each level reads only the columns its selection asks for (read-models.ts, columnsOf): whatever is asked, and
  // however (a field twice under aliases, fragments on the way or at the level), the answer is the field resolvers'.
  const asResolved = (query: string) => query.replace('homework {', `homework(status: ${ALL_STATUSES}) {`);
  const HOMEWORK_FIELDS = '__typename id engagement { id } title instructions dueAt status overdue assignedAt latestDraft { id revision } reminders { id }';
  const DRAFT_FIELDS = '__typename id homework { id title } revision content submittedAt';
  const FEEDBACK_FIELDS = '__typename id draft { id } verdict comments givenBy { id name email } givenAt';
  const selections: Record<string, [plain: string, resolved: string]> = {
    'every field of every level': [
      `{ engagements(first: 20) { edges { node { id homework { ${HOMEWORK_FIELDS} drafts { ${DRAFT_FIELDS} feedback { ${FEEDBACK_FIELDS} } } } } } } }`,
      '',
    ],
    'ids only': ['{ engagements(first: 20) { edges { node { id homework { id drafts { id feedback { id } } } } } } }', ''],
    'one computed field per level': [
      '{ engagements(first: 20) { edges { node { homework { overdue drafts { submittedAt feedback { givenBy { name } } } } } } } }',
      '',
    ],
    'a field asked twice under an alias, with different subfields': [
      '{ engagements(first: 20) { edges { node { homework { id } hw: homework { title drafts { content } } } } } }',
      `{ engagements(first: 20) { edges { node { homework(status: ${ALL_STATUSES}) { id } hw: homework(status: ${ALL_STATUSES}) { title drafts { content } } } } } }`,
    ],
    'a fragment at the level': [
      '{ engagements(first: 20) { edges { node { homework { id ...H } } } } } fragment H on Homework { title status drafts { revision } }',
      `{ engagements(first: 20) { edges { node { homework(status: ${ALL_STATUSES}) { id title status drafts { revision } } } } } }`,
    ],
    'a fragment above the level that asks more of it': [
      '{ engagements(first: 20) { edges { node { homework { id } ...E } } } } fragment E on Engagement { homework { title drafts { content feedback { comments } } } }',
      `{ engagements(first: 20) { edges { node { homework(status: ${ALL_STATUSES}) { id title drafts { content feedback { comments } } } } } } }`,
    ],
  };

  it.each(Object.entries(selections))('reads what is asked, and answers as the field resolvers do: %s', async (_, [plain, resolved]) => {
    const a = ok(await api.gql<any>(plain, {}, cast.admin));
    const b = ok(await api.gql<any>(resolved || asResolved(plain), {}, cast.admin));
    expect(a.engagements.edges).toHaveLength(20);
    expect(JSON.stringify(a)).toContain('"homework"');
    expect(a).toEqual(b);
  });
});
