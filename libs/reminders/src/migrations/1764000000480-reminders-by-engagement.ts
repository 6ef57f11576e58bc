import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scheduler reads an engagement's reminders of every status (a SENT one is not sent again) by
 * (practice_id, engagement_id). The only index on the engagement held the waiting rows alone, so
 * that read scanned the whole table, every practice's rows and their whole history, once per batch
 * of events (422 scans reading 8.2 million rows in one core bench: pg_stat_user_tables). Now it
 * probes (practice_id, engagement_id). `reminders_due` (the time alone, across practices) goes:
 * no statement needs it since the sweep and the reconciler read by practice or by the waiting rows,
 * and each index is a write on every insert and every non-HOT update of a reminder.
 */
export class RemindersByEngagement1764000000480 implements MigrationInterface {
  name = 'RemindersByEngagement1764000000480';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX reminders_engagement`);
    await q.query(`CREATE INDEX reminders_engagement ON reminders (practice_id, engagement_id)`);
    await q.query(`DROP INDEX reminders_due`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX reminders_due ON reminders (scheduled_for) WHERE status = 'SCHEDULED'`);
    await q.query(`DROP INDEX reminders_engagement`);
    await q.query(`CREATE INDEX reminders_engagement ON reminders (engagement_id) WHERE status IN ('SCHEDULED', 'HELD')`);
  }
}
