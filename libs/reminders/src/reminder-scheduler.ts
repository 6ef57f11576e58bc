import { Injectable, Logger } from '@nestjs/common';
import type { Queryable, StoredEvent, Subscriber, TransactionHandle } from '#event-store';
import { activeEngagementIds, ENGAGEMENT_EVENT_TYPES, LIMITS, PracticeSettingsRepository, type EngagementEventType, type EscalationTarget, type Person, type ReminderKind } from '#engagement';
import { ReminderClock } from './reminder-clock.js';
import type { ClockEntry } from './reminder-clock-jobs.js';
import { ReminderTime } from './reminder-time.js';
import { cancelReason, desiredReminders, type PolicySettings } from './reminder-policy.js';
import { causesOf, type Cause, type EngagementCause } from './reminder-causes.js';
import { enterPractice, loadReminderSubjects, type ReminderSubject } from './reminder-state.js';
import { groupBy } from '#platform';

/**
 * Engagement events that never change which reminders an engagement should
 * have. Every other engagement event makes its reminders be looked at again:
 * a new event type is a trigger unless it is added here.
 */
const NO_REMINDER_EFFECT: ReadonlySet<EngagementEventType> = new Set([
  'EngagementOpened',
  'CoachingSessionLogged',
  'JobSearchActivityLogged',
  'ReminderSent',
  'ReminderHeld',
] as const);
const ENGAGEMENT_TRIGGERS = ENGAGEMENT_EVENT_TYPES.filter((type) => !NO_REMINDER_EFFECT.has(type));

/** How many engagements' reminders are reconciled in one set of statements. */
const ENGAGEMENTS_PER_SET = 500;

export interface ExistingRow extends Record<string, unknown> {
  id: string;
  engagement_id: string;
  kind: ReminderKind;
  status: 'SCHEDULED' | 'SENT' | 'CANCELLED' | 'FAILED' | 'HELD' | 'DIGESTED';
  scheduled_for: Date;
  homework_id: string | null;
  draft_id: string | null;
}

/**
 * The reminder rows, whatever their status (one SENT is not sent again), of whole engagements and of
 * single homework, by the (practice_id, engagement_id) and (homework_id) indexes: not by the
 * practice's rows, which grow with its history.
 */
export async function existingReminders(
  q: Queryable,
  practiceId: string,
  of: { engagements: readonly string[]; homework: readonly string[] },
): Promise<ExistingRow[]> {
  if (of.engagements.length === 0 && of.homework.length === 0) return [];
  const { rows } = await q.query<ExistingRow>(
    `SELECT id, engagement_id, kind, status, scheduled_for, homework_id, draft_id FROM reminders
      WHERE practice_id = $1 AND (engagement_id = ANY($2::uuid[]) OR homework_id = ANY($3::uuid[]))`,
    [practiceId, of.engagements, of.homework],
  );
  return rows;
}

export interface ClockChanges {
  schedule: ClockEntry[];
  unschedule: Omit<ClockEntry, 'practiceId'>[];
}

/**
 * Keeps the reminder rows (the truth) in step with the event log: after each
 * relevant event it makes the engagement's rows match what the rules want
 * now, in the same transaction as its checkpoint; once that commits, it sets
 * the BullMQ jobs (the clock) to match. If Redis is unreachable then, the
 * reconciler sets them later: no row is ever lost.
 */
@Injectable()
export class ReminderScheduler implements Subscriber {
  readonly name = 'reminder-scheduler';
  readonly batchSize = 200;
  readonly eventTypes = [...ENGAGEMENT_TRIGGERS, 'PracticeSettingsUpdated'];

