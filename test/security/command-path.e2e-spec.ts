// Issue 9 findings on the command path, each reproduced from outside:
// 6. an ADMIN's read through an idempotent replay (or any mutation answer) is audited,
//    and a replay re-checks that the caller may still read what it returns;
// 7. idempotency records are keyed by (practice, actor, key): an actor id shaped like
//    `alice:k` cannot replay alice's key `k:…`;
// 8. authorization comes before the concurrency check: no CONFLICT to whoever would get FORBIDDEN;
// 9. cursors, dates and scalars are checked before any SQL: BAD_USER_INPUT naming the field.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { TestApi, type Caller } from '../support/api.js';
import { testPool } from '../support/db.js';
import { EventLog, M, Q, Story, errorOf, inAnHour, newCast, ok, type Cast } from '../support/engagements.js';
import { uniqueId } from '../support/ids.js';

let api: TestApi;
let pool: pg.Pool;
let log: EventLog;

beforeAll(async () => {
  api = await TestApi.start({ RATE_LIMIT_PREFIX: uniqueId('command-path') });
  pool = testPool(2);
  log = new EventLog(pool);
});
afterAll(async () => {
  await pool?.end();
  await api?.close();
});

async function activeEngagement(cast: Cast = newCast('command-path')): Promise<{ cast: Cast; id: string }> {
  const story = new Story(api, cast);
  const { id } = await story.open();
  await story.intake(id);
  return { cast, id };
}

const assign = (engagementId: string, extra: Record<string, unknown> = {}) => ({
  input: { engagementId, title: 'Articulate your hook', instructions: 'Elevator pitch', dueAt: inAnHour(), ...extra },
});

async function auditRows(engagementId: string): Promise<{ actor_id: string; operation: string }[]> {
  const { rows } = await pool.query<{ actor_id: string; operation: string }>(
    'SELECT actor_id, operation FROM access_audit WHERE engagement_id = $1 ORDER BY id',
    [engagementId],
  );
  return rows;
}

describe('6. reads through a mutation answer, replays included', () => {
  it("audits an ADMIN's replay of an idempotent mutation, every time it answers", async () => {
    const { cast, id } = await activeEngagement();
    const input = { input: { engagementId: id, reason: 'holiday', idempotencyKey: 'pause-1' } };
    ok(await api.gql(M.pauseEngagement, input, cast.admin));
    ok(await api.gql(M.pauseEngagement, input, cast.admin));
    ok(await api.gql(M.pauseEngagement, input, cast.admin));
    const rows = (await auditRows(id)).filter((r) => r.actor_id === cast.admin.id);
    expect(rows.map((r) => r.operation)).toEqual(['Mutation.pauseEngagement', 'Mutation.pauseEngagement', 'Mutation.pauseEngagement']);
    expect(await log.version(id)).toBe(3);
  });

  it('re-checks on a replay that the caller may still read the answer', async () => {
    const { cast, id } = await activeEngagement();
    const input = assign(id, { idempotencyKey: 'assign-1' });
    ok(await api.gql(M.assignHomework, input, cast.admin));
    // the same subject, no longer an admin: not this engagement's coach
    const demoted: Caller = { ...cast.admin, role: 'COACH' };
    const res = await api.gql(M.assignHomework, input, demoted);
    expect(errorOf(res).extensions.code).toBe('FORBIDDEN');
    expect(res.data).toBeNull();
  });

  it("does not audit the coach's own mutations", async () => {
    const { cast, id } = await activeEngagement();
    const input = assign(id, { idempotencyKey: 'own-1' });
    ok(await api.gql(M.assignHomework, input, cast.coach));
    ok(await api.gql(M.assignHomework, input, cast.coach));
    expect(await auditRows(id)).toEqual([]);
  });
});

