import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from '#platform';

/**
 * Events per practice, day and type: the dashboard's activity chart. An
 * asynchronous projection (the worker's `activity-by-day` subscriber): a count
 * that any lost or doubled event would visibly break.
 */
export class ActivityByDay1764000000010 implements MigrationInterface {
  name = 'ActivityByDay1764000000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE activity_by_day (
      practice_id text    NOT NULL,
      day         date    NOT NULL,
      event_type  text    NOT NULL,
      events      bigint  NOT NULL,
      PRIMARY KEY (practice_id, day, event_type)
    )`);
    await q.query(`ALTER TABLE activity_by_day ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE activity_by_day FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY practice_isolation ON activity_by_day
      USING (practice_id = current_setting('app.practice_id', true)
             OR (current_user <> session_user AND current_setting('app.system_reader', true) = 'on'))
      WITH CHECK (practice_id = current_setting('app.practice_id', true))`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON activity_by_day TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS activity_by_day');
  }
}