  private readonly logger = new Logger(ReminderScheduler.name);
  private applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: PracticeSettingsRepository,
    private readonly clock: ReminderClock,
    private readonly time: ReminderTime,
  ) {}

  async handle(events: StoredEvent[], tx: TransactionHandle): Promise<void> {
    // the latest event per engagement decides; its correlation id follows the reminders it causes
    const { engagements, practices } = causesOf(events);
    for (const [practiceId, cause] of practices) {
      await enterPractice(tx, practiceId);
      const { rows } = await tx.query<{ id: string }>(
        `SELECT DISTINCT engagement_id AS id FROM reminders WHERE practice_id = $1 AND status IN ('SCHEDULED', 'HELD')`,
        [practiceId],
      );
      const ids = new Set([...(await activeEngagementIds(tx, practiceId)), ...rows.map((r) => r.id)]);
      // settings can move any reminder: every engagement of the practice whole
      for (const id of ids) engagements.set(id, { ...(engagements.get(id) ?? cause), homework: null });
    }
    const changes: ClockChanges = { schedule: [], unschedule: [] };
    const notes: Record<string, unknown>[] = [];
    for (const [practiceId, all] of groupBy(engagements, ([, cause]) => cause.practiceId)) {
      await enterPractice(tx, practiceId);
      // a settings change touches every active engagement of the practice: sets of a bounded size
      for (let i = 0; i < all.length; i += ENGAGEMENTS_PER_SET) {
        await this.reconcilePractice(tx, practiceId, new Map(all.slice(i, i + ENGAGEMENTS_PER_SET)), this.time.now(), changes, notes);
      }
    }
    // one batch's job changes after the previous batch's, so a cancel never lands after a later re-arm
    tx.afterCommit?.(() => {
      // under the event's correlation id: the one of the request's log lines, its events and the reminder rows
      for (const note of notes) this.logger.log(note, 'reminders rescheduled');
      this.applying = this.applying.then(() => this.apply(changes));
    });
  }

  /**
   * Makes the reminder rows of a practice's engagements match the rules, as
   * sets: their subjects, the practice's settings and their rows in three
   * reads; the new rows, the moved ones and the cancelled ones in one
   * statement each (a batch of events of one practice costs the same few
   * round trips however many engagements it touches). Collects the job
   * changes and a note per engagement that changed.
   */
  async reconcilePractice(
    q: Queryable,
    practiceId: string,
    causes: ReadonlyMap<string, EngagementCause>,
    now: Date,
    changes: ClockChanges,
    notes: Record<string, unknown>[],
  ): Promise<void> {
    const whole = [...causes].filter(([, c]) => c.homework === null).map(([id]) => id);
    const narrowed = [...causes].filter(([, c]) => c.homework !== null).map(([id]) => id);
    const homework = [...causes.values()].flatMap((c) => [...(c.homework ?? [])]);
    // each subject holds the homework its rows are judged against: all of it, or the batch's
    const subjects = new Map([...(await loadReminderSubjects(q, whole)), ...(await loadReminderSubjects(q, narrowed, homework))]);
    if (subjects.size === 0) return;
    const settings: PolicySettings & { escalationEmail: string | null } = await this.settings.read(q, practiceId);
    const rows = await existingReminders(q, practiceId, { engagements: whole.filter((id) => subjects.has(id)), homework });
    // a row is judged with its engagement's scope: all of a whole one's, a narrowed one's batch homework only
    const inScope = (r: ExistingRow) => {
      const scope = causes.get(r.engagement_id)?.homework;
      return scope === null || (scope !== undefined && r.homework_id !== null && scope.has(r.homework_id));
    };
    const rowsOf = groupBy(rows.filter(inScope), (r) => r.engagement_id);
    const writes: Writes = { inserts: [], moves: [], cancels: [] };
    for (const [engagementId, cause] of causes) {
      // looked up by the id the event named, as the subject was before sets (a stream id that is not an engagement's, as stored, has none)
      const subject = subjects.get(engagementId);
      if (!subject) continue;
      const before = { schedule: changes.schedule.length, unschedule: changes.unschedule.length };
      plan(subject, rowsOf.get(engagementId) ?? [], settings, cause, now, changes, writes);
      const scheduled = changes.schedule.slice(before.schedule).map((e) => e.id);
      const unscheduled = changes.unschedule.slice(before.unschedule).map((e) => e.id);
      if (scheduled.length || unscheduled.length) {
        notes.push({ correlationId: cause.correlationId, practiceId, engagementId, scheduled, unscheduled });
      }
    }
    await writeSchedule(q, practiceId, writes);
  }

  /** Sets the jobs after the rows committed; a failure here is repaired by the reconciler. */
  async apply(changes: ClockChanges): Promise<void> {
    try {
      if (changes.unschedule.length) await this.clock.unschedule(changes.unschedule);
      if (changes.schedule.length) await this.clock.schedule(changes.schedule);
    } catch {
      // Redis unreachable: the rows are SCHEDULED without jobs until reconciliation
    }
  }
}

