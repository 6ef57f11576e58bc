import type { MigrationInterface, QueryRunner } from 'typeorm';
import { eventStoreSchemaSql } from '#event-store';
import { APP_ROLE } from './1764000000004-row-level-security.js';

/**
 * Appends to many streams in one statement (reminders record ReminderSent
 * for a whole batch at once), and a token per reminder lease, so a run that
 * outlived its lease cannot finish a row another run has taken.
 */
export class BatchAppendsAndLeaseTokens1764000000005 implements MigrationInterface {
  name = 'BatchAppendsAndLeaseTokens1764000000005';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of eventStoreSchemaSql.appendMany.up) await q.query(sql);
    await q.query(`GRANT EXECUTE ON FUNCTION event_store_append_many(jsonb, text) TO ${APP_ROLE}`);
    await q.query(`ALTER TABLE reminders ADD COLUMN lease_token uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE reminders DROP COLUMN IF EXISTS lease_token');
    for (const sql of eventStoreSchemaSql.appendMany.down) await q.query(sql);
  }
}
