import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reminders are rows in PostgreSQL (the truth) with one BullMQ delayed job
 * each (the clock). The scheduler keeps the rows from the event log; the
 * processor re-checks a row when its job fires and records the outcome here.
 */
export class Reminders1764000000002 implements MigrationInterface {
  name = 'Reminders1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE reminders (
      id                   uuid PRIMARY KEY,
      practice_id          text        NOT NULL,
      engagement_id        uuid        NOT NULL,
      homework_id          uuid,
      draft_id             uuid,
      kind                 text        NOT NULL CHECK (kind IN ('HOMEWORK_DUE_SOON', 'HOMEWORK_OVERDUE', 'FEEDBACK_PENDING')),
      recipient_id         text        NOT NULL,
      recipient_name       text        NOT NULL,
      recipient_email      text,
      recipient_role       text        NOT NULL,
      scheduled_for        timestamptz NOT NULL,
      status               text        NOT NULL CHECK (status IN ('SCHEDULED', 'SENT', 'CANCELLED', 'FAILED')),
      attempts             integer     NOT NULL DEFAULT 0,
      last_error           text,
      sent_at              timestamptz,
      channel              text,
      webhook_delivered_at timestamptz,
      email_delivered_at   timestamptz,
      cancel_reason        text,
      correlation_id       text,
      created_at           timestamptz NOT NULL DEFAULT now(),
      updated_at           timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX reminders_homework ON reminders (homework_id, scheduled_for)`);
    await q.query(`CREATE INDEX reminders_engagement ON reminders (engagement_id) WHERE status = 'SCHEDULED'`);
    await q.query(`CREATE INDEX reminders_due ON reminders (scheduled_for) WHERE status = 'SCHEDULED'`);
    await q.query(`CREATE INDEX reminders_practice_sent ON reminders (practice_id, sent_at) WHERE status = 'SENT'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS reminders');
  }
}
