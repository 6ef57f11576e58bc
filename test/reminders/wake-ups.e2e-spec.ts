import { ReminderClock } from '#reminders';
import { waitFor } from '../support/wait.js';
import { activeEngagement, assignHomework, inSeconds, ReminderRig, waitForRows } from './harness.js';

// The reminders' clock: a wake-up per practice and slot takes the reminders up; each reminder's own
// job is a backstop, due REMINDER_LEASE_SECONDS after its time. Here the lease is a minute, longer
// than any wait below: a job that is gone before then was removed, not run.

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start({ REMINDER_LEASE_SECONDS: '60' });
});
afterAll(async () => {
  await rig?.close();
});

describe('wake-ups', () => {
  it("send a reminder at its time through its practice's wake-up, and remove the reminder's own job once it is SENT", async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
    const dueAt = inSeconds(3);
    await assignHomework(rig, s, 'Woken', dueAt);
    const [row] = await waitForRows(rig, 'the due-soon row', s.engagementId, (r) => r[0]?.status === 'SCHEDULED');
    // the reminder's own job waits in Redis, a lease (a minute) past its time; the scheduler writes the row
    // first and arms its jobs after, so the job may not be there yet when the row is
    const own = await waitFor('the reminder job armed', () => rig.clock.queue.getJob(ReminderClock.jobId(row!.id, row!.scheduled_for)));
    expect(await own.getState()).toBe('delayed');
    expect(own.delay).toBeGreaterThan(60_000);

    const [sent] = await waitForRows(rig, 'the row SENT', s.engagementId, (r) => r[0]?.status === 'SENT', { timeoutMs: 30_000 });
    expect(sent!.attempts).toBe(1);
    expect(rig.deliveriesOf(row!.id)).toHaveLength(1);
    expect(Date.parse(JSON.parse(rig.deliveriesOf(row!.id)[0]!.body).sentAt)).toBeGreaterThanOrEqual(dueAt.getTime());
    // the batch removed the backstop: gone within 30 s, while it was due only a minute after the reminder's time
    await waitFor('the reminder job removed', async () => (await rig.jobState(row!.id, row!.scheduled_for)) === 'unknown', { timeoutMs: 30_000 });
    expect(await rig.reminderSentEvents(s.engagementId)).toHaveLength(1);
  });

  it("move a retried reminder's own job to its back-off, so its retry does not wait for the backstop", async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
    rig.hooks.respondWith(500);
    const dueAt = inSeconds(3);
    await assignHomework(rig, s, 'Retried', dueAt);
    const [row] = await waitForRows(rig, 'the due-soon row', s.engagementId, (r) => r[0]?.status === 'SCHEDULED');
    // first attempt by the wake-up's sweep (500), the retry by the reminder's own job 200 ms later (the rig's back-off), well before the backstop
    const [sent] = await waitForRows(rig, 'the row SENT on its retry', s.engagementId, (r) => r[0]?.status === 'SENT', { timeoutMs: 30_000 });
    expect(sent!.attempts).toBe(2);
    expect(rig.deliveriesOf(row!.id)).toHaveLength(2);
    await waitFor('the reminder job finished', async () => (await rig.jobState(row!.id, row!.scheduled_for)) === 'unknown', { timeoutMs: 30_000 });
  });
});
