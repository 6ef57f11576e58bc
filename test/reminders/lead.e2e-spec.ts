import { waitFor } from '../support/wait.js';
import { activeEngagement, assignHomework, inSeconds, ReminderRig, submitDraft, untilPassed, waitForRows } from './harness.js';

// REMINDER_LEAD_MS: a reminder's job fires that long before its time, and its batch does the reads,
// the rules and the stored body ahead; the send itself waits for the time. Here the lead is long
// (8 s) so that what happens inside it is seen by looking at the row, not by timing it.

const LEAD_MS = 8_000;

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start({ REMINDER_LEAD_MS: String(LEAD_MS) });
});
afterAll(async () => {
  await rig?.close();
});

/** The row as the processor leaves it while it waits: leased, its body stored, still SCHEDULED. */
async function prepared(reminderId: string) {
  return waitFor('the reminder taken up ahead of its time', async () => {
    const { rows } = await rig.pool.query<{ status: string; lease_token: string | null; webhook_body: string | null }>(
      'SELECT status, lease_token, webhook_body FROM reminders WHERE id = $1',
      [reminderId],
    );
    const row = rows[0];
    return row && row.lease_token !== null && row.webhook_body !== null ? row : null;
  });
}

describe('reminders taken up ahead of their time (REMINDER_LEAD_MS)', () => {
  it('are prepared within the lead and sent at their time, not before', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
    const dueAt = inSeconds(LEAD_MS / 1000 + 3);
    const hw = await assignHomework(rig, s, 'Sent on time', dueAt);
    const [row] = await waitForRows(rig, 'the due-soon row', s.engagementId, (r) => r[0]?.status === 'SCHEDULED');

    const waiting = await prepared(row!.id);
    // taken up before its time: nothing sent yet
    expect(Date.now()).toBeLessThan(dueAt.getTime());
    expect(waiting.status).toBe('SCHEDULED');
    expect(rig.deliveries(s.practiceId)).toEqual([]);

    const [delivery] = await waitFor('the delivery', () => {
      const got = rig.deliveries(s.practiceId).filter((d) => d.json.homework?.id === hw);
      return got.length ? got : null;
    });
    expect(delivery!.receivedAt.getTime()).toBeGreaterThanOrEqual(dueAt.getTime());
    // the body stored ahead is the one sent (retries and replays send the same bytes)
    expect(delivery!.body).toBe(waiting.webhook_body);
    const [sent] = await waitForRows(rig, 'the row SENT', s.engagementId, (r) => r[0]?.status === 'SENT');
    expect(sent!.attempts).toBe(1);
    expect(await rig.reminderSentEvents(s.engagementId)).toHaveLength(1);
  });

  it('one whose cause goes while it waits for its time is not sent', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
    const dueAt = inSeconds(LEAD_MS / 1000 + 3);
    const hw = await assignHomework(rig, s, 'Submitted while its reminder waits', dueAt);
    const [row] = await waitForRows(rig, 'the due-soon row', s.engagementId, (r) => r[0]?.status === 'SCHEDULED');
    await prepared(row!.id);

    // the client submits while the reminder, leased and ready, waits for its time
    await submitDraft(rig, s, hw);
    await waitForRows(rig, 'the row CANCELLED by the scheduler', s.engagementId, (r) => r[0]?.status === 'CANCELLED');
    expect(Date.now()).toBeLessThan(dueAt.getTime());

    // past its time (and the batch's look just before it): still not sent, and it stays so
    await untilPassed(new Date(dueAt.getTime() + 1_000));
    // its job ran its course: the batch that held it is done
    await waitFor('its job to end', async () => (await rig.jobState(row!.id, row!.scheduled_for)) === 'unknown' || undefined);
    expect(rig.deliveries(s.practiceId).filter((d) => d.json.homework?.id === hw)).toEqual([]);
    const [after] = await rig.reminders(s.engagementId);
    expect(after!.status).toBe('CANCELLED');
    expect(after!.cancel_reason).toBe('draft submitted');
    expect(await rig.reminderSentEvents(s.engagementId)).toHaveLength(0);
  });
});
