import type { Job } from 'bullmq';
import type { Queryable } from '#event-store';
import type { CommandExecutor, ReminderChannel, ReminderKind } from '#engagement';
import type { ReminderJobData } from './reminder-clock-jobs.js';
import { groupBy } from '#platform';

// What the processor writes, each as one statement over the whole batch
// (unnest): the webhook bodies before sending, every attempt's outcome after,
// and its two recordings through the command path (SENT, HELD), each of which
// writes the engagements' events and the reminder rows in one commit.

export interface ReminderRow extends Record<string, unknown> {
  id: string;
  practice_id: string;
  engagement_id: string;
  homework_id: string | null;
  draft_id: string | null;
  kind: ReminderKind;
  recipient_id: string;
  recipient_name: string;
  recipient_email: string | null;
  recipient_role: 'CLIENT' | 'COACH' | 'ADMIN';
  escalation_step: number | null;
  scheduled_for: Date;
  status: 'SCHEDULED' | 'HELD';
  /** a HELD row's end of hold: it is due then */
  held_until: Date | null;
  attempts: number;
  webhook_delivered_at: Date | null;
  email_delivered_at: Date | null;
  correlation_id: string | null;
  /** the webhook body, stored at the first attempt and sent unchanged by every later one */
  webhook_body: string | null;
}

/**
 * A leased row's outcome short of SENT or HELD: an attempt made (and which
 * channels it delivered), the row CANCELLED or FAILED, and whether the lease
 * is given back (a retry, a release, an end). A partial delivery on its last
 * attempt keeps its lease: recordSent records it next.
 */
export interface AttemptOutcome {
  id: string;
  status: 'CANCELLED' | 'FAILED' | null;
  /** the cancel reason (CANCELLED) or the error (otherwise) */
  note: string | null;
  attempted: boolean;
  webhookDelivered: boolean;
  emailDelivered: boolean;
  release: boolean;
  /** RELEASE: the later time the rules now want the row at (the row is SCHEDULED there, with a job at that time) */
  scheduledFor?: Date;
}

/**
 * Stores the webhook bodies of a batch's first attempts (a body already stored wins); the bodies the
 * row now has. The rows are found by key (`id = ANY`), each body by its id's place in the list: joined
 * to `unnest` instead, the planner took the lease filter for one row (statistics see lease_token NULL)
 * and compared every row with every body (250,000 comparisons, 140 ms a batch of 500; auto_explain).
 */
export async function storeWebhookBodies(
  tx: Queryable,
  practiceId: string,
  lease: string,
  bodies: { id: string; body: string }[],
): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ id: string; webhook_body: string }>(
    `UPDATE reminders r SET webhook_body = coalesce(r.webhook_body, ($2::text[])[array_position($1::uuid[], r.id)])
      WHERE r.practice_id = $4 AND r.id = ANY($1::uuid[]) AND r.lease_token = $3
     RETURNING r.id, r.webhook_body`,
    [bodies.map((b) => b.id), bodies.map((b) => b.body), lease, practiceId],
  );
  return new Map(rows.map((r) => [r.id, r.webhook_body]));
}

/**
 * Every outcome of a batch in one statement, on the rows this lease still holds. The lease is each
 * outcome's column, compared in the join: as a filter on the table (`lease_token = $8`) the planner
 * takes it for one row (statistics see the column NULL) and may compare every row with every outcome.
 */
export async function recordAttempts(tx: Queryable, practiceId: string, lease: string, outcomes: readonly AttemptOutcome[]): Promise<void> {
  await tx.query(
    `UPDATE reminders r SET status = CASE WHEN o.scheduled_for IS NOT NULL THEN 'SCHEDULED' ELSE coalesce(o.status, r.status) END,
            held_until = CASE WHEN o.scheduled_for IS NOT NULL THEN NULL ELSE r.held_until END,
            cancel_reason = CASE WHEN o.status = 'CANCELLED' THEN o.note ELSE r.cancel_reason END,
            last_error = CASE WHEN o.status = 'CANCELLED' THEN r.last_error ELSE coalesce(o.note, r.last_error) END,
            attempts = r.attempts + CASE WHEN o.attempted THEN 1 ELSE 0 END,
            webhook_delivered_at = CASE WHEN o.webhook THEN now() ELSE r.webhook_delivered_at END,
            email_delivered_at = CASE WHEN o.email THEN now() ELSE r.email_delivered_at END,
            lease_until = CASE WHEN o.release THEN NULL ELSE r.lease_until END,
            lease_token = CASE WHEN o.release THEN NULL ELSE r.lease_token END,
            scheduled_for = coalesce(o.scheduled_for, r.scheduled_for),
            updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bool[], $5::bool[], $6::bool[], $7::bool[], $10::timestamptz[],
                   array_fill($8::uuid, ARRAY[cardinality($1::uuid[])]))
            AS o(id, status, note, attempted, webhook, email, release, scheduled_for, lease)
      WHERE r.practice_id = $9 AND r.id = o.id AND r.lease_token = o.lease AND r.status IN ('SCHEDULED', 'HELD')`,
    [
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.note),
      outcomes.map((o) => o.attempted),
      outcomes.map((o) => o.webhookDelivered),
      outcomes.map((o) => o.emailDelivered),
      outcomes.map((o) => o.release),
      lease,
      practiceId,
      outcomes.map((o) => o.scheduledFor ?? null),
    ],
  );
}

