import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from '#platform';

/**
 * The reconciler's look across practices, narrowed to what a pass needs: the waiting rows (SCHEDULED,
 * or HELD for quiet hours) changed since a time, and those due by a time. Before, every pass read
 * and re-armed every waiting row (60,000 rows due within a minute cost each worker a second of CPU
 * once a minute, seen as fire delays in the steady bench); a full pass asks with `-infinity`. It
 * replaces `reminders_scheduled()`, the reconciler's former list, which nothing else reads.
 */
export class ReconcileChangedReminders1764000000470 implements MigrationInterface {
  name = 'ReconcileChangedReminders1764000000470';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION reminders_to_reconcile(changed_since timestamptz, due_by timestamptz)
      RETURNS TABLE (id uuid, practice_id text, scheduled_for timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public AS $$
        SELECT id, practice_id, due FROM (
          SELECT id, practice_id, updated_at, CASE WHEN status = 'HELD' THEN held_until ELSE scheduled_for END AS due
            FROM reminders WHERE status = 'SCHEDULED' OR (status = 'HELD' AND digest_id IS NULL)) AS waiting
         WHERE updated_at >= changed_since OR due <= due_by $$`);
    await q.query('REVOKE ALL ON FUNCTION reminders_to_reconcile(timestamptz, timestamptz) FROM PUBLIC');
    await q.query(`GRANT EXECUTE ON FUNCTION reminders_to_reconcile(timestamptz, timestamptz) TO ${APP_ROLE}`);
    await q.query('DROP FUNCTION reminders_scheduled()');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION reminders_scheduled() RETURNS TABLE (id uuid, practice_id text, scheduled_for timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public AS $$
        SELECT id, practice_id, CASE WHEN status = 'HELD' THEN held_until ELSE scheduled_for END
          FROM reminders WHERE status = 'SCHEDULED' OR (status = 'HELD' AND digest_id IS NULL) $$`);
    await q.query('REVOKE ALL ON FUNCTION reminders_scheduled() FROM PUBLIC');
    await q.query(`GRANT EXECUTE ON FUNCTION reminders_scheduled() TO ${APP_ROLE}`);
    await q.query('DROP FUNCTION IF EXISTS reminders_to_reconcile(timestamptz, timestamptz)');
  }
}
