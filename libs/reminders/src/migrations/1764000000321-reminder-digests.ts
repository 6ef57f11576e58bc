import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from '#platform';

const POLICY = `USING (practice_id = current_setting('app.practice_id', true)
             OR (current_user <> session_user AND current_setting('app.system_reader', true) = 'on'))
      WITH CHECK (practice_id = current_setting('app.practice_id', true))`;

/**
 * Issue 13: the daily budget and the digests.
 *
 * - reminder_budget_days: the reminders that got a place in a recipient's day (their local
 *   date) under the practice's budget; the processor takes places under a row lock, so two
 *   workers never give more than the budget.
 * - reminder_digests: one row per digest (held reminders of a recipient's day, or a coach's
 *   drafts waiting for feedback), made once (name-based id), claimed with a lease while it is
 *   sent, its webhook body stored before the first attempt (every retry signs the same bytes).
 * - reminders held for a digest (digest_id set, HELD) have no job: the digest runner sends them;
 *   reminders_scheduled() (the reconciler's list) leaves them out.
 */
export class ReminderDigests1764000000321 implements MigrationInterface {
  name = 'ReminderDigests1764000000321';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE reminder_budget_days (
      practice_id  text   NOT NULL,
      recipient_id text   NOT NULL,
      day          date   NOT NULL,
      reminder_ids uuid[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (practice_id, recipient_id, day)
    )`);
    await q.query(`CREATE TABLE reminder_digests (
      practice_id     text        NOT NULL,
      id              uuid        NOT NULL,
      kind            text        NOT NULL CHECK (kind IN ('HELD_REMINDERS', 'DRAFTS_AWAITING_FEEDBACK')),
      recipient_id    text        NOT NULL,
      recipient_name  text        NOT NULL,
      recipient_email text,
      recipient_role  text        NOT NULL,
      day             date        NOT NULL,
      status          text        NOT NULL CHECK (status IN ('SENDING', 'SENT', 'FAILED')),
      webhook_body    text,
      items           jsonb       NOT NULL DEFAULT '[]',
      attempts        integer     NOT NULL DEFAULT 0,
      last_error      text,
      channels        text[],
      lease_until     timestamptz,
      created_at      timestamptz NOT NULL DEFAULT now(),
      sent_at         timestamptz,
      PRIMARY KEY (practice_id, id)
    )`);
    await q.query(`CREATE INDEX reminders_digest ON reminders (practice_id, digest_id) WHERE status = 'HELD' AND digest_id IS NOT NULL`);
    for (const table of ['reminder_budget_days', 'reminder_digests']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY practice_isolation ON ${table} ${POLICY}`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${APP_ROLE}`);
    }
    // the reconciler re-arms SCHEDULED rows and quiet-hours holds; a digest's rows wait for their digest
    await q.query(`CREATE OR REPLACE FUNCTION reminders_scheduled() RETURNS TABLE (id uuid, practice_id text, scheduled_for timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public AS $$
        SELECT id, practice_id, CASE WHEN status = 'HELD' THEN held_until ELSE scheduled_for END
          FROM reminders WHERE status = 'SCHEDULED' OR (status = 'HELD' AND digest_id IS NULL) $$`);
    // the digest runner's look across practices: digests of held reminders due by $1, unfinished
    // digests, and the practices whose coaches get a morning digest; then it works in each one's scope
    await q.query(`CREATE FUNCTION reminder_digest_practices(at timestamptz) RETURNS TABLE (practice_id text)
      LANGUAGE sql STABLE SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public AS $$
        SELECT practice_id FROM reminders WHERE status = 'HELD' AND digest_id IS NOT NULL AND held_until <= at
        UNION SELECT practice_id FROM reminder_digests WHERE status = 'SENDING'
        UNION SELECT practice_id FROM practice_settings WHERE coach_digest $$`);
    await q.query('REVOKE ALL ON FUNCTION reminder_digest_practices(timestamptz) FROM PUBLIC');
    await q.query(`GRANT EXECUTE ON FUNCTION reminder_digest_practices(timestamptz) TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION IF EXISTS reminder_digest_practices(timestamptz)');
    await q.query(`CREATE OR REPLACE FUNCTION reminders_scheduled() RETURNS TABLE (id uuid, practice_id text, scheduled_for timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public AS $$
        SELECT id, practice_id, CASE WHEN status = 'HELD' THEN held_until ELSE scheduled_for END
          FROM reminders WHERE status IN ('SCHEDULED', 'HELD') $$`);
    await q.query('DROP INDEX IF EXISTS reminders_digest');
    await q.query('DROP TABLE IF EXISTS reminder_digests');
    await q.query('DROP TABLE IF EXISTS reminder_budget_days');
  }
}
