import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run of a reminder job leases its row, so a duplicate or stalled run of the
 * same job cannot send it twice; the reconciler reads scheduled rows of all
 * practices through one narrow function.
 */
export class ReminderLeases1764000000003 implements MigrationInterface {
  name = 'ReminderLeases1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reminders ADD COLUMN lease_until timestamptz`);
    await q.query(`CREATE INDEX reminders_scheduled ON reminders (practice_id, scheduled_for) WHERE status = 'SCHEDULED'`);
    // The reconciler's one look across every practice: ids and times of SCHEDULED rows, nothing else.
    await q.query(`CREATE FUNCTION reminders_scheduled() RETURNS TABLE (id uuid, practice_id text, scheduled_for timestamptz)
      LANGUAGE sql STABLE AS $$ SELECT id, practice_id, scheduled_for FROM reminders WHERE status = 'SCHEDULED' $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION IF EXISTS reminders_scheduled()');
    await q.query('DROP INDEX IF EXISTS reminders_scheduled');
    await q.query('ALTER TABLE reminders DROP COLUMN IF EXISTS lease_until');
  }
}
