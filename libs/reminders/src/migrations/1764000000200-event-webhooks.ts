import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from '#platform';

const POLICY = `USING (practice_id = current_setting('app.practice_id', true)
             OR (current_user <> session_user AND current_setting('app.system_reader', true) = 'on'))
      WITH CHECK (practice_id = current_setting('app.practice_id', true))`;

/**
 * Event webhooks (issue 12): a practice's subscriptions (URL, sealed secret,
 * event types) and one delivery row per subscription and event, keyed by the
 * event's global position (the delivery id). Both are practice tables under
 * row-level security; the dispatcher finds the practices with due deliveries
 * through one narrow definer function.
 */
export class EventWebhooks1764000000200 implements MigrationInterface {
  name = 'EventWebhooks1764000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE webhook_subscriptions (
      id                   uuid        NOT NULL,
      practice_id          text        NOT NULL,
      url                  text        NOT NULL,
      secret_sealed        text        NOT NULL,
      event_types          text[],
      description          text,
      active               boolean     NOT NULL DEFAULT true,
      failing              boolean     NOT NULL DEFAULT false,
      consecutive_failures int         NOT NULL DEFAULT 0,
      created_at           timestamptz NOT NULL DEFAULT now(),
      last_delivery_at     timestamptz,
      -- practice_id leads every key (Citus-ready, as migration 1764000000100 made the others)
      PRIMARY KEY (practice_id, id)
    )`);
    await q.query('CREATE INDEX webhook_subscriptions_practice ON webhook_subscriptions (practice_id)');
    await q.query(`CREATE TABLE webhook_deliveries (
      subscription_id uuid        NOT NULL,
      position        bigint      NOT NULL,
      practice_id     text        NOT NULL,
      stream_id       text        NOT NULL,
      event_type      text        NOT NULL,
      occurred_at     timestamptz NOT NULL,
      body            text        NOT NULL,
      status          text        NOT NULL DEFAULT 'PENDING',
      attempts        int         NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_status     int,
      last_error      text,
      created_at      timestamptz NOT NULL DEFAULT now(),
      delivered_at    timestamptz,
      PRIMARY KEY (practice_id, subscription_id, position),
      FOREIGN KEY (practice_id, subscription_id) REFERENCES webhook_subscriptions (practice_id, id) ON DELETE CASCADE
    )`);
    await q.query(`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (practice_id, next_attempt_at) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX webhook_deliveries_stream ON webhook_deliveries (subscription_id, stream_id, position) WHERE status = 'PENDING'`);
    for (const table of ['webhook_subscriptions', 'webhook_deliveries']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY practice_isolation ON ${table} ${POLICY}`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${APP_ROLE}`);
    }
    // the practices with a delivery due on an active subscription: the dispatcher then works in each one's scope
    await q.query(`CREATE FUNCTION webhook_deliveries_due_practices() RETURNS TABLE (practice_id text)
      LANGUAGE sql STABLE AS $$
        SELECT DISTINCT d.practice_id FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
         WHERE d.status = 'PENDING' AND s.active AND d.next_attempt_at <= now() $$`);
    await q.query(`ALTER FUNCTION webhook_deliveries_due_practices() SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public`);
    await q.query('REVOKE ALL ON FUNCTION webhook_deliveries_due_practices() FROM PUBLIC');
    await q.query(`GRANT EXECUTE ON FUNCTION webhook_deliveries_due_practices() TO ${APP_ROLE}`);
    // no subscription exists before this migration and each gets only the events committed after its creation:
    // the fan-out starts at the log's end instead of reading the whole history once for nobody
    await q.query(`INSERT INTO subscription_checkpoints (name, transaction_id, position)
      SELECT 'event-webhooks', coalesce(max(transaction_id), '0'::xid8), coalesce(max(position), 0) FROM (
        SELECT transaction_id, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1) last
      ON CONFLICT (name) DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM subscription_checkpoints WHERE name = 'event-webhooks'`);
    await q.query('DROP FUNCTION IF EXISTS webhook_deliveries_due_practices()');
    await q.query('DROP TABLE IF EXISTS webhook_deliveries');
    await q.query('DROP TABLE IF EXISTS webhook_subscriptions');
  }
}
