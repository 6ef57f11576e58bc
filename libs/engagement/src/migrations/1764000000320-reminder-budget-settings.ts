import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13: a practice's daily reminder budget per recipient (null: none; past it, the day's
 * further reminders are held for the next morning's digest) and whether coaches get a morning
 * digest of the drafts waiting for their feedback.
 */
export class ReminderBudgetSettings1764000000320 implements MigrationInterface {
  name = 'ReminderBudgetSettings1764000000320';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE practice_settings ADD COLUMN IF NOT EXISTS max_reminders_per_day integer,
                                                 ADD COLUMN IF NOT EXISTS coach_digest boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE practice_settings DROP COLUMN IF EXISTS max_reminders_per_day, DROP COLUMN IF EXISTS coach_digest`);
  }
}
