import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13: a practice's quiet hours ({start, end} "HH:MM" in each
 * recipient's zone; null: none) and the time zones of an engagement's people
 * (the fold writes them from EngagementOpened; events from before carry none: UTC).
 */
export class QuietHoursTimeZones1764000000302 implements MigrationInterface {
  name = 'QuietHoursTimeZones1764000000302';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE practice_settings ADD COLUMN IF NOT EXISTS quiet_hours jsonb`);
    await q.query(`ALTER TABLE engagements ADD COLUMN IF NOT EXISTS coach_timezone text NOT NULL DEFAULT 'UTC',
                                           ADD COLUMN IF NOT EXISTS client_timezone text NOT NULL DEFAULT 'UTC'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE engagements DROP COLUMN IF EXISTS coach_timezone, DROP COLUMN IF EXISTS client_timezone`);
    await q.query(`ALTER TABLE practice_settings DROP COLUMN IF EXISTS quiet_hours`);
  }
}
