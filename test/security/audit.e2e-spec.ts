// The access audit: every read of an engagement by someone who is neither its
// coach nor its client (an ADMIN of the practice) is recorded — who, role,
// practice, engagement, root field, operation name, request id, when — one row
// per engagement and request, and listed by ADMIN through `accessAudit`. The
// coach's and the client's own reads are not recorded. The table is practice
// data under row-level security, and append-only for the service.
import pg from 'pg';
import request from 'supertest';
import { TestApi, type Caller } from '../support/api.js';
import { TEST_APP_DATABASE_URL, testPool } from '../support/db.js';
import { Q, Story, codeOf, newCast, ok, type Cast } from '../support/engagements.js';
import { uniqueId } from '../support/ids.js';
import { subscribe, wsClient } from '../support/subscriptions.js';
import { waitFor } from '../support/wait.js';

const AUDIT = `query ($engagementId: ID, $first: Int, $after: String) {
  accessAudit(engagementId: $engagementId, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id engagementId actorId actorRole operation operationName requestId occurredAt } }
  }
}`;

interface Entry {
  id: string;
  engagementId: string;
  actorId: string;
  actorRole: string;
  operation: string;
  operationName: string | null;
  requestId: string;
  occurredAt: string;
}

let api: TestApi;
let owner: pg.Pool;
let cast: Cast;
let engagementId: string;
let homeworkId: string;

beforeAll(async () => {
  api = await TestApi.start({ RATE_LIMIT_PREFIX: uniqueId('audit') });
  owner = testPool(2);
  cast = newCast('audit');
  const story = new Story(api, cast);
  const engagement = await story.open();
  await story.intake(engagement.id);
  homeworkId = (await story.assign(engagement.id)).id;
  engagementId = engagement.id;
});
afterAll(async () => {
  await owner?.end();
  await api?.close();
});

/** POSTs `query` as `caller` with a request id of our choosing, so the audit row can be told apart. */
async function read(caller: Caller, query: string, variables: Record<string, unknown>, requestId = uniqueId('req')) {
  const res = await request(api.url)
    .post('/graphql')
    .set('content-type', 'application/json')
    .set('authorization', `Bearer ${await api.token(caller)}`)
    .set('x-request-id', requestId)
    .send({ query, variables });
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  return { requestId, data: res.body.data };
}

async function audit(caller: Caller, variables: Record<string, unknown> = {}): Promise<Entry[]> {
  const data = ok(await api.gql<{ accessAudit: { edges: { node: Entry }[] } }>(AUDIT, { first: 200, ...variables }, caller));
  return data.accessAudit.edges.map((e) => e.node);
}

/** Rows of the engagement in the table itself (as the owner, below the API). */
async function rowsOf(id: string): Promise<number> {
  const { rows } = await owner.query<{ n: number }>('SELECT count(*)::int AS n FROM access_audit WHERE engagement_id = $1', [id]);
  return rows[0]!.n;
}

describe('what is recorded', () => {
  it("records an ADMIN's read of an engagement: who, role, root field, operation name, request, when", async () => {
    const started = Date.now();
    const { requestId } = await read(cast.admin, `query AdminLooks($id: ID!) { engagement(id: $id) { id title } }`, { id: engagementId });
    const entries = (await audit(cast.admin, { engagementId })).filter((e) => e.requestId === requestId);
    expect(entries).toEqual([
      {
        id: expect.any(String),
        engagementId,
        actorId: cast.admin.id,
        actorRole: 'ADMIN',
        operation: 'Query.engagement',
        operationName: 'AdminLooks',
        requestId,
        occurredAt: expect.any(String),
      },
    ]);
    const when = Date.parse(entries[0]!.occurredAt);
    expect(when).toBeGreaterThanOrEqual(started - 5_000); // database clock vs ours: a generous margin
    const { rows } = await owner.query('SELECT practice_id FROM access_audit WHERE request_id = $1', [requestId]);
    expect(rows).toEqual([{ practice_id: cast.practiceId }]);
  });

  it('records reads through Query.homework and each engagement of Query.engagements, once per engagement and request', async () => {
    const viaHomework = await read(cast.admin, `query ($id: ID!) { homework(id: $id) { id engagement { id } } }`, { id: homeworkId });
    const viaList = await read(cast.admin, Q.engagements, { first: 50 });
    // the same engagement reached three ways in one request: one row
    const both = await read(
      cast.admin,
      `query ($id: ID!, $hw: ID!) { engagement(id: $id) { id homework { id } } homework(id: $hw) { id } engagements { edges { node { id } } } }`,
      { id: engagementId, hw: homeworkId },
    );
    const entries = await audit(cast.admin, { engagementId });
    const byRequest = (id: string) => entries.filter((e) => e.requestId === id);
    expect(byRequest(viaHomework.requestId).map((e) => e.operation)).toEqual(['Query.homework']);
    expect(byRequest(viaList.requestId).map((e) => e.operation)).toEqual(['Query.engagements']);
    expect(byRequest(both.requestId)).toHaveLength(1);
  });

  it('records an ADMIN watching an engagement live (engagementEvents)', async () => {
    const before = await rowsOf(engagementId);
    const client = await wsClient(api, cast.admin);
    try {
      const live = subscribe(client, 'subscription ($id: ID!) { engagementEvents(engagementId: $id) { version type } }', { id: engagementId });
      const entries = await waitFor('the subscription to be audited', async () => {
        const found = (await audit(cast.admin, { engagementId })).filter((e) => e.operation === 'Subscription.engagementEvents');
        return found.length > 0 ? found : null;
      });
      expect(entries[0]).toMatchObject({ actorId: cast.admin.id, actorRole: 'ADMIN', engagementId });
      expect(await rowsOf(engagementId)).toBe(before + 1);
      live.unsubscribe();
    } finally {
      await client.dispose();
    }
  });

  it("does not record the coach's or the client's reads of their own engagement", async () => {
    const before = await rowsOf(engagementId);
    for (const caller of [cast.coach, cast.client]) {
      await read(caller, Q.engagement, { id: engagementId });
      await read(caller, Q.homework, { id: homeworkId });
      await read(caller, Q.engagements, {});
    }
    expect(await rowsOf(engagementId)).toBe(before);
  });

  it('does not record reads that were refused (another coach: FORBIDDEN; another practice: NOT_FOUND)', async () => {
    const before = await rowsOf(engagementId);
    expect(codeOf(await api.gql(Q.engagement, { id: engagementId }, cast.otherCoach))).toBe('FORBIDDEN');
    expect(codeOf(await api.gql(Q.engagement, { id: engagementId }, cast.foreignAdmin))).toBe('NOT_FOUND');
    expect(await rowsOf(engagementId)).toBe(before);
  });

  it('never fails the read when the audit cannot be written (the failure is logged)', async () => {
    await owner.query('REVOKE INSERT ON access_audit FROM coaching_app');
    try {
      const res = await api.gql<{ engagement: { id: string } }>(Q.engagement, { id: engagementId }, cast.admin);
      expect(ok(res).engagement.id).toBe(engagementId);
    } finally {
      await owner.query('GRANT INSERT ON access_audit TO coaching_app');
    }
  });
});

