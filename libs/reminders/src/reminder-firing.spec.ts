import { decideFiring, settleDelivery, type FiringDecision, type FiringInput, type Settlement } from './reminder-firing.js';
import { reminderId, type PolicyEngagement, type PolicyHomework } from './reminder-policy.js';

// The firing rules by table: given the reminder, the engagement now, the settings and the attempt,
// then this decision. No database, no queue, no clock: the time is an input.

const MIN = 60_000;
const T0 = new Date('2026-03-01T12:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * MIN);
const HW = '00000000-0000-4000-8000-000000000001';
const DRAFT = '00000000-0000-4000-8000-000000000002';

const homework = (over: Partial<PolicyHomework> = {}): PolicyHomework => ({
  id: HW,
  status: 'ASSIGNED',
  dueAt: at(24 * 60),
  assignedAt: T0,
  awaitingDraft: null,
  ...over,
});
const engagement = (over: Partial<PolicyEngagement> = {}, hw: Partial<PolicyHomework> = {}): PolicyEngagement => ({
  status: 'ACTIVE',
  homework: [homework(hw)],
  ...over,
});

const overdue = reminderId('HOMEWORK_OVERDUE', HW);
const dueSoon = reminderId('HOMEWORK_DUE_SOON', HW, 60);
const feedback = reminderId('FEEDBACK_PENDING', DRAFT);
const step1 = reminderId('HOMEWORK_ESCALATED', HW, undefined, 1);
const step2 = reminderId('HOMEWORK_ESCALATED', HW, undefined, 2);

function input(over: {
  id?: string;
  kind?: FiringInput['reminder']['kind'];
  subject?: PolicyEngagement | null;
  now?: Date;
  webhookUrl?: string | null;
  emailReminders?: boolean;
  emailConfigured?: boolean;
  recipientEmail?: string | null;
  webhookDelivered?: boolean;
  emailDelivered?: boolean;
  attempts?: number;
  made?: number;
  overdueAfterMinutes?: number;
  escalation?: FiringInput['settings']['escalation'];
  quietHours?: { start: string; end: string } | null;
  zone?: string;
}): FiringInput {
  return {
    reminder: {
      id: over.id ?? overdue,
      kind: over.kind ?? 'HOMEWORK_OVERDUE',
      homeworkId: HW,
      draftId: over.kind === 'FEEDBACK_PENDING' ? DRAFT : null,
      recipientEmail: over.recipientEmail === undefined ? 'client@example.com' : over.recipientEmail,
      webhookDelivered: over.webhookDelivered ?? false,
      emailDelivered: over.emailDelivered ?? false,
      attempts: over.attempts ?? 0,
    },
    subject: over.subject === undefined ? engagement() : over.subject,
    settings: {
      dueSoonOffsetsMinutes: [60],
      overdueAfterMinutes: over.overdueAfterMinutes ?? 0,
      feedbackWindowMinutes: 30,
      webhookUrl: over.webhookUrl === undefined ? 'https://hooks.example.com/r' : over.webhookUrl,
      emailReminders: over.emailReminders ?? true,
      escalation: over.escalation ?? [
        { afterMinutes: 60, notify: 'COACH', channel: 'WEBHOOK' },
        { afterMinutes: 120, notify: 'ADMIN', channel: null },
      ],
      quietHours: over.quietHours ?? null,
    },
    recipientZone: over.zone ?? 'UTC',
    emailConfigured: over.emailConfigured ?? true,
    attempt: { made: over.made ?? 0, allowed: 3, maxAttempts: 3 },
    now: over.now ?? at(24 * 60 + 1),
  };
}

describe('decideFiring', () => {
  const table: [string, FiringInput, FiringDecision][] = [
    ['an overdue reminder at its time goes on both channels', input({}), { action: 'DELIVER', webhook: true, email: true, lastAttempt: false }],
    ['a due-soon reminder at its time goes', input({ id: dueSoon, kind: 'HOMEWORK_DUE_SOON', now: at(23 * 60) }), { action: 'DELIVER', webhook: true, email: true, lastAttempt: false }],
    ['no webhook URL: email only', input({ webhookUrl: null }), { action: 'DELIVER', webhook: false, email: true, lastAttempt: false }],
    ['email off: webhook only', input({ emailReminders: false }), { action: 'DELIVER', webhook: true, email: false, lastAttempt: false }],
    ['no SMTP in this process: webhook only', input({ emailConfigured: false }), { action: 'DELIVER', webhook: true, email: false, lastAttempt: false }],
    ['recipient without email: webhook only', input({ recipientEmail: null }), { action: 'DELIVER', webhook: true, email: false, lastAttempt: false }],
    ['a retry re-attempts only the channel that failed', input({ webhookDelivered: true, attempts: 1, made: 1 }), { action: 'DELIVER', webhook: false, email: true, lastAttempt: false }],
    ["the job's last attempt", input({ made: 2 }), { action: 'DELIVER', webhook: true, email: true, lastAttempt: true }],
    ["the row's bound reached (a re-created job)", input({ attempts: 8 }), { action: 'DELIVER', webhook: true, email: true, lastAttempt: true }],
    ['no channel at all: cancelled', input({ webhookUrl: null, emailReminders: false }), { action: 'CANCEL', reason: 'no delivery channel configured' }],
    ['engagement gone', input({ subject: null }), { action: 'CANCEL', reason: 'engagement no longer exists' }],
    ['engagement paused', input({ subject: engagement({ status: 'PAUSED' }) }), { action: 'CANCEL', reason: 'engagement paused' }],
    ['engagement closed', input({ subject: engagement({ status: 'CLOSED' }) }), { action: 'CANCEL', reason: 'engagement closed' }],
    ['homework removed', input({ subject: engagement({ homework: [] }) }), { action: 'CANCEL', reason: 'homework no longer exists' }],
    ['homework cancelled', input({ subject: engagement({}, { status: 'CANCELLED' }) }), { action: 'CANCEL', reason: 'homework cancelled' }],
    ['draft submitted', input({ subject: engagement({}, { status: 'SUBMITTED', awaitingDraft: { id: DRAFT, submittedAt: at(10) } }) }), { action: 'CANCEL', reason: 'draft submitted' }],
    ['homework accepted', input({ subject: engagement({}, { status: 'ACCEPTED' }) }), { action: 'CANCEL', reason: 'homework accepted' }],
    ['a due-soon reminder long after the due time', input({ id: dueSoon, kind: 'HOMEWORK_DUE_SOON', now: at(24 * 60 + 6) }), { action: 'CANCEL', reason: 'due time passed' }],
    ['settings now want it later: back to sleep', input({ overdueAfterMinutes: 60 }), { action: 'RELEASE', until: expect.any(Date), reason: 'not due under the current settings' }],
    ['escalation step 1 at its time, on its one channel (WEBHOOK)', input({ id: step1, kind: 'HOMEWORK_ESCALATED', now: at(25 * 60) }), { action: 'DELIVER', webhook: true, email: false, lastAttempt: false }],
    ['escalation step 2 on every channel the settings allow', input({ id: step2, kind: 'HOMEWORK_ESCALATED', now: at(26 * 60) }), { action: 'DELIVER', webhook: true, email: true, lastAttempt: false }],
    [
      'an EMAIL step in a practice without email: no channel, cancelled',
      input({ id: step1, kind: 'HOMEWORK_ESCALATED', now: at(25 * 60), emailReminders: false, escalation: [{ afterMinutes: 60, notify: 'ADMIN', channel: 'EMAIL' }] }),
      { action: 'CANCEL', reason: 'no delivery channel configured' },
    ],
    [
      'escalation step 2 after a draft: cancelled',
      input({ id: step2, kind: 'HOMEWORK_ESCALATED', now: at(26 * 60), subject: engagement({}, { status: 'SUBMITTED', awaitingDraft: { id: DRAFT, submittedAt: at(25 * 60) } }) }),
      { action: 'CANCEL', reason: 'draft submitted' },
    ],
    ['a step removed from the ladder: cancelled', input({ id: step2, kind: 'HOMEWORK_ESCALATED', now: at(26 * 60), escalation: [] }), { action: 'CANCEL', reason: 'settings changed' }],
    ['a step moved later: back to sleep', input({ id: step1, kind: 'HOMEWORK_ESCALATED', now: at(25 * 60), escalation: [{ afterMinutes: 90, notify: 'COACH', channel: null }] }), { action: 'RELEASE', until: expect.any(Date), reason: 'not due under the current settings' }],
    // T0 + 24 h + 1 min is 12:01 UTC on 2 March 2026: 01:01 next day in Auckland (UTC+13), 02:01 in Honolulu (UTC−10)
    [
      'quiet hours in Auckland (UTC+13): held to 08:00 NZDT',
      input({ quietHours: { start: '21:00', end: '08:00' }, zone: 'Pacific/Auckland' }),
      { action: 'HOLD', until: new Date('2026-03-02T19:00:00Z'), reason: 'quiet hours (21:00–08:00 in Pacific/Auckland)' },
    ],
    [
      'quiet hours in Honolulu (UTC−10): held to 08:00 HST',
      input({ quietHours: { start: '21:00', end: '08:00' }, zone: 'Pacific/Honolulu' }),
      { action: 'HOLD', until: new Date('2026-03-02T18:00:00Z'), reason: 'quiet hours (21:00–08:00 in Pacific/Honolulu)' },
    ],
    ['quiet hours, but daytime in London: goes', input({ quietHours: { start: '21:00', end: '08:00' }, zone: 'Europe/London' }), { action: 'DELIVER', webhook: true, email: true, lastAttempt: false }],
    [
      'a held reminder at the end of its hold: goes',
      input({ quietHours: { start: '21:00', end: '08:00' }, zone: 'Pacific/Honolulu', now: new Date('2026-03-02T18:00:00Z') }),
      { action: 'DELIVER', webhook: true, email: true, lastAttempt: false },
    ],
    [
      'a held reminder whose cause went during the hold: cancelled, not sent',
      input({ quietHours: { start: '21:00', end: '08:00' }, zone: 'Pacific/Honolulu', now: new Date('2026-03-02T18:00:00Z'), subject: engagement({}, { status: 'ACCEPTED' }) }),
      { action: 'CANCEL', reason: 'homework accepted' },
    ],
    [
      'feedback pending while the draft waits',
      input({ id: feedback, kind: 'FEEDBACK_PENDING', subject: engagement({}, { status: 'SUBMITTED', awaitingDraft: { id: DRAFT, submittedAt: at(0) } }), now: at(31) }),
      { action: 'DELIVER', webhook: true, email: true, lastAttempt: false },
    ],
    [
      'feedback given',
      input({ id: feedback, kind: 'FEEDBACK_PENDING', subject: engagement({}, { status: 'CHANGES_REQUESTED' }), now: at(31) }),
      { action: 'CANCEL', reason: 'feedback given' },
    ],
  ];
  it.each(table)('%s', (_name, given, expected) => {
    expect(decideFiring(given)).toEqual(expected);
  });
});

describe('settleDelivery', () => {
  const none = { webhookDelivered: false, emailDelivered: false };
  const table: [string, Parameters<typeof settleDelivery>, Settlement][] = [
    ['both delivered', [none, { webhookOk: true, emailOk: true, errors: [] }, false], { action: 'SENT', channels: ['WEBHOOK', 'EMAIL'], error: null }],
    ['one failed, more attempts left: retry', [none, { webhookOk: true, emailOk: false, errors: ['email: refused'] }, false], { action: 'RETRY', error: 'email: refused' }],
    ['one failed on the last attempt: sent on the other, with the error', [none, { webhookOk: true, emailOk: false, errors: ['email: refused'] }, true], { action: 'SENT', channels: ['WEBHOOK'], error: 'email: refused' }],
    ['all failed on the last attempt: failed', [none, { webhookOk: false, emailOk: false, errors: ['webhook: 500', 'email: refused'] }, true], { action: 'FAILED', error: 'webhook: 500; email: refused' }],
    ['an earlier attempt delivered the webhook', [{ webhookDelivered: true, emailDelivered: false }, { webhookOk: false, emailOk: true, errors: [] }, false], { action: 'SENT', channels: ['WEBHOOK', 'EMAIL'], error: null }],
  ];
  it.each(table)('%s', (_name, args, expected) => {
    expect(settleDelivery(...args)).toEqual(expected);
  });
});