describe('7. idempotency keys belong to one actor', () => {
  it('an actor id shaped like `coach:k` does not replay the key `k:1` of `coach`', async () => {
    const { cast, id } = await activeEngagement();
    const input = assign(id, { idempotencyKey: 'k:1' });
    const first = ok(await api.gql<any>(M.assignHomework, input, cast.coach)).assignHomework;
    const lookalike: Caller = { ...cast.coach, id: `${cast.coach.id}:k` };
    const res = await api.gql<any>(M.assignHomework, assign(id, { idempotencyKey: '1', title: input.input.title, dueAt: input.input.dueAt }), lookalike);
    // not a replay of the coach's answer: the look-alike is not this engagement's coach
    expect(errorOf(res).extensions.code).toBe('FORBIDDEN');
    expect(JSON.stringify(res.body)).not.toContain(first.id);
  });

  it('stores the actor and the key as separate columns', async () => {
    const { cast, id } = await activeEngagement();
    ok(await api.gql(M.assignHomework, assign(id, { idempotencyKey: 'columns-1' }), cast.coach));
    const { rows } = await pool.query('SELECT actor_id, idempotency_key FROM event_idempotency WHERE practice_id = $1 AND stream_id = $2', [
      cast.practiceId,
      id,
    ]);
    expect(rows).toEqual([{ actor_id: cast.coach.id, idempotency_key: 'columns-1' }]);
  });

  it('two actors of one practice may use the same key for their own writes', async () => {
    const { cast, id } = await activeEngagement();
    const a = ok(await api.gql<any>(M.assignHomework, assign(id, { idempotencyKey: 'same' }), cast.coach)).assignHomework;
    const b = ok(await api.gql<any>(M.assignHomework, assign(id, { idempotencyKey: 'same' }), cast.admin)).assignHomework;
    expect(a.id).not.toBe(b.id);
    expect(await log.version(id)).toBe(4);
  });
});

describe('8. authorization before the concurrency check', () => {
  it.each([
    ['another coach of the practice', (c: Cast) => c.otherCoach],
    ["the engagement's client", (c: Cast) => c.client],
    ['another client of the practice', (c: Cast) => c.otherClient],
  ])('%s with a stale expectedVersion gets FORBIDDEN, never the actual version', async (_who, who) => {
    const { cast, id } = await activeEngagement();
    const res = await api.gql(M.assignHomework, assign(id, { expectedVersion: 1 }), who(cast));
    expect(errorOf(res).extensions).toEqual({ code: 'FORBIDDEN' });
    expect(JSON.stringify(res.body)).not.toContain('actualVersion');
    expect(await log.version(id)).toBe(2);
  });

  it('another practice gets NOT_FOUND', async () => {
    const { cast, id } = await activeEngagement();
    const res = await api.gql(M.assignHomework, assign(id, { expectedVersion: 1 }), cast.foreignCoach);
    expect(errorOf(res).extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the coach with a stale version still gets CONFLICT', async () => {
    const { cast, id } = await activeEngagement();
    const res = await api.gql(M.assignHomework, assign(id, { expectedVersion: 1 }), cast.coach);
    expect(errorOf(res).extensions).toEqual({ code: 'CONFLICT', expectedVersion: 1, actualVersion: 2 });
  });
});

describe('9. bad scalars never reach PostgreSQL', () => {
  let cast: Cast;
  let id: string;
  beforeAll(async () => {
    ({ cast, id } = await activeEngagement());
  });

  it.each([
    ['base64', (s: string) => Buffer.from(s).toString('base64')],
    ['base64url', (s: string) => Buffer.from(s).toString('base64url')],
  ])('a forged engagements cursor "1|<uuid>" (%s) → BAD_USER_INPUT on after', async (_enc, encode) => {
    const res = await api.gql(Q.engagements, { first: 5, after: encode(`1|${randomUUID()}`) }, cast.coach);
    expect(errorOf(res).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it.each(['NaN', 'not a date', '+100000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z'])(
    'practiceDashboard(since: %p) → BAD_USER_INPUT on since',
    async (since) => {
      const res = await api.gql(Q.practiceDashboard, { since }, cast.admin);
      expect(errorOf(res).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'since' });
    },
  );

  it.each(['+100000-01-01T00:00:00Z', '+010000-01-01T00:00:00Z'])('assignHomework dueAt %p → BAD_USER_INPUT on input.dueAt, nothing stored', async (dueAt) => {
    const res = await api.gql(M.assignHomework, assign(id, { dueAt }), cast.coach);
    expect(errorOf(res).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.dueAt' });
    expect(await log.version(id)).toBe(2);
  });

  it('logCoachingSession heldAt far in the future → BAD_USER_INPUT on input.heldAt', async () => {
    const res = await api.gql(
      M.logCoachingSession,
      { input: { engagementId: id, heldAt: '+100000-01-01T00:00:00Z', durationMinutes: 30, summary: 's' } },
      cast.coach,
    );
    expect(errorOf(res).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.heldAt' });
  });
});
