import { createHmac } from 'node:crypto';
import { waitFor } from '../support/wait.js';
import { activeEngagement, assignHomework, ReminderRig, SECRET, submitDraft } from './harness.js';

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start();
});
afterAll(async () => {
  await rig?.close();
});

describe('reminders are delivered when due', () => {
  it('sends due-soon, overdue and feedback-pending, signed, by webhook and email, each at or after its own time, never early', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 0, feedbackWindowMinutes: 0, emailReminders: true });
    const dueAt = new Date(Date.now() + 3_000);
    const hw = await assignHomework(rig, s, 'Articulate your hook', dueAt);
    const reviewed = await assignHomework(rig, s, 'Ask for help so people say yes', null);
    const submittedAt = new Date();
    await submitDraft(rig, s, reviewed);

    const got = await waitFor('three webhook deliveries', () => (rig.deliveries(s.practiceId).length >= 3 ? rig.deliveries(s.practiceId) : null), {
      timeoutMs: 20_000,
    });
    // by kind, not by arrival: which of feedback-pending (due at the submission) and due-soon (due 3 s after
    // the first assignment) arrives first depends on how long the three requests took on a busy machine
    expect(got.map((d) => d.json.kind).sort()).toEqual(['FEEDBACK_PENDING', 'HOMEWORK_DUE_SOON', 'HOMEWORK_OVERDUE']);
    const byKind = (kind: string) => got.find((d) => d.json.kind === kind);
    const [feedback, dueSoon, overdue] = [byKind('FEEDBACK_PENDING'), byKind('HOMEWORK_DUE_SOON'), byKind('HOMEWORK_OVERDUE')];
    // never before its time
    expect(feedback!.receivedAt.getTime()).toBeGreaterThanOrEqual(submittedAt.getTime());
    expect(dueSoon!.receivedAt.getTime()).toBeGreaterThanOrEqual(dueAt.getTime());
    // overdue: at least a second after the due time (overdueAfterMinutes 0)
    expect(overdue!.receivedAt.getTime()).toBeGreaterThanOrEqual(dueAt.getTime() + 1_000);
    for (const d of got) {
      const expected = `sha256=${createHmac('sha256', SECRET).update(d.body).digest('hex')}`;
      expect(d.headers['x-signature']).toBe(expected);
      expect(d.headers['x-delivery-id']).toBe(d.json.id);
    }
    expect(dueSoon!.json).toMatchObject({ kind: 'HOMEWORK_DUE_SOON', recipient: { id: 'client-1', role: 'CLIENT' }, homework: { id: hw, title: 'Articulate your hook' } });
    expect(feedback!.json).toMatchObject({ recipient: { id: 'coach-1', role: 'COACH' }, homework: { id: reviewed }, draft: { revision: 1 } });

    const mails = await waitFor('three emails', () => {
      const m = rig.smtp.messages.filter((x) => x.envelope.rcptTo.some((r) => r.endsWith('.example')) && got.some((d) => d.json.id === x.header('x-reminder-id')));
      return m.length >= 3 ? m : null;
    });
    const toCoach = mails.find((m) => m.header('x-reminder-id') === feedback!.json.id)!;
    expect(toCoach.envelope.rcptTo).toEqual(['mark@coach.example']);
    expect(toCoach.part('text/plain')?.body).toContain('Ask for help so people say yes');
    expect(toCoach.part('text/html')?.body).toContain('Back to work');

    // recorded once each on the engagement, and SENT in the rows
    await waitFor('three SENT rows', async () => (await rig.reminders(s.engagementId)).filter((r) => r.status === 'SENT').length === 3);
    const { rows } = await rig.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM events WHERE stream_id = $1 AND type = 'ReminderSent'",
      [s.engagementId],
    );
    expect(Number(rows[0]!.n)).toBe(3);
  });
});
