import { randomUUID } from 'node:crypto';
import type { Caller } from '../support/api.js';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import { e2e } from '../support/e2e.js';

// The asynchronous activity-by-day projection (a the.worker subscriber) counts each
// event exactly once; the dashboard serves it.

const the = e2e({ env: { QUEUE_PREFIX: `test-${randomUUID().slice(0, 8)}` }, worker: true, pool: 2 });

async function countsFromLog(practiceId: string): Promise<Record<string, number>> {
  const { rows } = await the.pool.query<{ type: string; n: string }>(
    'SELECT type, count(*) AS n FROM events WHERE practice_id = $1 GROUP BY type',
    [practiceId],
  );
  return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
}

it('counts every event of a practice once, per day and type, and serves it on the dashboard', async () => {
  const practiceId = uniqueId('activity');
  const coach: Caller = { id: 'coach-1', role: 'COACH', practiceId };
  const admin: Caller = { id: 'admin-1', role: 'ADMIN', practiceId };
  const must = async (p: ReturnType<typeof the.api.gql>) => {
    const r = await p;
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data as any;
  };
  for (let e = 0; e < 3; e++) {
    const id = (await must(the.api.gql(
      'mutation ($i: OpenEngagementInput!) { openEngagement(input: $i) { id } }',
      { i: { coach: { id: 'coach-1', name: 'Coach' }, client: { id: `client-${e}`, name: 'Client' }, title: `Activity ${e}` } },
      coach,
    ))).openEngagement.id;
    await must(the.api.gql(
      'mutation ($i: RecordIntakeInput!) { recordIntake(input: $i) { id } }',
      { i: { engagementId: id, presentingQuestion: 'Q', background: '', goals: [], currentStrategy: '', baseline: [] } },
      coach,
    ));
    for (let h = 0; h < 4; h++) {
      await must(the.api.gql('mutation ($i: AssignHomeworkInput!) { assignHomework(input: $i) { id } }', { i: { engagementId: id, title: `H${h}`, instructions: '' } }, coach));
    }
  }
  const expected = await countsFromLog(practiceId);
  expect(expected).toEqual({ EngagementOpened: 3, IntakeRecorded: 3, HomeworkAssigned: 12 });

  const today = new Date().toISOString().slice(0, 10);
  const served = await waitFor('the projection to catch up', async () => {
    const r = await the.api.gql<any>('{ practiceDashboard { activity(days: 7) { day eventType events } } }', {}, admin);
    const rows = r.data?.practiceDashboard.activity as { day: string; eventType: string; events: number }[] | undefined;
    const total = rows?.reduce((n, x) => n + x.events, 0) ?? 0;
    return total === 18 ? rows : null;
  });
  expect(Object.fromEntries(served.map((r) => [r.eventType, r.events]))).toEqual(expected);
  expect(served.every((r) => r.day === today)).toBe(true);

  const other = await the.api.gql<any>('{ practiceDashboard { activity { events } } }', {}, { ...admin, practiceId: uniqueId('other') });
  expect(other.data.practiceDashboard.activity).toEqual([]);
  const bad = await the.api.gql('{ practiceDashboard { activity(days: 0) { events } } }', {}, admin);
  expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'days' });
});
