import type { ClockEntry } from './reminder-clock-jobs.js';
import { decideFiring, settleDelivery, type DeliveryResult, type FiringReminder, type FiringSettings } from './reminder-firing.js';
import { dueOf } from './reminder-leasing.js';
import type { AttemptOutcome, RecordEntry, ReminderRow } from './reminder-recording.js';
import type { ReminderSubject } from './reminder-state.js';

// What a batch does with the rows it leased: the firing rules (reminder-firing.ts) asked for each
// row, and the deliveries' results settled, as two pure functions over the whole batch. The
// processor reads the inputs, does the I/O between (budget, bodies, the wait, the sends) and writes
// what these return. Each row also gets the words its jobs answer BullMQ with (`said`), which the
// processor's `finish` turns into metrics, a log line and the job's result.

/** A row kept back: until the end of quiet hours, or for a digest (`digestId`). */
export interface Hold {
  id: string;
  until: Date;
  reason: string;
  row: ReminderRow;
  digestId?: string;
}

/** A row to send now, on these channels. */
export interface Delivery {
  row: ReminderRow;
  subject: ReminderSubject;
  webhook: boolean;
  email: boolean;
  lastAttempt: boolean;
}

export interface BatchInput {
  practiceId: string;
  rows: readonly ReminderRow[];
  subjects: ReadonlyMap<string, ReminderSubject>;
  settings: FiringSettings;
  /** whether this process can send email at all (SMTP configured) */
  emailConfigured: boolean;
  /** REMINDER_ATTEMPTS */
  maxAttempts: number;
  /** the attempt of the job that came for a row; undefined for a row the batch swept (its first) */
  attemptOf(id: string): { made: number; allowed: number } | undefined;
  now: Date;
}

export interface BatchPlan {
  /** rows that end here or are moved later, without a send (recordAttempts) */
  ended: AttemptOutcome[];
  holds: Hold[];
  /** the new jobs of rows moved later */
  released: ClockEntry[];
  deliveries: Delivery[];
  /** each row's outcome, as its jobs answer */
  said: Map<string, string>;
}

/** The stored row as the firing rules see it. */
export function firingReminder(row: ReminderRow): FiringReminder {
  return {
    id: row.id,
    kind: row.kind,
    homeworkId: row.homework_id,
    draftId: row.draft_id,
    recipientEmail: row.recipient_email,
    webhookDelivered: row.webhook_delivered_at !== null,
    emailDelivered: row.email_delivered_at !== null,
    attempts: row.attempts,
  };
}

/** The recipient's time zone: the engagement's client or coach; the practice's admin contact: UTC. */
export function recipientZone(row: ReminderRow, subject: ReminderSubject | null): string {
  if (row.recipient_role === 'CLIENT') return subject?.client.timezone ?? 'UTC';
  if (row.recipient_role === 'COACH') return subject?.coach.timezone ?? 'UTC';
  return 'UTC';
}

/** When a row is sent: its own time when the batch took it up ahead of it, else now. */
export function sendsAt(row: ReminderRow, now: Date): Date {
  return new Date(Math.max(now.getTime(), dueOf(row).getTime()));
}

/** An outcome that gives the row back untouched but for what the caller sets. */
export function ending(id: string, status: AttemptOutcome['status'] = null, note: string | null = null): AttemptOutcome {
  return { id, status, note, attempted: false, webhookDelivered: false, emailDelivered: false, release: true };
}

/** The firing rules for each row, as of the time it is sent. */
export function planBatch(input: BatchInput): BatchPlan {
  const plan: BatchPlan = { ended: [], holds: [], released: [], deliveries: [], said: new Map() };
  for (const row of input.rows) {
    const subject = input.subjects.get(row.engagement_id) ?? null;
    const attempt = input.attemptOf(row.id);
    const decision = decideFiring({
      reminder: firingReminder(row),
      subject,
      settings: input.settings,
      emailConfigured: input.emailConfigured,
      // the row counts the attempts made of it, whoever made them (a sweep's first, its job's retries)
      attempt: { made: Math.max(attempt?.made ?? 0, row.attempts), allowed: attempt?.allowed ?? input.maxAttempts, maxAttempts: input.maxAttempts },
      recipientZone: recipientZone(row, subject),
      now: sendsAt(row, input.now),
    });
    if (decision.action === 'CANCEL') {
      plan.ended.push(ending(row.id, 'CANCELLED', decision.reason));
      plan.said.set(row.id, `cancelled: ${decision.reason}`);
    } else if (decision.action === 'HOLD') {
      plan.holds.push({ id: row.id, until: decision.until, reason: decision.reason, row });
      plan.said.set(row.id, `held: until ${decision.until.toISOString()}, ${decision.reason}`);
    } else if (decision.action === 'RELEASE') {
      // moved to the time the rules now want (left due, a sweep would take it again and again), with
      // the job the scheduler would give it (the same id: when the scheduler catches up, still one job)
      plan.ended.push({ ...ending(row.id), scheduledFor: decision.until });
      plan.released.push({ id: row.id, practiceId: input.practiceId, at: decision.until, correlationId: row.correlation_id });
      plan.said.set(row.id, `released: ${decision.reason}, moved to ${decision.until.toISOString()}`);
    } else {
      plan.deliveries.push({ row, subject: subject!, webhook: decision.webhook, email: decision.email, lastAttempt: decision.lastAttempt });
    }
  }
  return plan;
}

