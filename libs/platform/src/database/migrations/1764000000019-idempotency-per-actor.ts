import type { MigrationInterface, QueryRunner } from 'typeorm';
import { eventStoreSchemaSql } from '#event-store';
import { APP_ROLE } from './1764000000004-row-level-security.js';

/**
 * Idempotency records keyed by (practice, actor, key) as separate columns.
 * The key used to be stored as the string `actor:key`, so an actor whose id
 * is shaped like `alice:k` could replay alice's key `k:…`. Records written
 * before this migration are split at the first `:`, which keeps a retry across
 * the upgrade a replay; a replay re-checks that the caller may read its
 * answer, so a mis-split legacy record reveals nothing. Also the store's
 * `event_store_read_stream` (readers join a stream without naming its table).
 */
export class IdempotencyPerActor1764000000019 implements MigrationInterface {
  name = 'IdempotencyPerActor1764000000019';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of eventStoreSchemaSql.idempotencyPerActor.up) await q.query(sql);
    for (const sql of eventStoreSchemaSql.readStream.up) await q.query(sql);
    await q.query(`GRANT EXECUTE ON FUNCTION event_store_read_stream(text, int) TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of eventStoreSchemaSql.readStream.down) await q.query(sql);
    for (const sql of eventStoreSchemaSql.idempotencyPerActor.down) await q.query(sql);
  }
}
