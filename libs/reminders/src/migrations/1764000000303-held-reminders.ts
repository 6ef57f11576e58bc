import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13: HELD (quiet hours: until held_until) and DIGESTED (folded into a
 * digest, digest_id) reminders, and the reason of such a decision in note.
 */
export class HeldReminders1764000000303 implements MigrationInterface {
  name = 'HeldReminders1764000000303';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reminders DROP CONSTRAINT IF EXISTS reminders_status_check`);
    await q.query(`ALTER TABLE reminders ADD CONSTRAINT reminders_status_check
      CHECK (status IN ('SCHEDULED', 'SENT', 'CANCELLED', 'FAILED', 'HELD', 'DIGESTED'))`);
    await q.query(`ALTER TABLE reminders ADD COLUMN IF NOT EXISTS held_until timestamptz, ADD COLUMN IF NOT EXISTS note text,
                                         ADD COLUMN IF NOT EXISTS digest_id uuid`);
    await q.query(`DROP INDEX IF EXISTS reminders_engagement`);
    await q.query(`CREATE INDEX reminders_engagement ON reminders (engagement_id) WHERE status IN ('SCHEDULED', 'HELD')`);
    // the reconciler re-arms HELD rows too, at the end of their hold (same definer function, same rights)
    await q.query(`CREATE OR REPLACE FUNCTION reminders_scheduled() RETURNS TABLE (id uuid, practice_id text, scheduled_for timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public AS $$
        SELECT id, practice_id, CASE WHEN status = 'HELD' THEN held_until ELSE scheduled_for END
          FROM reminders WHERE status IN ('SCHEDULED', 'HELD') $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE FUNCTION reminders_scheduled() RETURNS TABLE (id uuid, practice_id text, scheduled_for timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public AS $$
        SELECT id, practice_id, scheduled_for FROM reminders WHERE status = 'SCHEDULED' $$`);
    await q.query(`UPDATE reminders SET status = 'SCHEDULED' WHERE status = 'HELD'`);
    await q.query(`UPDATE reminders SET status = 'CANCELLED', cancel_reason = 'digested' WHERE status = 'DIGESTED'`);
    await q.query(`ALTER TABLE reminders DROP CONSTRAINT IF EXISTS reminders_status_check`);
    await q.query(`ALTER TABLE reminders ADD CONSTRAINT reminders_status_check CHECK (status IN ('SCHEDULED', 'SENT', 'CANCELLED', 'FAILED'))`);
    await q.query(`ALTER TABLE reminders DROP COLUMN IF EXISTS held_until, DROP COLUMN IF EXISTS note, DROP COLUMN IF EXISTS digest_id`);
    await q.query(`DROP INDEX IF EXISTS reminders_engagement`);
    await q.query(`CREATE INDEX reminders_engagement ON reminders (engagement_id) WHERE status = 'SCHEDULED'`);
  }
}
