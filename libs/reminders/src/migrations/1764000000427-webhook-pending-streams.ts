import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event webhook dispatcher's claim finds the oldest pending delivery of
 * each (subscription, stream) by skipping through this index, one probe per
 * stream, instead of sorting the practice's whole backlog on every claim
 * (EXPLAIN ANALYZE at 24,900 queued: ~1 s → ~40 ms for the heads; see
 * bench/REPORT.md). `next_attempt_at` is included so the probe reads no table
 * row. It replaces webhook_deliveries_stream, which did not lead with
 * practice_id and so was never used.
 */
export class WebhookPendingStreams1764000000427 implements MigrationInterface {
  name = 'WebhookPendingStreams1764000000427';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX webhook_deliveries_pending_streams ON webhook_deliveries (practice_id, subscription_id, stream_id, position)
      INCLUDE (next_attempt_at) WHERE status = 'PENDING'`);
    await q.query('DROP INDEX IF EXISTS webhook_deliveries_stream');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS webhook_deliveries_stream ON webhook_deliveries (subscription_id, stream_id, position) WHERE status = 'PENDING'`);
    await q.query('DROP INDEX IF EXISTS webhook_deliveries_pending_streams');
  }
}
