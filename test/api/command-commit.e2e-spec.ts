// A command's writes travel in its transaction's last round trip: the append,
// the projection's upserts and, now and then, a snapshot, sent with COMMIT
// (`Transaction.commitWith`). All of it lands or none of it does, and a
// snapshot written that way is the one the next command decides from.
import { jest } from '@jest/globals';
import { M, Story, errorOf, inAnHour, newCast, ok } from '../support/engagements.js';
import { e2e } from '../support/e2e.js';

jest.setTimeout(60_000);

const the = e2e({ pool: 2 });

const assign = (engagementId: string, title = 'Articulate your hook') => ({
  input: { engagementId, title, instructions: 'Elevator pitch', dueAt: inAnHour() },
});

async function activeEngagement() {
  const cast = newCast('commit');
  const story = new Story(the.api, cast);
  const { id } = await story.open();
  await story.intake(id);
  return { cast, id };
}

it('a projection write that fails in the last round trip leaves no event, no row and no snapshot behind', async () => {
  const { cast, id } = await activeEngagement();
  // a homework row with this title cannot be written: the upsert fails after the append in the same round trip
  const title = `refused ${id}`;
  await the.pool.query(`CREATE OR REPLACE FUNCTION test_refuse_homework() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.title LIKE 'refused %' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
  await the.pool.query('DROP TRIGGER IF EXISTS test_refuse_homework ON homework');
  await the.pool.query('CREATE TRIGGER test_refuse_homework BEFORE INSERT ON homework FOR EACH ROW EXECUTE FUNCTION test_refuse_homework()');
  try {
    const res = await the.api.gql(M.assignHomework, assign(id, title), cast.coach);
    expect(errorOf(res)).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(res.body)).not.toMatch(/refused by the test|INSERT|trigger/i);
  } finally {
    await the.pool.query('DROP TRIGGER IF EXISTS test_refuse_homework ON homework');
    await the.pool.query('DROP FUNCTION IF EXISTS test_refuse_homework()');
  }
  expect(await the.log.version(id)).toBe(2);
  const { rows } = await the.pool.query('SELECT version, open_homework_count FROM engagements WHERE id = $1', [id]);
  expect(rows[0]).toEqual({ version: 2, open_homework_count: 0 });
  expect((await the.pool.query('SELECT count(*)::int AS n FROM homework WHERE engagement_id = $1', [id])).rows[0].n).toBe(0);
  // the stream's lock and the connection were released: the next command goes through at version 3
  const next = ok(await the.api.gql<{ assignHomework: { id: string } }>(M.assignHomework, assign(id), cast.coach));
  expect(next.assignHomework.id).toBeDefined();
  expect(await the.log.version(id)).toBe(3);
});

it('the command that reaches 20 versions writes the snapshot with its commit; later commands decide from it', async () => {
  const { cast, id } = await activeEngagement();
  const snapshotOf = async () =>
    (await the.pool.query<{ version: number; state: { homework: Record<string, unknown> } }>('SELECT version, state FROM engagement_snapshots WHERE stream_id = $1', [id])).rows[0];
  // versions 3 … 19: no snapshot yet
  for (let i = 0; i < 17; i++) ok(await the.api.gql(M.assignHomework, assign(id), cast.coach));
  expect(await the.log.version(id)).toBe(19);
  expect(await snapshotOf()).toBeUndefined();
  ok(await the.api.gql(M.assignHomework, assign(id), cast.coach));
  const snapshot = await snapshotOf();
  expect(snapshot?.version).toBe(20);
  expect(Object.keys(snapshot!.state.homework)).toHaveLength(18);
  // the next command loads the snapshot plus one event, and still sees all 19 homework (the 200 limit counts them)
  ok(await the.api.gql(M.assignHomework, assign(id), cast.coach));
  expect(await the.log.version(id)).toBe(21);
  const { rows } = await the.pool.query('SELECT version, open_homework_count FROM engagements WHERE id = $1', [id]);
  expect(rows[0]).toEqual({ version: 21, open_homework_count: 19 });
});

it("a command's fold reads only the homework it names: the engagement's counts stay those of a recount over its homework", async () => {
  const cast = newCast('commit');
  const story = new Story(the.api, cast);
  const { id } = await story.open();
  await story.intake(id);
  const counts = async () =>
    (
      await the.pool.query(
        `SELECT e.open_homework_count AS open, e.awaiting_feedback_count AS awaiting,
                (SELECT count(*)::int FROM homework h WHERE h.engagement_id = e.id AND h.status IN ('ASSIGNED', 'SUBMITTED', 'CHANGES_REQUESTED')) AS recount_open,
                (SELECT count(*)::int FROM homework h WHERE h.engagement_id = e.id AND h.status = 'SUBMITTED') AS recount_awaiting
           FROM engagements e WHERE e.id = $1`,
        [id],
      )
    ).rows[0];
  const hw = [];
  for (let i = 0; i < 5; i++) hw.push((await story.assign(id, `Homework ${i}`)).id);
  expect(await counts()).toEqual({ open: 5, awaiting: 0, recount_open: 5, recount_awaiting: 0 });
  const d0 = (await story.submit(hw[0]!)).id;
  const d1 = (await story.submit(hw[1]!)).id;
  await story.submit(hw[2]!);
  expect(await counts()).toEqual({ open: 5, awaiting: 3, recount_open: 5, recount_awaiting: 3 });
  await story.feedback(d0, 'ACCEPTED');
  await story.feedback(d1, 'CHANGES_REQUESTED');
  ok(await the.api.gql(M.cancelHomework, { input: { homeworkId: hw[3]!, reason: 'Not needed' } }, cast.coach));
  ok(
    await the.api.gql('mutation ($i: RescheduleHomeworkInput!) { rescheduleHomework(input: $i) { id } }', { i: { engagementId: id, homeworkId: hw[4]!, dueAt: inAnHour() } }, cast.coach),
  );
  // open: hw1 (changes requested), hw2 (submitted), hw4 (assigned); awaiting: hw2
  expect(await counts()).toEqual({ open: 3, awaiting: 1, recount_open: 3, recount_awaiting: 1 });
  await story.submit(hw[1]!);
  expect(await counts()).toEqual({ open: 3, awaiting: 2, recount_open: 3, recount_awaiting: 2 });
});
