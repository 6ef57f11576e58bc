import type { PolicyEngagement, PolicySettings } from './reminder-policy.js';
import { reminderId } from './reminder-policy.js';
import { coachDigestDue, digestIdOf, judgeBudget, localDay, morningOf, nextMorning, planHeldDigest, type HeldForDigest } from './digest-policy.js';

// The daily budget and the digests, by table (like the decider's and the firing rules' tables).

const at = (iso: string) => new Date(iso);
const QUIET = { start: '21:00', end: '08:00' };

describe('a recipient day and its next morning, in their zone', () => {
  it.each([
    // [zone, instant, local day, next morning without quiet hours, next morning after 21:00–08:00]
    ['UTC', '2026-11-30T23:59:59Z', '2026-11-30', '2026-12-01T00:00:00.000Z', '2026-12-01T08:00:00.000Z'],
    // UTC+13: the local day starts at 11:00 UTC the day before
    ['Pacific/Tongatapu', '2026-11-30T10:59:00Z', '2026-11-30', '2026-11-30T11:00:00.000Z', '2026-11-30T19:00:00.000Z'],
    ['Pacific/Tongatapu', '2026-11-30T11:00:00Z', '2026-12-01', '2026-12-01T11:00:00.000Z', '2026-12-01T19:00:00.000Z'],
    // UTC−10
    ['Pacific/Honolulu', '2026-12-01T09:59:00Z', '2026-11-30', '2026-12-01T10:00:00.000Z', '2026-12-01T18:00:00.000Z'],
    // Auckland in summer time (UTC+13)
    ['Pacific/Auckland', '2026-12-01T02:00:00Z', '2026-12-01', '2026-12-01T11:00:00.000Z', '2026-12-01T19:00:00.000Z'],
    // Berlin: the day before the spring change (29 Mar 2026) is 24 h; its next morning is in summer time
    ['Europe/Berlin', '2026-03-28T20:00:00Z', '2026-03-28', '2026-03-28T23:00:00.000Z', '2026-03-29T06:00:00.000Z'],
    // New York: the autumn change (1 Nov 2026): 08:00 the morning after is UTC−5, the evening before UTC−4
    ['America/New_York', '2026-11-01T01:00:00Z', '2026-10-31', '2026-11-01T04:00:00.000Z', '2026-11-01T13:00:00.000Z'],
    // an unknown zone counts as UTC
    ['Mars/Olympus_Mons', '2026-11-30T12:00:00Z', '2026-11-30', '2026-12-01T00:00:00.000Z', '2026-12-01T08:00:00.000Z'],
  ])('%s at %s: day %s, next morning %s (with quiet hours %s)', (zone, instant, day, morning, afterQuiet) => {
    expect(localDay(at(instant), zone)).toBe(day);
    expect(nextMorning(at(instant), zone, null).toISOString()).toBe(morning);
    expect(nextMorning(at(instant), zone, QUIET).toISOString()).toBe(afterQuiet);
  });

  it('a quiet window that does not cover midnight leaves the morning at midnight', () => {
    expect(morningOf('2026-12-01', 'UTC', { start: '12:00', end: '13:00' }).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });
});

describe('judgeBudget', () => {
  const base = { practiceId: 'p1', reminderId: 'r3', recipientId: 'client-1', recipientZone: 'Pacific/Honolulu', quietHours: QUIET, now: at('2026-11-30T20:00:00Z') };
  const digest = digestIdOf('HELD_REMINDERS', 'p1', 'client-1', '2026-11-30');
  it.each([
    ['no budget: always sent, no place taken', { maxPerDay: null, placed: ['r1', 'r2'] }, { action: 'SEND', day: null }],
    ['under the budget: sent, taking a place', { maxPerDay: 2, placed: ['r1'] }, { action: 'SEND', day: '2026-11-30' }],
    ['a retry keeps the place it had', { maxPerDay: 2, placed: ['r1', 'r3'] }, { action: 'SEND', day: '2026-11-30' }],
    [
      'past the budget: held for the next morning (08:00 in Honolulu), in the day digest',
      { maxPerDay: 2, placed: ['r1', 'r2'] },
      {
        action: 'HOLD',
        day: '2026-11-30',
        until: at('2026-12-01T18:00:00Z'),
        digestId: digest,
        reason: "daily budget of 2 reached on 2026-11-30 (Pacific/Honolulu): held for the next morning's digest",
      },
    ],
  ])('%s', (_what, input, expected) => {
    expect(judgeBudget({ ...base, ...input })).toEqual(expected);
  });

  it("every reminder held on a recipient's day goes in the same digest; the next day has another", () => {
    const held = (now: string) => judgeBudget({ ...base, maxPerDay: 1, placed: ['r1'], now: at(now) });
    const a = held('2026-11-30T18:00:00Z');
    const b = held('2026-12-01T09:59:00Z'); // 23:59 in Honolulu, same day
    const c = held('2026-12-01T10:00:00Z'); // 00:00 the next day
    expect(a.action === 'HOLD' && b.action === 'HOLD' && a.digestId === b.digestId).toBe(true);
    expect(c.action === 'HOLD' && a.action === 'HOLD' && c.digestId !== a.digestId).toBe(true);
  });
});

describe('planHeldDigest: what the morning digest carries', () => {
  const settings: PolicySettings = { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60, feedbackWindowMinutes: 60, escalation: [] };
  const due = at('2026-11-30T10:00:00Z');
  const homework = (status: 'ASSIGNED' | 'SUBMITTED' | 'CANCELLED' | 'ACCEPTED') => ({
    id: 'hw-1',
    status,
    dueAt: due,
    assignedAt: at('2026-11-29T10:00:00Z'),
    awaitingDraft: status === 'SUBMITTED' ? { id: 'd-1', submittedAt: at('2026-11-30T12:00:00Z') } : null,
  });
  const engagement = (status: 'ACTIVE' | 'PAUSED' | 'CLOSED', hw: ReturnType<typeof homework>): PolicyEngagement => ({ status, homework: [hw] });
  const held: HeldForDigest[] = [
    { id: reminderId('HOMEWORK_DUE_SOON', 'hw-1', 0), kind: 'HOMEWORK_DUE_SOON', engagementId: 'e-1', homeworkId: 'hw-1', draftId: null, scheduledFor: due },
    {
      id: reminderId('HOMEWORK_OVERDUE', 'hw-1'),
      kind: 'HOMEWORK_OVERDUE',
      engagementId: 'e-1',
      homeworkId: 'hw-1',
      draftId: null,
      scheduledFor: at('2026-11-30T11:00:00Z'),
    },
  ];
  const morning = at('2026-12-01T08:00:00Z');
  it.each([
    // a due-soon reminder held overnight is still carried: judged at its own time, not at the morning's
    ['the cause is still there: both carried', engagement('ACTIVE', homework('ASSIGNED')), [held[0]!.id, held[1]!.id], []],
    ['a draft came in overnight: both cancelled', engagement('ACTIVE', homework('SUBMITTED')), [], ['draft submitted', 'draft submitted']],
    ['homework cancelled', engagement('ACTIVE', homework('CANCELLED')), [], ['homework cancelled', 'homework cancelled']],
    ['engagement paused', engagement('PAUSED', homework('ASSIGNED')), [], ['engagement paused', 'engagement paused']],
  ])('%s', (_what, subject, include, reasons) => {
    const plan = planHeldDigest(held, new Map([['e-1', subject]]), settings, morning);
    expect(plan.include.map((r) => r.id)).toEqual(include);
    expect(plan.cancel.map((c) => c.reason)).toEqual(reasons);
  });

  it('an engagement that no longer exists drops its reminders', () => {
    expect(planHeldDigest(held, new Map(), settings, morning).cancel).toEqual([
      { id: held[0]!.id, reason: 'engagement no longer exists' },
      { id: held[1]!.id, reason: 'engagement no longer exists' },
    ]);
  });
});

describe('coachDigestDue', () => {
  const waiting = [
    { draftId: 'd-2', engagementId: 'e-2', submittedAt: at('2026-11-30T09:00:00Z') },
    { draftId: 'd-1', engagementId: 'e-1', submittedAt: at('2026-11-29T09:00:00Z') },
  ];
  const base = { practiceId: 'p1', coachId: 'coach-1', coachZone: 'Pacific/Auckland', quietHours: QUIET, coachDigest: true, waiting };
  it.each([
    ['off in the settings', { coachDigest: false, now: at('2026-11-30T20:00:00Z') }, false],
    ['nothing waiting', { waiting: [], now: at('2026-11-30T20:00:00Z') }, false],
    // 07:59 in Auckland (UTC+13): before the end of quiet hours
    ['before the morning (the end of quiet hours in Auckland)', { now: at('2026-11-30T18:59:00Z') }, false],
    ['at the morning', { now: at('2026-11-30T19:00:00Z') }, true],
    ['later that day', { now: at('2026-12-01T09:00:00Z') }, true],
  ])('%s → %s', (_what, input, send) => {
    expect(coachDigestDue({ ...base, ...input }).send).toBe(send);
  });

  it("lists the drafts longest wait first, under the coach's day's digest id", () => {
    expect(coachDigestDue({ ...base, now: at('2026-11-30T19:00:00Z') })).toEqual({
      send: true,
      day: '2026-12-01',
      digestId: digestIdOf('DRAFTS_AWAITING_FEEDBACK', 'p1', 'coach-1', '2026-12-01'),
      drafts: [waiting[1], waiting[0]],
    });
  });
});
