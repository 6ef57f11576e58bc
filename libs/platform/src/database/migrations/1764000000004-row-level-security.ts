import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every table that holds a practice's data. */
export const PRACTICE_TABLES = [
  'events',
  'event_idempotency',
  'engagements',
  'homework',
  'drafts',
  'feedback',
  'coaching_sessions',
  'job_search_stats',
  'engagement_snapshots',
  'practice_settings',
  'reminders',
] as const;

/** The role the service connects as: owns nothing, bypasses nothing. */
export const APP_ROLE = 'coaching_app';

/**
 * Practice isolation enforced by PostgreSQL itself. Every practice table has
 * row-level security ENABLEd and FORCEd (the owner is bound too): a row is
 * visible and writable only when its practice_id equals the transaction's
 * `app.practice_id` (set per transaction with set_config(..., true)); with no
 * practice set, nothing is visible.
 *
 * The only reads across practices are three narrow SECURITY DEFINER functions
 * (the global event log for subscribers, the scheduled reminders for the
 * reconciler, and a practice-less version lookup). They set
 * `app.system_reader` for their own duration, and the policies honour that
 * setting only inside a definer function (current_user <> session_user), so
 * the service role cannot turn it on for itself.
 *
 * The service role gets only what it needs: events and idempotency records
 * can be inserted and read, never updated or deleted.
 */
export class RowLevelSecurity1764000000004 implements MigrationInterface {
  name = 'RowLevelSecurity1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
        CREATE ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
      END IF;
    END $$`);
    await q.query(`GRANT CONNECT ON DATABASE "${await currentDatabase(q)}" TO ${APP_ROLE}`);
    await q.query(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`);
    for (const table of PRACTICE_TABLES) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY practice_isolation ON ${table}
        USING (practice_id = current_setting('app.practice_id', true)
               OR (current_user <> session_user AND current_setting('app.system_reader', true) = 'on'))
        WITH CHECK (practice_id = current_setting('app.practice_id', true))`);
    }
    await q.query(`GRANT SELECT, INSERT ON events, event_idempotency TO ${APP_ROLE}`);
    await q.query(`GRANT UPDATE (first_version, last_version, positions) ON event_idempotency TO ${APP_ROLE}`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON engagements, homework, drafts, feedback, coaching_sessions,
      job_search_stats, engagement_snapshots, practice_settings, reminders TO ${APP_ROLE}`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON subscription_checkpoints TO ${APP_ROLE}`);
    await q.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE}`);

    // (a development database may predate this function's addition to migration 3)
    await q.query(`CREATE OR REPLACE FUNCTION reminders_scheduled() RETURNS TABLE (id uuid, practice_id text, scheduled_for timestamptz)
      LANGUAGE sql STABLE AS $$ SELECT id, practice_id, scheduled_for FROM reminders WHERE status = 'SCHEDULED' $$`);
    // readers across practices: definer functions that switch the bypass on for their own duration only
    for (const fn of ['event_store_read_all(xid8, bigint, int)', 'reminders_scheduled()']) {
      await q.query(`ALTER FUNCTION ${fn} SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public`);
    }
    await q.query(`REVOKE ALL ON FUNCTION event_store_read_all(xid8, bigint, int), reminders_scheduled() FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION event_store_read_all(xid8, bigint, int), reminders_scheduled(),
      event_store_append(text, jsonb, text, int), event_store_stream_version(text, text) TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of ['event_store_read_all(xid8, bigint, int)', 'reminders_scheduled()']) {
      await q.query(`ALTER FUNCTION ${fn} SECURITY INVOKER RESET ALL`);
    }
    for (const table of PRACTICE_TABLES) {
      await q.query(`DROP POLICY IF EXISTS practice_isolation ON ${table}`);
      await q.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    }
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${APP_ROLE}`);
  }
}

async function currentDatabase(q: QueryRunner): Promise<string> {
  const rows = (await q.query('SELECT current_database() AS name')) as { name: string }[];
  return rows[0]!.name;
}
