import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from '#platform';

/**
 * Time-travel snapshots (issue 12): an engagement's past view (the decider's
 * state and the read models' fold of its stream) every HISTORY_SNAPSHOT_EVERY
 * versions, written by the worker's `engagement-history-snapshots`
 * subscriber. A past view starts from the nearest one at or before the point
 * asked for and folds the rest. A cache of the log: deleting rows loses
 * nothing but speed. `max_occurred_at` (the latest `occurredAt` up to the
 * version) says which `asOf` instants a snapshot can serve.
 */
export class EngagementHistorySnapshots1764000000421 implements MigrationInterface {
  name = 'EngagementHistorySnapshots1764000000421';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE engagement_history_snapshots (
      practice_id     text        NOT NULL,
      stream_id       text        NOT NULL,
      version         int         NOT NULL,
      state_version   int         NOT NULL,
      fold_version    int         NOT NULL,
      max_occurred_at timestamptz NOT NULL,
      snapshot        jsonb       NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (practice_id, stream_id, version)
    )`);
    await q.query(`ALTER TABLE engagement_history_snapshots ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE engagement_history_snapshots FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY practice_isolation ON engagement_history_snapshots
      USING (practice_id = current_setting('app.practice_id', true)
             OR (current_user <> session_user AND current_setting('app.system_reader', true) = 'on'))
      WITH CHECK (practice_id = current_setting('app.practice_id', true))`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON engagement_history_snapshots TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS engagement_history_snapshots');
  }
}
