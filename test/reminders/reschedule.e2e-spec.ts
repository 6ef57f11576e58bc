import { waitFor } from '../support/wait.js';
import { activeEngagement, assignHomework, ok, ReminderRig, waitForRows, type ReminderRow } from './harness.js';

// rescheduleHomework (the recipe of docs/architecture.md, end to end): the
// homework's due time moves in the event log and the read model, and its
// reminders follow: the due-soon and overdue reminders of the old due time
// are moved to the new one (their old jobs removed, new ones set).

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start();
});
afterAll(async () => {
  await rig?.close();
});

const RESCHEDULE = `mutation ($input: RescheduleHomeworkInput!) { rescheduleHomework(input: $input) { id status dueAt } }`;
const HOUR = 3_600_000;

it('moves the due time, and the due-soon and overdue reminders with it', async () => {
  const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [30], overdueAfterMinutes: 60 });
  const oldDue = new Date(Date.now() + 2 * HOUR);
  const hw = await assignHomework(rig, s, 'Articulate your hook', oldDue);
  const at = (rows: ReminderRow[], kind: string) => rows.find((r) => r.kind === kind)?.scheduled_for.getTime();
  await waitForRows(rig, 'the reminders of the first due time', s.engagementId, (rows) => at(rows, 'HOMEWORK_OVERDUE') === oldDue.getTime() + HOUR, {
    homeworkId: hw,
  });
  const oldJobs = (await rig.reminders(s.engagementId)).map((r) => ({ id: r.id, at: r.scheduled_for }));

  const newDue = new Date(oldDue.getTime() + 24 * HOUR);
  const res = await ok<{ rescheduleHomework: { id: string; status: string; dueAt: string } }>(
    rig.api.gql(RESCHEDULE, { input: { engagementId: s.engagementId, homeworkId: hw, dueAt: newDue.toISOString() } }, s.coach),
  );
  expect(res.rescheduleHomework).toEqual({ id: hw, status: 'ASSIGNED', dueAt: newDue.toISOString() });

  const rows = await waitForRows(rig, 'the reminders of the new due time', s.engagementId, (r) => at(r, 'HOMEWORK_OVERDUE') === newDue.getTime() + HOUR, {
    homeworkId: hw,
  });
  expect(rows.map((r) => [r.kind, r.status, r.scheduled_for.toISOString()]).sort()).toEqual([
    ['HOMEWORK_DUE_SOON', 'SCHEDULED', new Date(newDue.getTime() - 30 * 60_000).toISOString()],
    ['HOMEWORK_OVERDUE', 'SCHEDULED', new Date(newDue.getTime() + HOUR).toISOString()],
  ]);
  // no job is left at an old time; each reminder has its job at the new one
  // (the jobs are set once the rows have committed)
  await waitFor('the jobs to move to the new times', async () => {
    const old = await Promise.all(oldJobs.map((j) => rig.jobState(j.id, j.at)));
    const fresh = await Promise.all(rows.map((r) => rig.jobState(r.id, r.scheduled_for)));
    return old.every((x) => x === 'unknown') && fresh.every((x) => x === 'delayed');
  });
});

it('refuses a due time in the past (RULE_VIOLATED) and a client (FORBIDDEN); nothing changes', async () => {
  const s = await activeEngagement(rig);
  const due = new Date(Date.now() + 2 * HOUR);
  const hw = await assignHomework(rig, s, 'Ask for help', due);
  const past = await rig.api.gql(RESCHEDULE, { input: { engagementId: s.engagementId, homeworkId: hw, dueAt: new Date(Date.now() - HOUR).toISOString() } }, s.coach);
  expect(past.errors?.[0]?.extensions).toMatchObject({ code: 'RULE_VIOLATED', rule: 'DUE_DATE_IN_PAST' });
  const client = await rig.api.gql(RESCHEDULE, { input: { engagementId: s.engagementId, homeworkId: hw, dueAt: new Date(Date.now() + 9 * HOUR).toISOString() } }, s.client);
  expect(client.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  const { rows } = await rig.pool.query('SELECT due_at FROM homework WHERE id = $1', [hw]);
  expect(rows[0].due_at.toISOString()).toBe(due.toISOString());
});
