import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency records keyed by (practice, actor, key) as separate columns.
 * The key used to be stored as the string `actor:key`, so an actor whose id
 * is shaped like `alice:k` could replay alice's key `k:…`. Records written
 * before this migration are split at the first `:` (ids of the service's own
 * actors contain none), which keeps a retry across the upgrade a replay; a
 * replay re-checks that the caller may read its answer, so a mis-split
 * legacy record reveals nothing.
 */
export class IdempotencyPerActor1764000000019 implements MigrationInterface {
  name = 'IdempotencyPerActor1764000000019';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE event_idempotency ADD COLUMN actor_id text NOT NULL DEFAULT ''`);
    await q.query(`UPDATE event_idempotency
                      SET actor_id = split_part(idempotency_key, ':', 1),
                          idempotency_key = substr(idempotency_key, position(':' in idempotency_key) + 1)
                    WHERE position(':' in idempotency_key) > 1 AND length(idempotency_key) > position(':' in idempotency_key)`);
    await q.query(`ALTER TABLE event_idempotency DROP CONSTRAINT event_idempotency_pkey`);
    await q.query(`ALTER TABLE event_idempotency ADD PRIMARY KEY (practice_id, actor_id, idempotency_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE event_idempotency DROP CONSTRAINT event_idempotency_pkey`);
    await q.query(`UPDATE event_idempotency SET idempotency_key = actor_id || ':' || idempotency_key WHERE actor_id <> ''`);
    await q.query(`ALTER TABLE event_idempotency DROP COLUMN actor_id`);
    await q.query(`ALTER TABLE event_idempotency ADD PRIMARY KEY (practice_id, idempotency_key)`);
  }
}
