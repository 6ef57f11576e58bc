import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { TestApi, type Caller } from '../support/api.js';
import { testPool } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import { TestWorker } from '../support/worker.js';

// The asynchronous activity-by-day projection (a worker subscriber) counts each
// event exactly once; the dashboard serves it.

let api: TestApi;
let worker: TestWorker;
let pool: pg.Pool;

beforeAll(async () => {
  const env = { QUEUE_PREFIX: `test-${randomUUID().slice(0, 8)}` };
  api = await TestApi.start(env);
  worker = await TestWorker.start(env);
  pool = testPool(2);
});
afterAll(async () => {
  await worker?.close();
  await api?.close();
  await pool?.end();
});

async function countsFromLog(practiceId: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ type: string; n: string }>(
    'SELECT type, count(*) AS n FROM events WHERE practice_id = $1 GROUP BY type',
    [practiceId],
  );
  return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
}

it('counts every event of a practice once, per day and type, and serves it on the dashboard', async () => {
  const practiceId = uniqueId('activity');
  const coach: Caller = { id: 'coach-1', role: 'COACH', practiceId };
  const admin: Caller = { id: 'admin-1', role: 'ADMIN', practiceId };
  const must = async (p: ReturnType<TestApi['gql']>) => {
    const r = await p;
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data as any;
  };
  for (let e = 0; e < 3; e++) {
    const id = (await must(api.gql(
      'mutation ($i: OpenEngagementInput!) { openEngagement(input: $i) { id } }',
      { i: { coach: { id: 'coach-1', name: 'Coach' }, client: { id: `client-${e}`, name: 'Client' }, title: `Activity ${e}` } },
      coach,
    ))).openEngagement.id;
    await must(api.gql(
      'mutation ($i: RecordIntakeInput!) { recordIntake(input: $i) { id } }',
      { i: { engagementId: id, presentingQuestion: 'Q', background: '', goals: [], currentStrategy: '', baseline: [] } },
      coach,
    ));
    for (let h = 0; h < 4; h++) {
      await must(api.gql('mutation ($i: AssignHomeworkInput!) { assignHomework(input: $i) { id } }', { i: { engagementId: id, title: `H${h}`, instructions: '' } }, coach));
    }
  }
  const expected = await countsFromLog(practiceId);
  expect(expected).toEqual({ EngagementOpened: 3, IntakeRecorded: 3, HomeworkAssigned: 12 });

  const today = new Date().toISOString().slice(0, 10);
  const served = await waitFor('the projection to catch up', async () => {
    const r = await api.gql<any>('{ practiceDashboard { activity(days: 7) { day eventType events } } }', {}, admin);
    const rows = r.data?.practiceDashboard.activity as { day: string; eventType: string; events: number }[] | undefined;
    const total = rows?.reduce((n, x) => n + x.events, 0) ?? 0;
    return total === 18 ? rows : null;
  });
  expect(Object.fromEntries(served.map((r) => [r.eventType, r.events]))).toEqual(expected);
  expect(served.every((r) => r.day === today)).toBe(true);

  const other = await api.gql<any>('{ practiceDashboard { activity { events } } }', {}, { ...admin, practiceId: uniqueId('other') });
  expect(other.data.practiceDashboard.activity).toEqual([]);
  const bad = await api.gql('{ practiceDashboard { activity(days: 0) { events } } }', {}, admin);
  expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'days' });
});
