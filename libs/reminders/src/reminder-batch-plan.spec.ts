import { backstopsAfter, deliveredUnrecorded, planBatch, settleBatch, type BatchInput, type Delivery } from './reminder-batch-plan.js';
import type { ReminderRow } from './reminder-recording.js';
import { reminderId } from './reminder-policy.js';
import type { ReminderSubject } from './reminder-state.js';

// A batch's plan by table: the rows a batch leased, their engagements and the settings in; what each
// row comes to out (ended, held, moved later, delivered) and the words its job answers. No database,
// no queue, no clock.

const MIN = 60_000;
const T0 = new Date('2026-03-01T12:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * MIN);
const E1 = '00000000-0000-4000-8000-0000000000e1';
const E2 = '00000000-0000-4000-8000-0000000000e2';
const GONE = '00000000-0000-4000-8000-0000000000e3';
const hw = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

function subject(id: string, homework: { id: string; status?: ReminderSubject['homework'][number]['status'] }[], clientZone: string | null = null): ReminderSubject {
  return {
    id,
    practiceId: 'p1',
    title: 'Career move',
    status: 'ACTIVE',
    coach: { id: 'coach', name: 'Coach', email: 'coach@example.com', timezone: 'UTC' },
    client: { id: 'client', name: 'Client', email: 'client@example.com', timezone: clientZone },
    lastActivityAt: T0,
    homework: homework.map((h) => ({ id: h.id, title: 'CV', status: h.status ?? 'ASSIGNED', dueAt: at(24 * 60), assignedAt: T0, awaitingDraft: null, draftCount: 0 })),
  };
}

function row(engagementId: string, homeworkId: string, over: Partial<ReminderRow> = {}): ReminderRow {
  return {
    id: reminderId('HOMEWORK_OVERDUE', homeworkId),
    practice_id: 'p1',
    engagement_id: engagementId,
    homework_id: homeworkId,
    draft_id: null,
    kind: 'HOMEWORK_OVERDUE',
    recipient_id: 'client',
    recipient_name: 'Client',
    recipient_email: 'client@example.com',
    recipient_role: 'CLIENT',
    escalation_step: null,
    scheduled_for: at(24 * 60),
    status: 'SCHEDULED',
    held_until: null,
    attempts: 0,
    webhook_delivered_at: null,
    email_delivered_at: null,
    correlation_id: 'req-1',
    webhook_body: null,
    ...over,
  };
}

const settings = {
  dueSoonOffsetsMinutes: [60],
  overdueAfterMinutes: 0,
  feedbackWindowMinutes: 30,
  webhookUrl: 'https://hooks.example.com/r',
  emailReminders: true,
  escalation: [{ afterMinutes: 60, notify: 'COACH' as const, channel: 'WEBHOOK' as const }],
  quietHours: { start: '21:00', end: '08:00' },
};

function batch(rows: ReminderRow[], over: Partial<BatchInput> = {}): BatchInput {
  return {
    practiceId: 'p1',
    rows,
    subjects: new Map([
      [E1, subject(E1, [{ id: hw(1) }, { id: hw(2), status: 'ACCEPTED' }])],
      // 12:01 UTC on 2 March (the batch's now) is 02:01 in Honolulu: inside the client's quiet hours
      [E2, subject(E2, [{ id: hw(3) }], 'Pacific/Honolulu')],
    ]),
    settings,
    emailConfigured: true,
    maxAttempts: 3,
    attemptOf: () => undefined,
    now: at(24 * 60 + 1),
    ...over,
  };
}

describe('planBatch', () => {
  const deliver = row(E1, hw(1));
  const accepted = row(E1, hw(2));
  const quiet = row(E2, hw(3));
  const gone = row(GONE, hw(4));
  const step = row(E1, hw(1), {
    id: reminderId('HOMEWORK_ESCALATED', hw(1), undefined, 1),
    kind: 'HOMEWORK_ESCALATED',
    recipient_id: 'coach',
    recipient_role: 'COACH',
    escalation_step: 1,
    scheduled_for: at(25 * 60),
  });

  it('sorts a batch into sends, ends, holds and moves, each with its words', () => {
    const plan = planBatch(batch([deliver, accepted, quiet, gone]));
    expect(plan.deliveries.map((d) => [d.row.id, d.webhook, d.email, d.lastAttempt])).toEqual([[deliver.id, true, true, false]]);
    expect(plan.ended).toEqual([
      expect.objectContaining({ id: accepted.id, status: 'CANCELLED', note: 'homework accepted', release: true }),
      expect.objectContaining({ id: gone.id, status: 'CANCELLED', note: 'engagement no longer exists', release: true }),
    ]);
    // the client's zone, not the practice's: held to 08:00 HST
    expect(plan.holds).toEqual([{ id: quiet.id, row: quiet, until: new Date('2026-03-02T18:00:00Z'), reason: 'quiet hours (21:00–08:00 in Pacific/Honolulu)' }]);
    expect(plan.released).toEqual([]);
    expect([...plan.said]).toEqual([
      [accepted.id, 'cancelled: homework accepted'],
      [quiet.id, 'held: until 2026-03-02T18:00:00.000Z, quiet hours (21:00–08:00 in Pacific/Honolulu)'],
      [gone.id, 'cancelled: engagement no longer exists'],
    ]);
  });

  it("moves a row the settings now want later, with the job the scheduler would give it", () => {
    const plan = planBatch(batch([deliver], { settings: { ...settings, overdueAfterMinutes: 60 } }));
    expect(plan.deliveries).toEqual([]);
    expect(plan.ended).toEqual([expect.objectContaining({ id: deliver.id, status: null, scheduledFor: at(25 * 60), release: true })]);
    expect(plan.released).toEqual([{ id: deliver.id, practiceId: 'p1', at: at(25 * 60), correlationId: 'req-1' }]);
    expect(plan.said.get(deliver.id)).toBe(`released: not due under the current settings, moved to ${at(25 * 60).toISOString()}`);
  });

  it("asks the rules as of a row's own time when it was taken up ahead of it", () => {
    // the step is due at 13:00 the next day and the batch took it at 12:58: asked as of 12:58 the
    // rules would move it to 13:00 (RELEASE); asked as of its time, it goes, on its one channel
    const plan = planBatch(batch([step], { now: at(25 * 60 - 2) }));
    expect(plan.released).toEqual([]);
    expect(plan.deliveries.map((d) => [d.row.id, d.webhook, d.email])).toEqual([[step.id, true, false]]);
  });

  it("counts the attempt of the job that came for a row; a swept row is at its first", () => {
    const last = planBatch(batch([deliver], { attemptOf: (id) => (id === deliver.id ? { made: 2, allowed: 3 } : undefined) }));
    expect(last.deliveries[0]!.lastAttempt).toBe(true);
    expect(planBatch(batch([deliver])).deliveries[0]!.lastAttempt).toBe(false);
  });
});

describe('settleBatch', () => {
  const delivery = (n: number, over: Partial<Delivery> = {}): Delivery => ({
    row: row(E1, hw(n)),
    subject: subject(E1, [{ id: hw(n) }]),
    webhook: true,
    email: true,
    lastAttempt: false,
    ...over,
  });

  it('records each row by what reached its recipient', () => {
    const [ok, retry, partial, failed] = [delivery(1), delivery(2), delivery(3, { lastAttempt: true }), delivery(4, { lastAttempt: true })];
    const settled = settleBatch(
      [ok, retry, partial, failed],
      [
        { webhookOk: true, emailOk: true, errors: [] },
        { webhookOk: true, emailOk: false, errors: ['email: refused'] },
        { webhookOk: true, emailOk: false, errors: ['email: refused'] },
        { webhookOk: false, emailOk: false, errors: ['webhook: 500'] },
      ],
    );
    expect(settled.sent).toEqual([
      { row: ok.row, channels: ['WEBHOOK', 'EMAIL'], error: null },
      { row: partial.row, channels: ['WEBHOOK'], error: 'email: refused' },
    ]);
    expect(settled.attempts).toEqual([
      // a retry gives its lease back, with the webhook counted as delivered: the next attempt sends only the email
      { id: retry.row.id, status: null, note: 'email: refused', attempted: true, webhookDelivered: true, emailDelivered: false, release: true },
      // a partial delivery on its last attempt keeps its lease: the recording of SENT comes next
      { id: partial.row.id, status: null, note: null, attempted: true, webhookDelivered: true, emailDelivered: false, release: false },
      { id: failed.row.id, status: 'FAILED', note: 'webhook: 500', attempted: true, webhookDelivered: false, emailDelivered: false, release: true },
    ]);
    expect([...settled.said.values()]).toEqual(['sent by WEBHOOK and EMAIL', 'retry: email: refused', 'sent by WEBHOOK', 'failed: webhook: 500']);
  });

  it('keeps the sends of rows whose recording failed, so their next attempt records them instead of sending again', () => {
    const [both, hookOnly, partial] = [delivery(1), delivery(2, { email: false }), delivery(3, { lastAttempt: true })];
    const settled = settleBatch(
      [both, hookOnly, partial],
      [
        { webhookOk: true, emailOk: true, errors: [] },
        { webhookOk: true, emailOk: false, errors: [] },
        { webhookOk: true, emailOk: false, errors: ['email: refused'] },
      ],
    );
    // the partial delivery's attempt is written before its recording already: not written twice
    expect(deliveredUnrecorded(settled.sent)).toEqual([
      { id: both.row.id, status: null, note: null, attempted: true, webhookDelivered: true, emailDelivered: true, release: false },
      { id: hookOnly.row.id, status: null, note: null, attempted: true, webhookDelivered: true, emailDelivered: false, release: false },
    ]);
  });
});

describe('backstopsAfter: the own jobs of the rows a sweep took', () => {
  const entry = (n: number) => ({ id: hw(n), practiceId: 'p1', at: at(n) });
  const cases: [said: string, quietUntil: Date | null, becomes: 'removed' | Date | 'kept'][] = [
    ['sent by WEBHOOK', null, 'removed'],
    ['cancelled: the homework was submitted', null, 'removed'],
    ['failed: webhook: 500', null, 'removed'],
    ['held: for digest d1, daily budget of 2 reached', null, 'removed'],
    ['released: quiet hours changed, moved to 2026-03-01T13:00:00.000Z', null, 'removed'],
    ['changed: cancelled while it waited for its time', null, 'removed'],
    // due again: the job fires then, as the batch's own jobs would
    ['retry: webhook: 503', null, new Date(T0.getTime() + 200)],
    ['held: until 2026-03-01T20:00:00.000Z, quiet hours', at(480), new Date(at(480).getTime() - 5_000)],
    // an outcome it does not know keeps the backstop
    ['done', null, 'kept'],
    ['', null, 'kept'],
  ];
  it.each(cases)('%s → %s', (said, quietUntil, becomes) => {
    const e = entry(1);
    const out = backstopsAfter([e], new Map([[e.id, said]]), new Map(quietUntil ? [[e.id, quietUntil]] : []), { now: T0, backoffMs: 200, leadMs: 5_000 });
    if (becomes === 'removed') expect(out).toEqual({ remove: [e], move: [] });
    else if (becomes === 'kept') expect(out).toEqual({ remove: [], move: [] });
    else expect(out).toEqual({ remove: [], move: [{ ...e, fireAt: becomes }] });
  });
});
