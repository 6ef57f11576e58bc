import { ReminderClock } from '#reminders';
import { waitFor } from '../support/wait.js';
import {
  activeEngagement,
  anotherEngagement,
  assignHomework,
  cancelHomework,
  closeEngagement,
  giveFeedback,
  pauseEngagement,
  ReminderRig,
  resumeEngagement,
  submitDraft,
  updateSettings,
  waitForRows,
  type ReminderRow,
} from './harness.js';

// A reminder is cancelled when its cause goes (PRODUCT.md "Reminders"). Each test shows the
// row CANCELLED with its reason, and that nothing was delivered for it: that is judged once
// a control reminder due at the same time (or later) has been delivered by the same worker
// and the reminder time is past the cancelled reminder's: a job that had survived the
// cancellation would have been promoted and run with the control's.
//
// Due times are an hour ahead on the reminders' controllable time, and the test moves that
// time past them (rig.advanceTo): nothing waits for the wall clock, so a loaded machine only
// makes the tests slower, never wrong. The tests run one after another: the time only goes forward.

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start();
});
afterAll(async () => {
  await rig?.close();
});

const byKind = (rows: ReminderRow[]) => Object.fromEntries(rows.map((r) => [r.kind, r]));
const reasons = (rows: ReminderRow[]) => rows.map((r) => [r.kind, r.status, r.cancel_reason]);
const allScheduled = (n: number) => (rows: ReminderRow[]) => rows.length === n && rows.every((r) => r.status === 'SCHEDULED');

/**
 * Feedback windows are a week: a FEEDBACK_PENDING reminder's time counts from the draft's event
 * (the wall clock), and the reminder time of these tests runs hours ahead of it.
 */
const A_WEEK = 7 * 24 * 60;

/** An hour ahead on the reminders' time: never reached unless a test moves the time there. */
const anHourAhead = () => new Date(rig.now().getTime() + 3_600_000);

/** Waits until the webhook received `n` reminders about `homeworkId`; returns them. */
function deliveredFor(homeworkId: string, practiceId: string, n: number) {
  return waitFor(
    `${n} deliveries for homework ${homeworkId}`,
    async () => {
      await rig.tick();
      const got = rig.deliveries(practiceId).filter((d) => d.json.homework?.id === homeworkId);
      return got.length >= n ? got : null;
    },
    { timeoutMs: 30_000 },
  );
}

/** Waits until none of these reminders has a job left in the queue (completed jobs are removed). */
function jobsGone(rows: readonly { id: string; scheduled_for: Date }[]) {
  return waitFor('the jobs to be gone', async () => {
    const states = await Promise.all(rows.map((r) => rig.jobState(r.id, r.scheduled_for)));
    return states.every((s) => s === 'unknown');
  });
}

