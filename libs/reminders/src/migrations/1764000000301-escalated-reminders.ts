import type { MigrationInterface, QueryRunner } from 'typeorm';

/** HOMEWORK_ESCALATED reminders (issue 13): the kind, and the step of the practice's ladder each one is. */
export class EscalatedReminders1764000000301 implements MigrationInterface {
  name = 'EscalatedReminders1764000000301';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reminders DROP CONSTRAINT IF EXISTS reminders_kind_check`);
    await q.query(`ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check
      CHECK (kind IN ('HOMEWORK_DUE_SOON', 'HOMEWORK_OVERDUE', 'FEEDBACK_PENDING', 'HOMEWORK_ESCALATED'))`);
    await q.query(`ALTER TABLE reminders ADD COLUMN IF NOT EXISTS escalation_step integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM reminders WHERE kind = 'HOMEWORK_ESCALATED'`);
    await q.query(`ALTER TABLE reminders DROP COLUMN IF EXISTS escalation_step`);
    await q.query(`ALTER TABLE reminders DROP CONSTRAINT IF EXISTS reminders_kind_check`);
    await q.query(`ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check
      CHECK (kind IN ('HOMEWORK_DUE_SOON', 'HOMEWORK_OVERDUE', 'FEEDBACK_PENDING'))`);
  }
}
