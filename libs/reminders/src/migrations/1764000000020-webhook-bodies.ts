import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A reminder's webhook body is built once, at its first attempt, and kept: every retry and
 * every replay (`replay-webhooks`) sends the same bytes, so the body's `X-Signature` is the same
 * too. Reminders sent before this column existed have none; a replay builds theirs as before.
 */
export class WebhookBodies1764000000020 implements MigrationInterface {
  name = 'WebhookBodies1764000000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE reminders ADD COLUMN webhook_body text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE reminders DROP COLUMN IF EXISTS webhook_body');
  }
}
