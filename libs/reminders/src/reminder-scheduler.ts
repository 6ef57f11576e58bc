import { Injectable, Logger } from '@nestjs/common';
import type { Queryable, StoredEvent, Subscriber, TransactionHandle } from '#event-store';
import { activeEngagementIds, ENGAGEMENT_EVENT_TYPES, LIMITS, PracticeSettingsRepository, type EngagementEventType, type EscalationTarget, type Person, type ReminderKind } from '#engagement';
import { ReminderClock, type ClockEntry } from './reminder-clock.js';
import { ReminderTime } from './reminder-time.js';
import { cancelReason, desiredReminders, type PolicySettings } from './reminder-policy.js';
import { enterPractice, loadReminderSubject, type ReminderSubject } from './reminder-state.js';

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

interface ExistingRow extends Record<string, unknown> {
  id: string;
  kind: ReminderKind;
  status: 'SCHEDULED' | 'SENT' | 'CANCELLED' | 'FAILED' | 'HELD' | 'DIGESTED';
  scheduled_for: Date;
  homework_id: string | null;
  draft_id: string | null;
}

/** The event that makes an engagement's reminders be looked at again. */
interface Cause {
  practiceId: string;
  correlationId: string;
  at: Date;
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
    const engagements = new Map<string, Cause>();
    const practices = new Map<string, Cause>();
    for (const e of events) {
      const cause = { practiceId: e.metadata.practiceId, correlationId: e.metadata.correlationId, at: e.occurredAt };
      if (e.type === 'PracticeSettingsUpdated') practices.set(e.metadata.practiceId, cause);
      else engagements.set(e.streamId, cause);
    }
    for (const [practiceId, cause] of practices) {
      await enterPractice(tx, practiceId);
      const { rows } = await tx.query<{ id: string }>(
        `SELECT DISTINCT engagement_id AS id FROM reminders WHERE practice_id = $1 AND status IN ('SCHEDULED', 'HELD')`,
        [practiceId],
      );
      const ids = new Set([...(await activeEngagementIds(tx, practiceId)), ...rows.map((r) => r.id)]);
      for (const id of ids) if (!engagements.has(id)) engagements.set(id, cause);
    }
    const changes: ClockChanges = { schedule: [], unschedule: [] };
    const notes: Record<string, unknown>[] = [];
    for (const [engagementId, cause] of engagements) {
      await enterPractice(tx, cause.practiceId);
      const before = { schedule: changes.schedule.length, unschedule: changes.unschedule.length };
      await this.reconcileEngagement(tx, engagementId, cause, this.time.now(), changes);
      const scheduled = changes.schedule.slice(before.schedule).map((e) => e.id);
      const unscheduled = changes.unschedule.slice(before.unschedule).map((e) => e.id);
      if (scheduled.length || unscheduled.length) {
        notes.push({ correlationId: cause.correlationId, practiceId: cause.practiceId, engagementId, scheduled, unscheduled });
      }
    }
    // one batch's job changes after the previous batch's, so a cancel never lands after a later re-arm
    tx.afterCommit?.(() => {
      // under the event's correlation id: the one of the request's log lines, its events and the reminder rows
      for (const note of notes) this.logger.log(note, 'reminders rescheduled');
      this.applying = this.applying.then(() => this.apply(changes));
    });
  }

  /** Makes one engagement's reminder rows match the rules; collects the job changes. */
  async reconcileEngagement(q: Queryable, engagementId: string, cause: Cause, now: Date, changes: ClockChanges): Promise<void> {
    const correlationId = cause.correlationId;
    const subject = await loadReminderSubject(q, engagementId);
    if (!subject) return;
    const settings: PolicySettings & { escalationEmail: string | null } = await this.settings.read(q, subject.practiceId);
    const desired = desiredReminders(subject, settings, now);
    const { rows } = await q.query<ExistingRow>(
      'SELECT id, kind, status, scheduled_for, homework_id, draft_id FROM reminders WHERE practice_id = $1 AND engagement_id = $2',
      [subject.practiceId, engagementId],
    );
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
        await q.query(
          `INSERT INTO reminders (id, practice_id, engagement_id, homework_id, draft_id, kind, recipient_id, recipient_name,
             recipient_email, recipient_role, scheduled_for, status, correlation_id, escalation_step)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'SCHEDULED', $12, $13)`,
          [d.id, subject.practiceId, engagementId, d.homeworkId, d.draftId, d.kind, recipient.id, recipient.name, recipient.email, d.recipient, d.scheduledFor, correlationId, d.step],
        );
        changes.schedule.push({ id: d.id, practiceId: subject.practiceId, at: d.scheduledFor, correlationId });
      } else if (
        row.status === 'CANCELLED' ||
        ((row.status === 'SCHEDULED' || row.status === 'HELD') && row.scheduled_for.getTime() !== d.scheduledFor.getTime())
      ) {
        // moved (or back): a hold was for the old time, the new time is judged when it comes
        await q.query(
          `UPDATE reminders SET status = 'SCHEDULED', scheduled_for = $2, cancel_reason = NULL, held_until = NULL, note = NULL, digest_id = NULL, recipient_id = $6, recipient_name = $3,
             recipient_email = $4, recipient_role = $7, correlation_id = $5, updated_at = now()
           WHERE practice_id = $8 AND id = $1`,
          [d.id, d.scheduledFor, recipient.name, recipient.email, correlationId, recipient.id, d.recipient, subject.practiceId],
        );
        if (row.status === 'SCHEDULED' || row.status === 'HELD') changes.unschedule.push({ id: d.id, at: row.scheduled_for });
        changes.schedule.push({ id: d.id, practiceId: subject.practiceId, at: d.scheduledFor, correlationId });
      }
    }
    for (const row of rows) {
      if ((row.status !== 'SCHEDULED' && row.status !== 'HELD') || wanted.has(row.id)) continue;
      const homework = subject.homework.find((h) => h.id === row.homework_id);
      await q.query(
        `UPDATE reminders SET status = 'CANCELLED', cancel_reason = $2, updated_at = now() WHERE practice_id = $3 AND id = $1 AND status IN ('SCHEDULED', 'HELD')`,
        [row.id, cancelReason(subject, homework, row.kind, row.draft_id, now), subject.practiceId],
      );
      changes.unschedule.push({ id: row.id, at: row.scheduled_for });
    }
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