/** Who a reminder goes to: the engagement's client or coach, or the practice's escalation contact. */
export function recipientOf(target: EscalationTarget, subject: ReminderSubject, escalationEmail: string | null): Person {
  if (target === 'CLIENT') return subject.client;
  if (target === 'COACH') return subject.coach;
  return { id: `practice-admin:${subject.practiceId}`, name: 'Practice admin', email: escalationEmail };
}

export interface Writes {
  inserts: { id: string; engagementId: string; homeworkId: string; draftId: string | null; kind: ReminderKind; recipient: Person; role: EscalationTarget; at: Date; correlationId: string; step: number | null }[];
  moves: { id: string; at: Date; recipient: Person; role: EscalationTarget; correlationId: string }[];
  cancels: { id: string; reason: string }[];
}

/** One engagement's rows against what the rules want now: the writes that make them match, and the job changes. */
function plan(
  subject: ReminderSubject,
  rows: readonly ExistingRow[],
  settings: PolicySettings & { escalationEmail: string | null },
  cause: Cause,
  now: Date,
  changes: ClockChanges,
  writes: Writes,
): void {
  const { practiceId, id: engagementId } = subject;
  const correlationId = cause.correlationId;
  const desired = desiredReminders(subject, settings, now);
  const existing = new Map(rows.map((r) => [r.id, r]));
  const wanted = new Set(desired.map((d) => d.id));
  // every list has a hard maximum: a homework's reminders (sent, cancelled or scheduled) included
  const perHomework = new Map<string, number>();
  for (const r of rows) if (r.homework_id) perHomework.set(r.homework_id, (perHomework.get(r.homework_id) ?? 0) + 1);

  for (const d of desired) {
    const row = existing.get(d.id);
    const recipient = recipientOf(d.recipient, subject, settings.escalationEmail);
    if (!row) {
      // a reminder for a moment that had passed before its cause appeared is not news any more
      if (d.scheduledFor.getTime() < cause.at.getTime()) continue;
      const count = perHomework.get(d.homeworkId) ?? 0;
      if (count >= LIMITS.remindersPerHomework) continue;
      perHomework.set(d.homeworkId, count + 1);
      writes.inserts.push({
        id: d.id,
        engagementId,
        homeworkId: d.homeworkId,
        draftId: d.draftId,
        kind: d.kind,
        recipient,
        role: d.recipient,
        at: d.scheduledFor,
        correlationId,
        step: d.step,
      });
      changes.schedule.push({ id: d.id, practiceId, at: d.scheduledFor, correlationId });
    } else if (
      row.status === 'CANCELLED' ||
      ((row.status === 'SCHEDULED' || row.status === 'HELD') && row.scheduled_for.getTime() !== d.scheduledFor.getTime())
    ) {
      // moved (or back): a hold was for the old time, the new time is judged when it comes
      writes.moves.push({ id: d.id, at: d.scheduledFor, recipient, role: d.recipient, correlationId });
      if (row.status === 'SCHEDULED' || row.status === 'HELD') changes.unschedule.push({ id: d.id, at: row.scheduled_for });
      changes.schedule.push({ id: d.id, practiceId, at: d.scheduledFor, correlationId });
    }
  }
  for (const row of rows) {
    if ((row.status !== 'SCHEDULED' && row.status !== 'HELD') || wanted.has(row.id)) continue;
    const homework = subject.homework.find((h) => h.id === row.homework_id);
    writes.cancels.push({ id: row.id, reason: cancelReason(subject, homework, row.kind, row.draft_id, now) });
    changes.unschedule.push({ id: row.id, at: row.scheduled_for });
  }
}