export interface RecordEntry {
  row: ReminderRow;
  channels: ReminderChannel[];
  error: string | null;
}

/**
 * ReminderSent on each engagement (one command per engagement, idempotent by
 * reminder id) and the rows SENT, in one commit.
 */
export async function recordSent(
  executor: CommandExecutor,
  practiceId: string,
  toRecord: RecordEntry[],
  jobs: Job<ReminderJobData>[],
  now = new Date(),
): Promise<void> {
  const byEngagement = groupBy(toRecord, (r) => r.row.engagement_id);
  const requests = [...byEngagement].map(([engagementId, reminders]) => {
    const first = reminders[0]!.row;
    const job = jobs.find((j) => j.data.reminderId === first.id);
    return {
      streamId: engagementId,
      origin: {
        actor: { id: 'reminders', role: 'SYSTEM' as const },
        practiceId,
        correlationId: first.correlation_id ?? `reminder:${first.id}`,
        causationId: `job:${job?.id ?? first.id}`,
        now,
      },
      command: {
        type: 'RecordRemindersSent' as const,
        data: {
          reminders: reminders.map(({ row, channels }) => ({
            reminderId: row.id,
            kind: row.kind,
            recipient: { id: row.recipient_id, name: row.recipient_name, email: row.recipient_email },
            channels,
            homeworkId: row.homework_id,
            draftId: row.draft_id,
          })),
        },
        context: { actor: { id: 'reminders', role: 'SYSTEM' as const }, now },
      },
    };
  });
  await executor.executeMany(practiceId, requests, async (tx) => {
    await tx.query(
      `UPDATE reminders r SET status = 'SENT', sent_at = $6, channel = s.channel, last_error = s.error,
              webhook_delivered_at = CASE WHEN 'WEBHOOK' = ANY(s.channels) THEN coalesce(r.webhook_delivered_at, now()) END,
              email_delivered_at = CASE WHEN 'EMAIL' = ANY(s.channels) THEN coalesce(r.email_delivered_at, now()) END,
              attempts = r.attempts + CASE WHEN s.fresh THEN 1 ELSE 0 END,
              lease_until = NULL, lease_token = NULL, updated_at = now()
         FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::text[]) AS channel, unnest($3::text[]) AS error,
                      string_to_array(unnest($4::text[]), ',') AS channels, unnest($5::bool[]) AS fresh) AS s
        WHERE r.practice_id = $7 AND r.id = s.id AND r.status IN ('SCHEDULED', 'HELD')`,
      [
        toRecord.map((r) => r.row.id),
        toRecord.map((r) => r.channels[0]!),
        toRecord.map((r) => r.error),
        toRecord.map((r) => r.channels.join(',')),
        toRecord.map((r) => r.error === null),
        now,
        practiceId,
      ],
    );
  });
}

/**
 * The rows HELD (quiet hours, or the daily budget: then with the digest that will carry them)
 * and ReminderHeld on each engagement's timeline, in one commit.
 */
export async function recordHeld(
  executor: CommandExecutor,
  practiceId: string,
  holds: { id: string; until: Date; reason: string; row: ReminderRow; digestId?: string | null }[],
  lease: string,
  now = new Date(),
): Promise<void> {
  const byEngagement = groupBy(holds, (h) => h.row.engagement_id);
  const actor = { id: 'reminders', role: 'SYSTEM' as const };
  const requests = [...byEngagement].map(([engagementId, held]) => ({
    streamId: engagementId,
    origin: { actor, practiceId, correlationId: held[0]!.row.correlation_id ?? `reminder:${held[0]!.id}`, causationId: `hold:${held[0]!.id}`, now },
    command: {
      type: 'RecordRemindersHeld' as const,
      data: {
        reminders: held.map(({ row, until, reason }) => ({
          reminderId: row.id,
          kind: row.kind,
          recipient: { id: row.recipient_id, name: row.recipient_name, email: row.recipient_email },
          homeworkId: row.homework_id,
          heldUntil: until.toISOString(),
          reason,
        })),
      },
      context: { actor, now },
    },
  }));
  await executor.executeMany(practiceId, requests, async (tx) => {
    await tx.query(
      `UPDATE reminders r SET status = 'HELD', held_until = h.until, note = h.reason, digest_id = h.digest,
              lease_until = NULL, lease_token = NULL, updated_at = now()
         FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $5::uuid[]) AS h(id, until, reason, digest)
        WHERE r.practice_id = $6 AND r.id = h.id AND r.lease_token = $4 AND r.status IN ('SCHEDULED', 'HELD')`,
      [holds.map((h) => h.id), holds.map((h) => h.until), holds.map((h) => h.reason), lease, holds.map((h) => h.digestId ?? null), practiceId],
    );
  });
}
