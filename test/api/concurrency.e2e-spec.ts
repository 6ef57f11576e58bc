// Optimistic concurrency and idempotency over HTTP: `expectedVersion` refuses
// a write made on stale data (CONFLICT, nothing stored), writers that don't pin
// a version are retried on the new state (the stream stays gapless), and an
// `idempotencyKey` makes a retried mutation answer the first result and append nothing.
import { jest } from '@jest/globals';
import { M, Story, errorOf, inAnHour, newCast, ok, person, type Cast } from '../support/engagements.js';
import { e2e } from '../support/e2e.js';

jest.setTimeout(30_000);

const the = e2e({ pool: 2 });

/** A fresh ACTIVE engagement (version 2) in a practice of its own. */
async function activeEngagement(): Promise<{ cast: Cast; story: Story; id: string }> {
  const cast = newCast('concurrency');
  const story = new Story(the.api, cast);
  const { id } = await story.open();
  await story.intake(id);
  return { cast, story, id };
}

const assign = (engagementId: string, extra: Record<string, unknown> = {}) => ({
  input: { engagementId, title: 'Articulate your hook', instructions: 'Elevator pitch', dueAt: inAnHour(), ...extra },
});

async function versionsOf(streamId: string): Promise<number[]> {
  return (await the.log.stream(streamId)).map((e) => e.version);
}

async function homeworkRows(engagementId: string): Promise<string[]> {
  const { rows } = await the.pool.query<{ id: string }>('SELECT id FROM homework WHERE engagement_id = $1 ORDER BY id', [engagementId]);
  return rows.map((r) => r.id);
}