/**
 * The planned writes of a practice's engagements, one statement per kind of write. A move or a
 * cancel changes only a row still in a state the plan moves or cancels: the plan read the rows
 * earlier in this transaction, and a worker may have recorded one SENT since (a move over it would
 * make it SCHEDULED again and send it twice).
 */
export async function writeSchedule(q: Queryable, practiceId: string, { inserts, moves, cancels }: Writes): Promise<void> {
  if (inserts.length) {
    await q.query(
      `INSERT INTO reminders (id, practice_id, engagement_id, homework_id, draft_id, kind, recipient_id, recipient_name,
         recipient_email, recipient_role, scheduled_for, status, correlation_id, escalation_step)
       SELECT id, $1, engagement_id, homework_id, draft_id, kind, recipient_id, recipient_name, recipient_email, recipient_role,
              scheduled_for, 'SCHEDULED', correlation_id, escalation_step
         FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                     $11::timestamptz[], $12::text[], $13::int[])
           AS w(id, engagement_id, homework_id, draft_id, kind, recipient_id, recipient_name, recipient_email, recipient_role,
                scheduled_for, correlation_id, escalation_step)`,
      [
        practiceId,
        inserts.map((w) => w.id),
        inserts.map((w) => w.engagementId),
        inserts.map((w) => w.homeworkId),
        inserts.map((w) => w.draftId),
        inserts.map((w) => w.kind),
        inserts.map((w) => w.recipient.id),
        inserts.map((w) => w.recipient.name),
        inserts.map((w) => w.recipient.email),
        inserts.map((w) => w.role),
        inserts.map((w) => w.at),
        inserts.map((w) => w.correlationId),
        inserts.map((w) => w.step),
      ],
    );
  }
  if (moves.length) {
    await q.query(
      `UPDATE reminders r SET status = 'SCHEDULED', scheduled_for = w.scheduled_for, cancel_reason = NULL, held_until = NULL, note = NULL,
              digest_id = NULL, recipient_id = w.recipient_id, recipient_name = w.recipient_name, recipient_email = w.recipient_email,
              recipient_role = w.recipient_role, correlation_id = w.correlation_id, updated_at = now()
         FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
           AS w(id, scheduled_for, recipient_id, recipient_name, recipient_email, recipient_role, correlation_id)
        WHERE r.practice_id = $1 AND r.id = w.id AND r.status IN ('SCHEDULED', 'HELD', 'CANCELLED')`,
      [
        practiceId,
        moves.map((w) => w.id),
        moves.map((w) => w.at),
        moves.map((w) => w.recipient.id),
        moves.map((w) => w.recipient.name),
        moves.map((w) => w.recipient.email),
        moves.map((w) => w.role),
        moves.map((w) => w.correlationId),
      ],
    );
  }
  if (cancels.length) {
    await q.query(
      `UPDATE reminders r SET status = 'CANCELLED', cancel_reason = w.reason, updated_at = now()
         FROM unnest($2::uuid[], $3::text[]) AS w(id, reason)
        WHERE r.practice_id = $1 AND r.id = w.id AND r.status IN ('SCHEDULED', 'HELD')`,
      [practiceId, cancels.map((w) => w.id), cancels.map((w) => w.reason)],
    );
  }
}
