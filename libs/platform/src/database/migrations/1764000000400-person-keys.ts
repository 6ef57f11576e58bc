import type { MigrationInterface, QueryRunner } from 'typeorm';
import { eventStoreSchemaSql } from '#event-store';
import { APP_ROLE } from './1764000000004-row-level-security.js';

const POLICY = `USING (practice_id = (SELECT current_setting('app.practice_id', true))
             OR (SELECT current_user <> session_user AND current_setting('app.system_reader', true) = 'on'))
      WITH CHECK (practice_id = (SELECT current_setting('app.practice_id', true)))`;

/**
 * Crypto-shredding (issue 12): the event store's person keys and the log of
 * the one-off sealing of events written before (see the store's schema.ts).
 * Both are practice tables under row-level security; the service role may
 * make and erase keys (never delete the row: it remembers the erasure), and
 * find keys by id across practices only through event_store_person_keys.
 */
export class PersonKeys1764000000400 implements MigrationInterface {
  name = 'PersonKeys1764000000400';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of eventStoreSchemaSql.personKeys.up) await q.query(sql);
    for (const table of ['person_keys', 'personal_data_sealing_log']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY practice_isolation ON ${table} ${POLICY}`);
    }
    await q.query(`GRANT SELECT, INSERT ON person_keys TO ${APP_ROLE}`);
    await q.query(`GRANT UPDATE (person_id, wrapped_key, erased_at) ON person_keys TO ${APP_ROLE}`);
    await q.query(`GRANT SELECT ON personal_data_sealing_log TO ${APP_ROLE}`);
    await q.query(`ALTER FUNCTION event_store_person_keys(uuid[]) SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public`);
    await q.query('REVOKE ALL ON FUNCTION event_store_person_keys(uuid[]) FROM PUBLIC');
    await q.query(`GRANT EXECUTE ON FUNCTION event_store_person_keys(uuid[]) TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of eventStoreSchemaSql.personKeys.down) await q.query(sql);
  }
}