export interface BatchSettlement {
  /** attempts to record (retries, failures, partial deliveries keeping their lease) */
  attempts: AttemptOutcome[];
  /** rows to record SENT */
  sent: RecordEntry[];
  said: Map<string, string>;
}

/** The deliveries' results, in the order of `deliveries`: each row SENT, retried or FAILED. */
export function settleBatch(deliveries: readonly Delivery[], results: readonly DeliveryResult[]): BatchSettlement {
  const settlement: BatchSettlement = { attempts: [], sent: [], said: new Map() };
  deliveries.forEach((d, i) => {
    const r = results[i]!;
    const settled = settleDelivery(firingReminder(d.row), r, d.lastAttempt);
    const attempt = { ...ending(d.row.id), attempted: true, webhookDelivered: r.webhookOk, emailDelivered: r.emailOk };
    if (settled.action === 'RETRY') {
      settlement.attempts.push({ ...attempt, note: settled.error });
      settlement.said.set(d.row.id, `retry: ${settled.error}`);
    } else if (settled.action === 'FAILED') {
      settlement.attempts.push({ ...attempt, status: 'FAILED', note: settled.error });
      settlement.said.set(d.row.id, `failed: ${settled.error}`);
    } else {
      // delivered on every channel: straight to the recording (one write); a partial delivery's
      // attempt is committed first (keeping the lease), so a retry re-attempts only what failed
      if (settled.error !== null) settlement.attempts.push({ ...attempt, release: false });
      settlement.sent.push({ row: d.row, channels: settled.channels, error: settled.error });
      settlement.said.set(d.row.id, `sent by ${settled.channels.join(' and ')}`);
    }
  });
  return settlement;
}

/**
 * The sends of rows that went straight to their recording (delivered on every channel, no attempt
 * written yet), as attempts to keep when that recording fails: written before the batch lets its
 * rows go, they make the next attempt record the rows instead of sending them again (a delivered
 * channel is not sent twice). A partial delivery's attempt was written before the recording already.
 */
export function deliveredUnrecorded(sent: readonly RecordEntry[]): AttemptOutcome[] {
  return sent
    .filter((s) => s.error === null)
    .map((s) => ({
      ...ending(s.row.id),
      attempted: true,
      webhookDelivered: s.channels.includes('WEBHOOK'),
      emailDelivered: s.channels.includes('EMAIL'),
      release: false,
    }));
}

/** What becomes of the own jobs of the rows a sweep took (their backstops, due well after the rows' time). */
export interface Backstops {
  /** rows that need their job no more: removed */
  remove: ClockEntry[];
  /** rows due again: their job moved to fire then */
  move: (ClockEntry & { fireAt: Date })[];
}

/**
 * The backstops of a sweep's rows, from each row's outcome (as `said`): a row sent, cancelled,
 * failed, held for a digest (the digest carries it), released (a job at its new time answers for
 * it) or changed while it waited (the scheduler gave it what it needs) has no use for its job; a
 * retry's job fires after the back-off, a quiet-hours hold's at its end less the lead (as the batch's
 * own jobs do). Anything else keeps its backstop.
 */
export function backstopsAfter(
  swept: readonly ClockEntry[],
  said: ReadonlyMap<string, string>,
  /** quiet-hours holds: until when */
  sleepUntil: ReadonlyMap<string, Date>,
  at: { now: Date; backoffMs: number; leadMs: number },
): Backstops {
  const out: Backstops = { remove: [], move: [] };
  for (const entry of swept) {
    const until = sleepUntil.get(entry.id);
    const result = said.get(entry.id) ?? '';
    if (until) out.move.push({ ...entry, fireAt: new Date(until.getTime() - at.leadMs) });
    // a sweep takes rows never attempted: a retry after its first attempt
    else if (/^retry\b/.test(result)) out.move.push({ ...entry, fireAt: new Date(at.now.getTime() + retryDelayMs(1, at.backoffMs)) });
    else if (NO_JOB_NEEDED.test(result)) out.remove.push(entry);
  }
  return out;
}

const NO_JOB_NEEDED = /^(sent|cancelled|failed|held: for digest|released|changed)\b/;

/** How long after its `attempts`-th failed attempt a reminder is tried again: REMINDER_BACKOFF_MS, doubling each attempt. */
export function retryDelayMs(attempts: number, backoffMs: number): number {
  return backoffMs * 2 ** Math.max(0, attempts - 1);
}