describe('reminders are cancelled when their cause goes', () => {
  it('a draft submitted before the due-soon time cancels the due-soon and overdue reminders', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 0, feedbackWindowMinutes: A_WEEK });
    const dueAt = anHourAhead();
    const hw = await assignHomework(rig, s, 'Submitted early', dueAt);
    const control = await assignHomework(rig, s, 'Left alone', dueAt);
    const scheduled = await waitForRows(rig, 'the due-soon and overdue rows', s.engagementId, allScheduled(2), { homeworkId: hw });

    await submitDraft(rig, s, hw);

    const rows = await waitForRows(rig, 'the rows cancelled', s.engagementId, (r) => r.filter((x) => x.status === 'CANCELLED').length === 2, {
      homeworkId: hw,
    });
    expect(reasons(rows.filter((r) => r.kind !== 'FEEDBACK_PENDING'))).toEqual([
      ['HOMEWORK_DUE_SOON', 'CANCELLED', 'draft submitted'],
      ['HOMEWORK_OVERDUE', 'CANCELLED', 'draft submitted'],
    ]);
    // the draft now awaits feedback: that reminder is the coach's, a week away
    expect(byKind(rows).FEEDBACK_PENDING).toMatchObject({ status: 'SCHEDULED' });
    await jobsGone(scheduled);

    // the control's due-soon (at dueAt) and overdue (dueAt + 1 s) arrive, and 2 s more pass
    await rig.advanceTo(new Date(dueAt.getTime() + 3_000));
    await deliveredFor(control, s.practiceId, 2);
    expect(rig.deliveries(s.practiceId).filter((d) => d.json.homework?.id === hw)).toEqual([]);
    expect(reasons(await waitForRows(rig, 'rows', s.engagementId, () => true, { homeworkId: hw }))).toEqual(reasons(rows));
    const sent = await waitForRows(rig, 'the control SENT', s.engagementId, (r) => r.every((x) => x.status === 'SENT'), { homeworkId: control });
    expect((await rig.reminderSentEvents(s.engagementId)).map((e) => e.reminderId).sort()).toEqual(sent.map((r) => r.id).sort());
  });

  it('feedback given before the feedback window cancels FEEDBACK_PENDING, whatever the verdict', async () => {
    const s = await activeEngagement(rig, { feedbackWindowMinutes: A_WEEK });
    const revised = await assignHomework(rig, s, 'Needs another round', null);
    const accepted = await assignHomework(rig, s, 'Good as it is', null);
    const drafts = [await submitDraft(rig, s, revised), await submitDraft(rig, s, accepted)];
    const scheduled = await waitForRows(rig, 'two FEEDBACK_PENDING rows', s.engagementId, allScheduled(2));
    expect(scheduled.map((r) => r.draft_id).sort()).toEqual([...drafts].sort());

    await giveFeedback(rig, s, drafts[0]!, 'CHANGES_REQUESTED');
    await giveFeedback(rig, s, drafts[1]!, 'ACCEPTED');

    const rows = await waitForRows(rig, 'both cancelled', s.engagementId, (r) => r.length === 2 && r.every((x) => x.status === 'CANCELLED'));
    expect(rows.map((r) => r.cancel_reason)).toEqual(['feedback given', 'feedback given']);
    await jobsGone(scheduled);

    // Checked again at firing time: even a job that fires for them now (a stray duplicate)
    // delivers nothing. Once those jobs are done (removed on completion), nothing was sent.
    const clock = rig.worker.get(ReminderClock);
    const now = new Date();
    await clock.schedule(rows.map((r) => ({ id: r.id, practiceId: s.practiceId, at: now })));
    await jobsGone(rows.map((r) => ({ id: r.id, scheduled_for: now })));
    expect(rig.deliveries(s.practiceId)).toEqual([]);
    const after = await rig.reminders(s.engagementId);
    expect(after.map((r) => [r.status, r.cancel_reason, r.attempts])).toEqual([
      ['CANCELLED', 'feedback given', 0],
      ['CANCELLED', 'feedback given', 0],
    ]);
    expect(await rig.reminderSentEvents(s.engagementId)).toEqual([]);
  });

  it('cancelHomework cancels its reminders, the feedback reminder of a draft included', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 0, feedbackWindowMinutes: A_WEEK });
    const dueAt = anHourAhead();
    const hw = await assignHomework(rig, s, 'Dropped', dueAt);
    const reviewed = await assignHomework(rig, s, 'Dropped while in review', null);
    await submitDraft(rig, s, reviewed);
    const control = await assignHomework(rig, s, 'Kept', dueAt);
    const scheduled = await waitForRows(rig, 'five rows', s.engagementId, allScheduled(5));

    await cancelHomework(rig, s, hw);
    await cancelHomework(rig, s, reviewed);

    const rows = await waitForRows(rig, 'three cancelled', s.engagementId, (r) => r.filter((x) => x.status === 'CANCELLED').length === 3);
    const cancelled = rows.filter((r) => r.homework_id !== control);
    expect(cancelled.map((r) => [r.kind, r.status, r.cancel_reason]).sort()).toEqual([
      ['FEEDBACK_PENDING', 'CANCELLED', 'homework cancelled'],
      ['HOMEWORK_DUE_SOON', 'CANCELLED', 'homework cancelled'],
      ['HOMEWORK_OVERDUE', 'CANCELLED', 'homework cancelled'],
    ]);
    await jobsGone(scheduled.filter((r) => r.homework_id !== control));

    // the control's due-soon and overdue arrive, and 2 s past the cancelled ones' times
    await rig.advanceTo(new Date(dueAt.getTime() + 3_000));
    await deliveredFor(control, s.practiceId, 2);
    expect(rig.deliveries(s.practiceId).filter((d) => d.json.homework?.id !== control)).toEqual([]);
  });

  it('pausing cancels reminders and nothing goes out while paused; resuming re-arms them and those due meanwhile go at once', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 0 });
    const other = await anotherEngagement(rig, s);
    const dueAt = anHourAhead();
    const hw = await assignHomework(rig, s, 'Across the holiday', dueAt);
    const control = await assignHomework(rig, other, 'Control', dueAt);
    const scheduled = await waitForRows(rig, 'two rows', s.engagementId, allScheduled(2));
    await waitForRows(rig, 'two control rows', other.engagementId, allScheduled(2));

    await pauseEngagement(rig, s);

    const paused = await waitForRows(rig, 'both cancelled', s.engagementId, (r) => r.every((x) => x.status === 'CANCELLED'));
    expect(reasons(paused)).toEqual([
      ['HOMEWORK_DUE_SOON', 'CANCELLED', 'engagement paused'],
      ['HOMEWORK_OVERDUE', 'CANCELLED', 'engagement paused'],
    ]);
    await jobsGone(scheduled);

    // Both times pass while paused: the control reminders (same times, same practice, same
    // worker) arrive, 2 s more pass, and nothing came for the paused engagement.
    await rig.advanceTo(new Date(dueAt.getTime() + 3_000));
    await deliveredFor(control, s.practiceId, 2);
    expect(rig.deliveries(s.practiceId).filter((d) => d.json.homework?.id === hw)).toEqual([]);

    const resumedAt = new Date();
    await resumeEngagement(rig, s);

    // The overdue reminder's time passed during the pause: it goes at once. So does the
    // due-soon one: its due time is only ~3 s behind, within DUE_SOON_GRACE_MS (5 min).
    // "At once": their jobs are re-armed with no delay (the next chance otherwise would be an
    // hourly reconciliation), so they run without the test moving the time or promoting anything.
    const got = await waitFor('both delivered', () => {
      const d = rig.deliveries(s.practiceId).filter((x) => x.json.homework?.id === hw);
      return d.length >= 2 ? d : null;
    });
    expect(got.map((d) => d.json.kind).sort()).toEqual(['HOMEWORK_DUE_SOON', 'HOMEWORK_OVERDUE']);
    for (const d of got) expect(d.receivedAt.getTime()).toBeGreaterThanOrEqual(resumedAt.getTime());
    const sent = await waitForRows(rig, 'both SENT', s.engagementId, (r) => r.every((x) => x.status === 'SENT'));
    // re-armed at their original times, not moved
    expect(sent.map((r) => [r.id, r.scheduled_for.getTime(), r.cancel_reason])).toEqual(
      scheduled.map((r) => [r.id, r.scheduled_for.getTime(), null]),
    );
    expect((await rig.reminderSentEvents(s.engagementId)).length).toBe(2);
  });

  it('closing cancels every reminder of the engagement', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 0, feedbackWindowMinutes: A_WEEK });
    const other = await anotherEngagement(rig, s);
    const dueAt = anHourAhead();
    await assignHomework(rig, s, 'Due soon', dueAt);
    await submitDraft(rig, s, await assignHomework(rig, s, 'In review', null));
    const control = await assignHomework(rig, other, 'Control', dueAt);
    const scheduled = await waitForRows(rig, 'three rows', s.engagementId, allScheduled(3));
    await waitForRows(rig, 'two control rows', other.engagementId, allScheduled(2));

    await closeEngagement(rig, s);

    const rows = await waitForRows(rig, 'all cancelled', s.engagementId, (r) => (r.every((x) => x.status === 'CANCELLED')));
    expect(rows.map((r) => [r.kind, r.cancel_reason]).sort()).toEqual([
      ['FEEDBACK_PENDING', 'engagement closed'],
      ['HOMEWORK_DUE_SOON', 'engagement closed'],
      ['HOMEWORK_OVERDUE', 'engagement closed'],
    ]);
    await jobsGone(scheduled);

    await rig.advanceTo(new Date(dueAt.getTime() + 3_000));
    await deliveredFor(control, s.practiceId, 2);
    expect(rig.deliveries(s.practiceId).filter((d) => d.json.engagement.id === s.engagementId)).toEqual([]);
  });

  it('a settings change reschedules: rows move to the new times, the old jobs go, the new time is kept', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [1], overdueAfterMinutes: 60 });
    // due-soon 1 min before the due time
    const dueAt = anHourAhead();
    const hw = await assignHomework(rig, s, 'Rescheduled', dueAt);
    const before = byKind(await waitForRows(rig, 'two rows', s.engagementId, allScheduled(2)));
    expect(before.HOMEWORK_DUE_SOON!.scheduled_for.getTime()).toBe(dueAt.getTime() - 60_000);
    expect(before.HOMEWORK_OVERDUE!.scheduled_for.getTime()).toBe(dueAt.getTime() + 3_600_000);

    // due-soon 2 min before, overdue 30 min after
    await updateSettings(rig, s, { dueSoonOffsetsMinutes: [2], overdueAfterMinutes: 30 });

    const rows = await waitForRows(rig, 'the rows moved', s.engagementId, (r) => r.length === 3 && r.some((x) => x.status === 'CANCELLED'));
    const moved = rows.filter((r) => r.status !== 'CANCELLED');
    const dueSoon = moved.find((r) => r.kind === 'HOMEWORK_DUE_SOON')!;
    const overdue = moved.find((r) => r.kind === 'HOMEWORK_OVERDUE')!;
    // a due-soon reminder is one per offset: the 1-minute one is cancelled, a 2-minute one takes its place
    expect(rows.find((r) => r.status === 'CANCELLED')).toMatchObject({ id: before.HOMEWORK_DUE_SOON!.id, cancel_reason: 'settings changed' });
    expect(dueSoon.id).not.toBe(before.HOMEWORK_DUE_SOON!.id);
    expect(dueSoon.scheduled_for.getTime()).toBe(dueAt.getTime() - 120_000);
    // the overdue reminder is the same row, moved
    expect(overdue).toMatchObject({ id: before.HOMEWORK_OVERDUE!.id, status: 'SCHEDULED' });
    expect(overdue.scheduled_for.getTime()).toBe(dueAt.getTime() + 1_800_000);

    // the jobs follow the rows: the old ones are removed, the moved overdue one waits at its new time
    await jobsGone(Object.values(before));
    expect(await rig.jobState(overdue.id, overdue.scheduled_for)).toBe('delayed');

    // the new due-soon reminder goes at its new time, not before, and is the only delivery
    await rig.advanceTo(new Date(dueSoon.scheduled_for.getTime() - 1_500));
    expect(await rig.jobState(dueSoon.id, dueSoon.scheduled_for)).toBe('delayed');
    await rig.advanceTo(dueSoon.scheduled_for);
    const [delivery] = await deliveredFor(hw, s.practiceId, 1);
    expect(delivery!.headers['x-delivery-id']).toBe(dueSoon.id);
    expect(Date.parse(delivery!.json.sentAt)).toBeGreaterThanOrEqual(dueSoon.scheduled_for.getTime());
    await waitForRows(rig, 'due-soon SENT', s.engagementId, (r) => r.find((x) => x.id === dueSoon.id)?.status === 'SENT');
    expect(rig.deliveries(s.practiceId)).toHaveLength(1);
  });
});