describe('who may list it', () => {
  it('is ADMIN only: FORBIDDEN to a coach and to a client', async () => {
    for (const caller of [cast.coach, cast.client]) {
      expect(codeOf(await api.gql(AUDIT, { engagementId }, caller))).toBe('FORBIDDEN');
    }
  });

  it("shows an ADMIN nothing of another practice's audit", async () => {
    // the other practice has an engagement of its own, read by its admin
    const foreignCast = { ...cast, coach: cast.foreignCoach, client: cast.foreignClient };
    const foreign = await new Story(api, foreignCast).open('Foreign engagement', cast.foreignCoach);
    await read(cast.foreignAdmin, Q.engagement, { id: foreign.id });
    expect(await rowsOf(foreign.id)).toBe(1);

    const ours = await audit(cast.admin);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.every((e) => e.engagementId !== foreign.id)).toBe(true);
    expect(await audit(cast.admin, { engagementId: foreign.id })).toEqual([]);
    // and theirs holds only their read
    const theirs = await audit(cast.foreignAdmin);
    expect(theirs.map((e) => e.engagementId)).toEqual([foreign.id]);
    expect(await audit(cast.foreignAdmin, { engagementId })).toEqual([]);
  });

  it('pages newest first with cursors, and refuses a cursor it did not give', async () => {
    const all = await audit(cast.admin, { engagementId });
    expect(all.length).toBeGreaterThanOrEqual(3);
    const ids = all.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const first = ok(await api.gql<any>(AUDIT, { engagementId, first: 2 }, cast.admin)).accessAudit;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = ok(await api.gql<any>(AUDIT, { engagementId, first: 2, after: first.pageInfo.endCursor }, cast.admin)).accessAudit;
    expect([...first.edges, ...second.edges].map((e: { node: Entry }) => e.node.id)).toEqual(all.slice(0, 4).map((e) => e.id));
    const bad = await api.gql(AUDIT, { after: 'not-a-cursor' }, cast.admin);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('below the application (the service role, raw SQL)', () => {
  let app: pg.Client;
  beforeAll(async () => {
    app = new pg.Client({ connectionString: TEST_APP_DATABASE_URL });
    await app.connect();
  });
  afterAll(async () => {
    await app?.end();
  });

  it('sees no row without a practice set, and only its own practice with one', async () => {
    expect((await app.query('SELECT count(*)::int AS n FROM access_audit')).rows[0].n).toBe(0);
    await app.query('BEGIN');
    try {
      await app.query(`SELECT set_config('app.practice_id', $1, true)`, [cast.foreignAdmin.practiceId]);
      const { rows } = await app.query<{ practice_id: string }>('SELECT DISTINCT practice_id FROM access_audit');
      expect(rows).toEqual([{ practice_id: cast.foreignAdmin.practiceId }]);
    } finally {
      await app.query('ROLLBACK');
    }
  });

  it('cannot rewrite or remove audit rows, nor write one into another practice', async () => {
    await app.query('BEGIN');
    try {
      await app.query(`SELECT set_config('app.practice_id', $1, true)`, [cast.practiceId]);
      await expect(app.query(`UPDATE access_audit SET actor_id = 'someone-else'`)).rejects.toThrow(/permission denied/);
    } finally {
      await app.query('ROLLBACK');
    }
    await app.query('BEGIN');
    try {
      await app.query(`SELECT set_config('app.practice_id', $1, true)`, [cast.practiceId]);
      await expect(app.query('DELETE FROM access_audit')).rejects.toThrow(/permission denied/);
    } finally {
      await app.query('ROLLBACK');
    }
    await app.query('BEGIN');
    try {
      await app.query(`SELECT set_config('app.practice_id', $1, true)`, [cast.practiceId]);
      await expect(
        app.query(
          `INSERT INTO access_audit (practice_id, engagement_id, actor_id, actor_role, operation, request_id)
           VALUES ($1, $2, 'x', 'ADMIN', 'Query.engagement', 'r')`,
          [cast.foreignAdmin.practiceId, engagementId],
        ),
      ).rejects.toThrow(/row-level security/);
    } finally {
      await app.query('ROLLBACK');
    }
  });
});
