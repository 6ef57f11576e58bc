import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A practice's escalation ladder (issue 13): the steps after the overdue
 * reminder, as JSON (null: the default ladder), and where ADMIN steps are emailed.
 */
export class EscalationLadder1764000000300 implements MigrationInterface {
  name = 'EscalationLadder1764000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE practice_settings ADD COLUMN IF NOT EXISTS escalation jsonb, ADD COLUMN IF NOT EXISTS escalation_email text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE practice_settings DROP COLUMN IF EXISTS escalation, DROP COLUMN IF EXISTS escalation_email`);
  }
}