describe('expectedVersion', () => {
  it('refuses a stale version with CONFLICT, both versions, and changes nothing', async () => {
    const { cast, id } = await activeEngagement();
    const res = await the.api.gql(M.assignHomework, assign(id, { expectedVersion: 1 }), cast.coach);
    expect(errorOf(res).extensions).toEqual({ code: 'CONFLICT', expectedVersion: 1, actualVersion: 2 });
    expect(res.data).toBeNull();
    expect(await the.log.version(id)).toBe(2);
    expect(await homeworkRows(id)).toEqual([]);
    const { rows } = await the.pool.query('SELECT version, open_homework_count FROM engagements WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ version: 2, open_homework_count: 0 });
  });

  it('refuses a version ahead of the stream too', async () => {
    const { cast, id } = await activeEngagement();
    const res = await the.api.gql(M.assignHomework, assign(id, { expectedVersion: 7 }), cast.coach);
    expect(errorOf(res).extensions).toEqual({ code: 'CONFLICT', expectedVersion: 7, actualVersion: 2 });
    expect(await the.log.version(id)).toBe(2);
  });

  it('refuses a stale intake: the engagement stays in INTAKE', async () => {
    const cast = newCast('concurrency');
    const { id } = await new Story(the.api, cast).open();
    const res = await the.api.gql(
      M.recordIntake,
      { input: { engagementId: id, presentingQuestion: 'What am I doing wrong?', background: '', goals: [], currentStrategy: '', baseline: [], expectedVersion: 0 } },
      cast.coach,
    );
    expect(errorOf(res).extensions).toEqual({ code: 'CONFLICT', expectedVersion: 0, actualVersion: 1 });
    const { rows } = await the.pool.query('SELECT status, version FROM engagements WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'INTAKE', version: 1 });
  });

  it('accepts the current version and moves it on by one', async () => {
    const { cast, id } = await activeEngagement();
    const homework = ok(await the.api.gql<any>(M.assignHomework, assign(id, { expectedVersion: 2 }), cast.coach)).assignHomework;
    expect(await the.log.version(id)).toBe(3);
    expect(await homeworkRows(id)).toEqual([homework.id]);
    const engagement = ok(await the.api.gql<any>(`query ($id: ID!) { engagement(id: $id) { version } }`, { id }, cast.coach)).engagement;
    expect(engagement.version).toBe(3);
  });
});

describe('writers without expectedVersion', () => {
  it('both succeed when two assign homework at the same time, and the stream stays gapless', async () => {
    const { cast, id } = await activeEngagement();
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([
        the.api.gql<any>(M.assignHomework, assign(id, { title: `Hook ${round}a` }), cast.coach),
        the.api.gql<any>(M.assignHomework, assign(id, { title: `Hook ${round}b` }), cast.admin),
      ]);
      ids.push(...answers.map((a) => ok(a).assignHomework.id as string));
    }
    expect(new Set(ids).size).toBe(6);
    expect(await versionsOf(id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await homeworkRows(id)).toEqual([...ids].sort());
    const { rows } = await the.pool.query('SELECT version, open_homework_count FROM engagements WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ version: 8, open_homework_count: 6 });
  });
});

describe('idempotencyKey', () => {
  it('answers a retry with the same homework and appends nothing', async () => {
    const { cast, id } = await activeEngagement();
    const input = assign(id, { idempotencyKey: 'assign-hook-1' });
    const first = ok(await the.api.gql<any>(M.assignHomework, input, cast.coach)).assignHomework;
    const versionAfterFirst = await the.log.version(id);
    const retry = ok(await the.api.gql<any>(M.assignHomework, input, cast.coach)).assignHomework;
    expect(retry).toEqual(first);
    expect(versionAfterFirst).toBe(3);
    expect(await the.log.version(id)).toBe(3);
    expect((await the.log.stream(id)).filter((e) => e.type === 'HomeworkAssigned')).toHaveLength(1);
    expect(await homeworkRows(id)).toEqual([first.id]);
  });

  it('answers a retried openEngagement with the same engagement: one stream, one event', async () => {
    const cast = newCast('concurrency');
    const input = { input: { coach: person(cast.coach), client: person(cast.client), title: 'Job search', idempotencyKey: 'open-1' } };
    const first = ok(await the.api.gql<any>(M.openEngagement, input, cast.coach)).openEngagement;
    const retry = ok(await the.api.gql<any>(M.openEngagement, input, cast.coach)).openEngagement;
    expect(retry.id).toBe(first.id);
    expect(await the.log.countInPractice(cast.practiceId)).toBe(1);
  });

  it('answers a retried coaching session with the same session', async () => {
    const { cast, id } = await activeEngagement();
    const input = { input: { engagementId: id, heldAt: new Date().toISOString(), durationMinutes: 50, summary: 'Pitch', idempotencyKey: 'session-1' } };
    const first = ok(await the.api.gql<any>(M.logCoachingSession, input, cast.coach)).logCoachingSession;
    const retry = ok(await the.api.gql<any>(M.logCoachingSession, input, cast.coach)).logCoachingSession;
    expect(retry).toEqual(first);
    expect(await the.log.version(id)).toBe(3);
  });

  it('stores one event for 10 concurrent requests with the same key, and all answer the same homework', async () => {
    const { cast, id } = await activeEngagement();
    const input = assign(id, { idempotencyKey: 'assign-burst' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => the.api.gql<any>(M.assignHomework, input, cast.coach)));
    const ids = answers.map((a) => ok(a).assignHomework.id);
    expect(new Set(ids).size).toBe(1);
    expect(await versionsOf(id)).toEqual([1, 2, 3]);
    expect(await homeworkRows(id)).toEqual([ids[0]]);
    const { rows } = await the.pool.query('SELECT count(*)::int AS n FROM event_idempotency WHERE practice_id = $1', [cast.practiceId]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses the same key with a different input: BAD_USER_INPUT on idempotencyKey, nothing stored', async () => {
    const { cast, id } = await activeEngagement();
    ok(await the.api.gql(M.assignHomework, assign(id, { idempotencyKey: 'assign-2', title: 'Articulate your hook' }), cast.coach));
    const res = await the.api.gql(M.assignHomework, assign(id, { idempotencyKey: 'assign-2', title: 'Ask for help so people say yes' }), cast.coach);
    expect(errorOf(res).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    expect(await the.log.version(id)).toBe(3);
    const { rows } = await the.pool.query('SELECT title FROM homework WHERE engagement_id = $1', [id]);
    expect(rows).toEqual([{ title: 'Articulate your hook' }]);
  });

  it("is the caller's own: another caller's identical key is new work", async () => {
    const { cast, id } = await activeEngagement();
    const input = assign(id, { idempotencyKey: 'shared-key' });
    const byCoach = ok(await the.api.gql<any>(M.assignHomework, input, cast.coach)).assignHomework;
    const byAdmin = ok(await the.api.gql<any>(M.assignHomework, input, cast.admin)).assignHomework;
    expect(byAdmin.id).not.toBe(byCoach.id);
    expect(await versionsOf(id)).toEqual([1, 2, 3, 4]);
  });
});
