import { waitFor } from '../support/wait.js';
import { activeEngagement, assignHomework, inSeconds, ok, ReminderRig, waitForRows } from './harness.js';

// A failed webhook delivery is retried with exponential back-off (rig: REMINDER_BACKOFF_MS=200,
// REMINDER_ATTEMPTS=3); after the last attempt the reminder is FAILED with the error.

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start();
});
afterAll(async () => {
  await rig?.close();
});

const REMINDERS = `query ($id: ID!) { homework(id: $id) { reminders { id kind status attempts lastError cancelReason sentAt } } }`;
const TIMELINE = `query ($id: ID!) { engagement(id: $id) { timeline(first: 100) { edges { node { type actorId actorRole data } } } } }`;

describe('webhook retries', () => {
  it('a receiver that fails twice gets the reminder on the third attempt: sent once, recorded once', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
    // this file's receiver answers nothing else meanwhile: the two 500s are this reminder's
    rig.hooks.respondWith(500, 500);
    const dueAt = inSeconds(2);
    const hw = await assignHomework(rig, s, 'Third time lucky', dueAt);

    const [row] = await waitForRows(rig, 'the due-soon row SENT', s.engagementId, (r) => r[0]?.status === 'SENT', { timeoutMs: 15_000 });
    expect(row).toMatchObject({ kind: 'HOMEWORK_DUE_SOON', attempts: 3, last_error: null, channel: 'WEBHOOK' });
    // its job is done (removed on completion): no attempt is left to come
    await waitFor('the job finished', async () => (await rig.jobState(row!.id, row!.scheduled_for)) === 'unknown');

    const tries = rig.deliveries(s.practiceId);
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((t) => t.headers['x-delivery-id']))).toEqual(new Set([row!.id]));
    // the same bytes and X-Signature each time, and backed off 200 ms, then 400 ms
    expect(new Set(tries.map((t) => t.body)).size).toBe(1);
    expect(new Set(tries.map((t) => t.headers['x-signature'])).size).toBe(1);
    expect(tries[1]!.receivedAt.getTime() - tries[0]!.receivedAt.getTime()).toBeGreaterThanOrEqual(200);
    expect(tries[2]!.receivedAt.getTime() - tries[1]!.receivedAt.getTime()).toBeGreaterThanOrEqual(400);

    const events = await rig.reminderSentEvents(s.engagementId);
    expect(events).toEqual([expect.objectContaining({ reminderId: row!.id, kind: 'HOMEWORK_DUE_SOON' })]);

    const { homework } = await ok<{ homework: { reminders: Record<string, unknown>[] } }>(rig.api.gql(REMINDERS, { id: hw }, s.coach));
    expect(homework.reminders.find((r) => r.id === row!.id)).toMatchObject({ status: 'SENT', attempts: 3, lastError: null, cancelReason: null });

    // ReminderSent is on the engagement's timeline, by the system
    const { engagement } = await ok<{ engagement: { timeline: { edges: { node: Record<string, any> }[] } } }>(
      rig.api.gql(TIMELINE, { id: s.engagementId }, s.coach),
    );
    const sent = engagement.timeline.edges.map((e) => e.node).filter((n) => n.type === 'ReminderSent');
    expect(sent).toEqual([
      expect.objectContaining({
        type: 'ReminderSent',
        actorRole: 'SYSTEM',
        data: expect.objectContaining({ reminderId: row!.id, kind: 'HOMEWORK_DUE_SOON', homeworkId: hw, channels: ['WEBHOOK'] }),
      }),
    ]);
  });

  it('a receiver that always fails: after the last attempt the reminder is FAILED with the error, visible over GraphQL', async () => {
    // a receiver of its own, so no other delivery meets its 500s
    const failing = await rig.extraReceiver(500);
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60, webhookUrl: `${failing.url}/hooks/broken` });
    const hw = await assignHomework(rig, s, 'Never heard of', inSeconds(2));

    const [row] = await waitForRows(rig, 'the due-soon row FAILED', s.engagementId, (r) => r[0]?.status === 'FAILED', { timeoutMs: 15_000 });
    expect(row).toMatchObject({ kind: 'HOMEWORK_DUE_SOON', attempts: 3, sent_at: null });
    expect(row!.last_error).toContain('HTTP 500');
    // its last attempt recorded the failure and ended the job (removed on completion): no attempt is left to come
    await waitFor('the job finished', async () => (await rig.jobState(row!.id, row!.scheduled_for)) === 'unknown');
    expect(failing.requests).toHaveLength(3);
    expect(failing.requests.every((r) => r.headers['x-delivery-id'] === row!.id)).toBe(true);

    const { homework } = await ok<{ homework: { reminders: Record<string, any>[] } }>(rig.api.gql(REMINDERS, { id: hw }, s.admin));
    const failed = homework.reminders.find((r) => r.id === row!.id)!;
    expect(failed).toMatchObject({ kind: 'HOMEWORK_DUE_SOON', status: 'FAILED', attempts: 3, sentAt: null });
    expect(failed.lastError).toContain('HTTP 500');
    // the receiver's answer is the practice's business: its coach sees it, its client does not
    const asCoach = await ok<{ homework: { reminders: Record<string, any>[] } }>(rig.api.gql(REMINDERS, { id: hw }, s.coach));
    expect(asCoach.homework.reminders.find((r) => r.id === row!.id)!.lastError).toContain('HTTP 500');
    const asClient = await ok<{ homework: { reminders: Record<string, any>[] } }>(rig.api.gql(REMINDERS, { id: hw }, s.client));
    expect(asClient.homework.reminders.find((r) => r.id === row!.id)).toMatchObject({ status: 'FAILED', attempts: 3, lastError: null });
    // the overdue one (an hour away) is untouched
    expect(homework.reminders.find((r) => r.kind === 'HOMEWORK_OVERDUE')).toMatchObject({ status: 'SCHEDULED', attempts: 0, lastError: null });
    expect(await rig.reminderSentEvents(s.engagementId)).toEqual([]);
  });
});
