import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1764000000004-row-level-security.js';

/**
 * What operating the service needs to see across practices, as narrow
 * SECURITY DEFINER readers like the ones of 1764000000004 (the service role
 * calls them; the policies honour `app.system_reader` only inside a definer):
 *
 * - `event_store_read_committed`: every committed event after a cursor, in
 *   the log's (transaction id, position) order, NOT held back by transactions
 *   still running. That is not a safe cursor for a subscriber (a late commit
 *   would land behind it); it is what a reader needs that has locked every
 *   writer out (the read-model swap of `rebuild-projection`), and it tells a
 *   subscriber's lag even while an open transaction holds `read_all` back.
 * - `reminders_sent_between`: ids of SENT reminders in a time window (the
 *   `replay-webhooks` command), nothing else.
 *
 * And the schemas `rebuild-projection` builds shadow tables in (`rebuild`)
 * and keeps the replaced ones in (`rebuild_previous`): owned by the schema
 * owner, invisible to the service role.
 */
export class OperatorReaders1764000000007 implements MigrationInterface {
  name = 'OperatorReaders1764000000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION event_store_read_committed(after_tx xid8, after_pos bigint, max_count int)
      RETURNS SETOF events LANGUAGE sql STABLE AS $$
        SELECT * FROM events
         WHERE (transaction_id, position) > (after_tx, after_pos)
         ORDER BY transaction_id, position
         LIMIT max_count
      $$`);
    await q.query(`CREATE FUNCTION reminders_sent_between(p_from timestamptz, p_to timestamptz)
      RETURNS TABLE (id uuid, practice_id text) LANGUAGE sql STABLE AS $$
        SELECT id, practice_id FROM reminders WHERE status = 'SENT' AND sent_at >= p_from AND sent_at < p_to
      $$`);
    for (const fn of ['event_store_read_committed(xid8, bigint, int)', 'reminders_sent_between(timestamptz, timestamptz)']) {
      await q.query(`ALTER FUNCTION ${fn} SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public`);
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${APP_ROLE}`);
    }
    for (const schema of ['rebuild', 'rebuild_previous']) {
      await q.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await q.query(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP SCHEMA IF EXISTS rebuild_previous CASCADE');
    await q.query('DROP SCHEMA IF EXISTS rebuild CASCADE');
    await q.query('DROP FUNCTION IF EXISTS reminders_sent_between(timestamptz, timestamptz)');
    await q.query('DROP FUNCTION IF EXISTS event_store_read_committed(xid8, bigint, int)');
  }
}
