import { verifySignature } from '#reminders';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import {
  activeEngagement,
  assignHomework,
  inSeconds,
  ok,
  ReminderRig,
  SECRET,
  submitDraft,
  waitForRows,
  type ReminderRow,
} from './harness.js';

// The escalation ladder (issue 13): after the client's due-soon and overdue reminders, one
// HOMEWORK_ESCALATED reminder per step of the practice's ladder, to the step's target, on the
// step's channels, cancelled like the overdue one when the client's turn ends. Short offsets
// (afterMinutes 0: with the overdue reminder) keep the tests quick; every wait is on a condition.

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start();
});
afterAll(async () => {
  await rig?.close();
});

const escalated = (rows: ReminderRow[]) => rows.filter((r) => r.kind === 'HOMEWORK_ESCALATED');

const REMINDERS_OF = `query ($id: ID!) { engagement(id: $id) { homework { id reminders {
  kind status escalationStep escalationTarget cancelReason channel recipient { id name email } } } } }`;

describe('the escalation ladder', () => {
  it.concurrent('a practice without its own ladder has the default one: coach 48 h, admin 7 days after overdue', async () => {
    const practiceId = uniqueId('esc');
    const admin = { id: 'admin-1', role: 'ADMIN' as const, practiceId };
    const read = await ok<any>(rig.api.gql(`{ practiceSettings { escalation { afterMinutes notify channel } escalationEmail } }`, {}, admin));
    expect(read.practiceSettings).toEqual({
      escalation: [
        { afterMinutes: 2880, notify: 'COACH', channel: null },
        { afterMinutes: 10080, notify: 'ADMIN', channel: null },
      ],
      escalationEmail: null,
    });
  });

  it.concurrent('a ladder out of order, or with an unknown target, is refused naming the field; nothing changes', async () => {
    const s = await activeEngagement(rig, { escalation: [{ afterMinutes: 5, notify: 'COACH' }] });
    const update = `mutation ($input: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $input) { webhookSecretSet } }`;
    const outOfOrder = await rig.api.gql(update, { input: { escalation: [{ afterMinutes: 60, notify: 'COACH' }, { afterMinutes: 30, notify: 'ADMIN' }] } }, s.admin);
    expect(outOfOrder.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.escalation' });
    const badEmail = await rig.api.gql(update, { input: { escalationEmail: 'not an address' } }, s.admin);
    expect(badEmail.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.escalationEmail' });
    const unknown = await rig.api.gql(update, { input: { escalation: [{ afterMinutes: 60, notify: 'BOSS' }] } }, s.admin);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const read = await ok<any>(rig.api.gql(`{ practiceSettings { escalation { afterMinutes notify channel } } }`, {}, s.admin));
    expect(read.practiceSettings.escalation).toEqual([{ afterMinutes: 5, notify: 'COACH', channel: null }]);
  });

  it.concurrent("each step goes to its target on its channels; the coach's and admin's say what the client has and hasn't done", async () => {
    const escalationEmail = `escalations-${uniqueId('x')}@practice.example`;
    const s = await activeEngagement(rig, {
      dueSoonOffsetsMinutes: [],
      overdueAfterMinutes: 0,
      emailReminders: true,
      escalation: [
        { afterMinutes: 0, notify: 'COACH' },
        { afterMinutes: 0, notify: 'ADMIN', channel: 'EMAIL' },
      ],
      escalationEmail,
    });
    const hw = await assignHomework(rig, s, 'Rewrite the CV', inSeconds(2));
    const rows = await waitForRows(rig, 'overdue and both steps SENT', s.engagementId, (r) => r.length === 3 && r.every((x) => x.status === 'SENT'), {
      timeoutMs: 20_000,
    });
    expect(rows.map((r) => r.kind).sort()).toEqual(['HOMEWORK_ESCALATED', 'HOMEWORK_ESCALATED', 'HOMEWORK_OVERDUE']);

    // through GraphQL: step and target on each reminder
    const q = await ok<any>(rig.api.gql(REMINDERS_OF, { id: s.engagementId }, s.coach));
    const reminders = q.engagement.homework.find((h: any) => h.id === hw).reminders;
    expect(
      reminders
        .filter((r: any) => r.kind === 'HOMEWORK_ESCALATED')
        .map((r: any) => [r.escalationStep, r.escalationTarget, r.status, r.channel, r.recipient.email])
        .sort(),
    ).toEqual([
      [1, 'COACH', 'SENT', 'WEBHOOK', 'mark@coach.example'],
      [2, 'ADMIN', 'SENT', 'EMAIL', escalationEmail],
    ]);
    expect(reminders.find((r: any) => r.kind === 'HOMEWORK_OVERDUE')).toMatchObject({ escalationStep: null, escalationTarget: null });

    // the coach's webhook: signed, with the step, the target and the client's progress
    const hooks = rig.deliveries(s.practiceId).filter((d) => d.json.kind === 'HOMEWORK_ESCALATED');
    expect(hooks).toHaveLength(1); // the admin's step is EMAIL only
    const coachHook = hooks[0]!;
    expect(verifySignature(SECRET, coachHook.body, coachHook.headers['x-signature'] as string)).toBe(true);
    expect(coachHook.json.recipient).toMatchObject({ id: 'coach-1', role: 'COACH' });
    expect(coachHook.json.escalation).toMatchObject({
      step: 1,
      target: 'COACH',
      clientProgress: { homeworkStatus: 'ASSIGNED', draftsSubmitted: 0 },
    });
    expect(coachHook.json.escalation.clientProgress.summary).toContain('Sam Client has not submitted any draft of “Rewrite the CV”');
    expect(Date.parse(coachHook.json.escalation.clientProgress.lastActivityAt)).not.toBeNaN();
    // the overdue reminder's body has no escalation part
    expect(rig.deliveries(s.practiceId).find((d) => d.json.kind === 'HOMEWORK_OVERDUE')!.json).not.toHaveProperty('escalation');

    // the admin's email, to the practice's escalation address
    const adminMail = await waitFor('the admin email', () => rig.smtp.messages.find((m) => m.envelope.rcptTo.includes(escalationEmail)) ?? null);
    expect(adminMail.subject).toBe('Escalation 2: Sam Client\'s “Rewrite the CV” is overdue');
    expect(adminMail.part('text/plain')!.body).toContain('Sam Client has not submitted any draft of “Rewrite the CV”');
    expect(adminMail.part('text/plain')!.body).toContain('last activity on the engagement');

    // on the timeline: ReminderSent for each
    const sent = await rig.reminderSentEvents(s.engagementId);
    expect(sent.map((e) => e.kind).sort()).toEqual(['HOMEWORK_ESCALATED', 'HOMEWORK_ESCALATED', 'HOMEWORK_OVERDUE']);
  });

  it.concurrent('a draft submitted after step 1 cancels step 2 (and nothing more goes)', async () => {
    const s = await activeEngagement(rig, {
      dueSoonOffsetsMinutes: [],
      overdueAfterMinutes: 0,
      escalation: [
        { afterMinutes: 0, notify: 'COACH' },
        { afterMinutes: 1, notify: 'ADMIN' },
      ],
    });
    const hw = await assignHomework(rig, s, 'Call three recruiters', inSeconds(2));
    const step1 = await waitForRows(
      rig,
      'step 1 SENT, step 2 SCHEDULED',
      s.engagementId,
      (r) => escalated(r).length === 2 && escalated(r).some((x) => x.status === 'SENT') && escalated(r).some((x) => x.status === 'SCHEDULED'),
      { timeoutMs: 20_000 },
    );
    const pending = escalated(step1).find((x) => x.status === 'SCHEDULED')!;

    await submitDraft(rig, s, hw);

    await waitForRows(rig, 'step 2 cancelled', s.engagementId, (r) => r.find((x) => x.id === pending.id)?.status === 'CANCELLED');
    const q = await ok<any>(rig.api.gql(REMINDERS_OF, { id: s.engagementId }, s.coach));
    const ladder = q.engagement.homework[0].reminders.filter((r: any) => r.kind === 'HOMEWORK_ESCALATED');
    expect(ladder.map((r: any) => [r.escalationStep, r.escalationTarget, r.status, r.cancelReason])).toEqual([
      [1, 'COACH', 'SENT', null],
      [2, 'ADMIN', 'CANCELLED', 'draft submitted'],
    ]);
    // its job is gone from the queue: it cannot fire (and would be re-checked if it did)
    await waitFor('the step 2 job gone', async () => (await rig.jobState(pending.id, pending.scheduled_for)) === 'unknown');
    expect(rig.deliveries(s.practiceId).filter((d) => d.headers['x-delivery-id'] === pending.id)).toEqual([]);
  });
});
