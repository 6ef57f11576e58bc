import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from '#platform';

/**
 * Event webhook deliveries are kept EVENT_WEBHOOK_RETENTION_DAYS after they
 * were delivered, then pruned by the worker (EventWebhookPruner) in batches:
 * an index finds a practice's old delivered rows, and one narrow definer
 * function names the practices that have any, so the pruner then deletes in
 * each practice's own scope (row-level security as everywhere else).
 */
export class WebhookDeliveryRetention1764000000420 implements MigrationInterface {
  name = 'WebhookDeliveryRetention1764000000420';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX webhook_deliveries_delivered ON webhook_deliveries (practice_id, delivered_at) WHERE status = 'DELIVERED'`);
    await q.query(`CREATE FUNCTION webhook_deliveries_prunable_practices(delivered_before timestamptz) RETURNS TABLE (practice_id text)
      LANGUAGE sql STABLE AS $$
        SELECT DISTINCT d.practice_id FROM webhook_deliveries d
         WHERE d.status = 'DELIVERED' AND d.delivered_at < delivered_before $$`);
    await q.query(
      `ALTER FUNCTION webhook_deliveries_prunable_practices(timestamptz) SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public`,
    );
    await q.query('REVOKE ALL ON FUNCTION webhook_deliveries_prunable_practices(timestamptz) FROM PUBLIC');
    await q.query(`GRANT EXECUTE ON FUNCTION webhook_deliveries_prunable_practices(timestamptz) TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION IF EXISTS webhook_deliveries_prunable_practices(timestamptz)');
    await q.query('DROP INDEX IF EXISTS webhook_deliveries_delivered');
  }
}
