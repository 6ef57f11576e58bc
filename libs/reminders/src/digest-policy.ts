import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { DigestKind, ReminderKind } from '#engagement';
import { isTimeZone, quietUntil, type QuietHours } from './quiet-hours.js';
import { cancelReason, desiredReminders, type PolicyEngagement, type PolicySettings } from './reminder-policy.js';

// The daily budget and the digests (issue 13): pure functions of their inputs and the time
// (passed in; no clock, no I/O), tested by table in digest-policy.spec.ts. The I/O is in
// reminder-budget.ts (the processor's gate) and digest-runner.ts (the morning digests).
//
// * A recipient's day is their local calendar day (their IANA zone; the admin contact's: UTC).
// * judgeBudget: with a budget of N, the first N reminders that go to a recipient on one of
//   their days are sent; each further one of that day is HELD for the digest of the next
//   morning, with a note saying so. A reminder that already has its place (a retry) keeps it.
// * The next morning is the start of the recipient's next day, or the end of the practice's
//   quiet hours if the day starts inside them, in the recipient's zone (DST-correct: Luxon).
// * A digest has a name-based id (recipient, day, kind): every worker computes the same one,
//   so a digest is made once however many workers look.
// * planHeldDigest: at the morning, the held reminders whose cause is still there go in one
//   digest (each then DIGESTED); those whose cause went are CANCELLED with the reason instead.
// * coachDigestDue: a coach with drafts waiting for feedback gets one digest a day (their day),
//   at or after their morning, when the practice has coachDigest on.

/** A recipient's local calendar day, "YYYY-MM-DD"; an unknown zone counts as UTC. */
export function localDay(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone: zoneOrUtc(zone) }).toISODate()!;
}

/**
 * The morning of a local day: its first instant in `zone` (midnight, or the first instant after a
 * DST gap there), moved to the end of the quiet hours when it falls inside them.
 */
export function morningOf(day: string, zone: string, quiet: QuietHours | null): Date {
  const start = DateTime.fromISO(day, { zone: zoneOrUtc(zone) }).startOf('day').toJSDate();
  return quietUntil(start, quiet, zone) ?? start;
}

/** The morning after the local day that `at` is in: when that day's held reminders go as a digest. */
export function nextMorning(at: Date, zone: string, quiet: QuietHours | null): Date {
  const next = DateTime.fromJSDate(at, { zone: zoneOrUtc(zone) }).plus({ days: 1 }).toISODate()!;
  return morningOf(next, zone, quiet);
}

/** A digest's id: a name-based UUID (v5 layout) of what it gathers, the same in every process. */
export function digestIdOf(kind: DigestKind, practiceId: string, recipientId: string, day: string): string {
  const h = createHash('sha1').update('coaching-digests/v1:').update(`${kind}:${practiceId}:${recipientId}:${day}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface BudgetInput {
  practiceId: string;
  reminderId: string;
  recipientId: string;
  recipientZone: string;
  /** the practice's budget; null: none */
  maxPerDay: number | null;
  quietHours: QuietHours | null;
  /** the reminders already given a place in this recipient's day (its `localDay(now)`), in order */
  placed: readonly string[];
  now: Date;
}

export type BudgetVerdict =
  | { action: 'SEND'; day: string | null }
  | { action: 'HOLD'; day: string; until: Date; digestId: string; reason: string };

export function judgeBudget(input: BudgetInput): BudgetVerdict {
  if (input.maxPerDay === null) return { action: 'SEND', day: null };
  const day = localDay(input.now, input.recipientZone);
  if (input.placed.includes(input.reminderId) || input.placed.length < input.maxPerDay) return { action: 'SEND', day };
  const until = nextMorning(input.now, input.recipientZone, input.quietHours);
  return {
    action: 'HOLD',
    day,
    until,
    digestId: digestIdOf('HELD_REMINDERS', input.practiceId, input.recipientId, day),
    reason: `daily budget of ${input.maxPerDay} reached on ${day} (${zoneOrUtc(input.recipientZone)}): held for the next morning's digest`,
  };
}

/** A held reminder waiting for its digest, as the plan needs it. */
export interface HeldForDigest {
  id: string;
  kind: ReminderKind;
  engagementId: string;
  homeworkId: string | null;
  draftId: string | null;
  scheduledFor: Date;
}

export interface HeldDigestPlan {
  /** in the digest, each then DIGESTED */
  include: HeldForDigest[];
  /** their cause went meanwhile: CANCELLED, not in the digest */
  cancel: { id: string; reason: string }[];
}

/**
 * What the morning digest of held reminders carries: those the rules would still want at their
 * own time given the engagement as it is now (a draft submitted, feedback given, homework
 * cancelled, the engagement paused or closed: out, with the reason).
 */
export function planHeldDigest(
  held: readonly HeldForDigest[],
  subjects: ReadonlyMap<string, PolicyEngagement | null>,
  settings: PolicySettings,
  now: Date,
): HeldDigestPlan {
  const plan: HeldDigestPlan = { include: [], cancel: [] };
  for (const r of held) {
    const subject = subjects.get(r.engagementId) ?? null;
    if (!subject) {
      plan.cancel.push({ id: r.id, reason: 'engagement no longer exists' });
      continue;
    }
    const stillWanted = desiredReminders(subject, settings, r.scheduledFor).some((d) => d.id === r.id);
    if (stillWanted) plan.include.push(r);
    else {
      const homework = subject.homework.find((h) => h.id === r.homeworkId);
      plan.cancel.push({ id: r.id, reason: cancelReason(subject, homework, r.kind, r.draftId, now) });
    }
  }
  return plan;
}

export interface CoachDigestInput {
  practiceId: string;
  coachId: string;
  coachZone: string;
  quietHours: QuietHours | null;
  coachDigest: boolean;
  /** drafts of ACTIVE engagements waiting for this coach's feedback */
  waiting: readonly { draftId: string; engagementId: string; submittedAt: Date }[];
  now: Date;
}

export type CoachDigestDecision = { send: false } | { send: true; digestId: string; day: string; drafts: CoachDigestInput['waiting'] };

/** Whether the coach's morning digest of today (their day) is due now, and what it lists (oldest draft first). */
export function coachDigestDue(input: CoachDigestInput): CoachDigestDecision {
  if (!input.coachDigest || input.waiting.length === 0) return { send: false };
  const day = localDay(input.now, input.coachZone);
  if (input.now.getTime() < morningOf(day, input.coachZone, input.quietHours).getTime()) return { send: false };
  const drafts = [...input.waiting].sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime() || a.draftId.localeCompare(b.draftId));
  return { send: true, digestId: digestIdOf('DRAFTS_AWAITING_FEEDBACK', input.practiceId, input.coachId, day), day, drafts };
}

function zoneOrUtc(zone: string): string {
  return isTimeZone(zone) ? zone : 'UTC';
}
