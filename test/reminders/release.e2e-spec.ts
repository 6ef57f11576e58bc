import { waitFor } from '../support/wait.js';
import { activeEngagement, assignHomework, ReminderRig, waitForRows } from './harness.js';

// A reminder row that is due by its stored time but not by the rules (a
// settings change the scheduler has not caught up with, a row written by an
// older version) is moved to the time the rules want, with a job at that time
// (the one the scheduler would make). Before, the worker only gave the lease back: the row stayed due, every
// sweep took it again at once, and the worker spun on it without end (the
// reminders bench saw 1,898 sweeping batches over 500 such rows, none sent).

let rig: ReminderRig;

beforeAll(async () => {
  rig = await ReminderRig.start();
});
afterAll(async () => {
  await rig?.close();
});

it('moves a row the rules want later to that time instead of taking it again and again, and sends it then, once', async () => {
  const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 600 });
  const dueAt = new Date(rig.now().getTime() + 3_600_000);
  const homeworkId = await assignHomework(rig, s, 'Write the pitch', dueAt);
  const [row] = await waitForRows(rig, 'the due-soon row', s.engagementId, (r) => r.some((x) => x.kind === 'HOMEWORK_DUE_SOON'), { homeworkId });
  expect(row!.scheduled_for.toISOString()).toBe(dueAt.toISOString());

  // the stored time falls behind the rules: due now, its job due now
  const now = rig.now();
  await rig.pool.query('UPDATE reminders SET scheduled_for = $2 WHERE id = $1', [row!.id, now]);
  await rig.clock.schedule([{ id: row!.id, practiceId: s.practiceId, at: now }]);
  await rig.advanceTo(new Date(now.getTime() + 1_000));

  const moved = await waitForRows(
    rig,
    'the row moved back to the time the rules want',
    s.engagementId,
    (r) => r.some((x) => x.id === row!.id && x.scheduled_for.getTime() === dueAt.getTime()),
    { homeworkId },
  );
  const after = moved.find((x) => x.id === row!.id)!;
  expect(after.status).toBe('SCHEDULED');
  expect(after.attempts).toBe(0);
  const { rows: lease } = await rig.pool.query<{ lease_token: string | null }>('SELECT lease_token FROM reminders WHERE id = $1', [row!.id]);
  expect(lease[0]!.lease_token).toBeNull();
  expect(rig.deliveriesOf(row!.id)).toHaveLength(0);
  // the job at the old time is done; the row's job waits at the new time
  // (30 s like the row waits: a fresh-clone run once timed out at 10 s here; a failure names the job's last state)
  await waitFor(
    'the job at the old time done',
    async () => {
      const state = await rig.jobState(row!.id, now);
      if (state !== 'unknown') throw new Error(`the job at the old time is ${state}`);
      return true;
    },
    { timeoutMs: 30_000 },
  );
  expect(await rig.jobState(row!.id, dueAt)).toBe('delayed');

  // at the time the rules want, it goes, once
  await rig.advanceTo(dueAt);
  await waitForRows(rig, 'the reminder SENT', s.engagementId, (r) => r.find((x) => x.id === row!.id)?.status === 'SENT', { homeworkId });
  await rig.jobsSettled('the jobs to finish');
  expect(rig.deliveriesOf(row!.id)).toHaveLength(1);
});

it('ends a job for a time its row has left at once, instead of putting it to sleep until the row is due', async () => {
  // the row waits at its time an hour ahead; a job survives for a time it left (a scheduler or a
  // release moved the row while the job was running, or another process's sweep moved it first)
  const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 600 });
  const dueAt = new Date(rig.now().getTime() + 3_600_000);
  const homeworkId = await assignHomework(rig, s, 'Write the cover letter', dueAt);
  const [row] = await waitForRows(rig, 'the due-soon row', s.engagementId, (r) => r.some((x) => x.kind === 'HOMEWORK_DUE_SOON'), { homeworkId });
  const left = new Date(rig.now().getTime() - 1_000);
  await rig.clock.schedule([{ id: row!.id, practiceId: s.practiceId, at: left }]);
  await rig.promoteDue(); // its delay is in real time, the reminders' time may run ahead (the test above moved it)

  // before, it was put to sleep until the row's time, to wake beside the row's own job then
  await waitFor(
    'the job for the time the row left done',
    async () => {
      const state = await rig.jobState(row!.id, left);
      if (state !== 'unknown') throw new Error(`the job for the time the row left is ${state}`);
      return true;
    },
    { timeoutMs: 30_000 },
  );
  const after = (await rig.reminders(s.engagementId)).find((x) => x.id === row!.id);
  expect(after).toMatchObject({ id: row!.id, status: 'SCHEDULED', attempts: 0, lease_token: null });
  expect(after!.scheduled_for.getTime()).toBe(dueAt.getTime());
  expect(await rig.jobState(row!.id, dueAt)).toBe('delayed');
  expect(rig.deliveriesOf(row!.id)).toHaveLength(0);
});
