import type { MigrationInterface, QueryRunner } from 'typeorm';
import { eventStoreSchemaSql } from '#event-store';

/**
 * Appends whose cost does not grow with the log: the append functions' version lookups name the
 * practice (under row-level security a lookup by stream alone scanned the whole table), and a
 * single append checks its expected version by the unique (practice, stream, version) key instead
 * of looking the version up first; `event_store_read_stream` (the command path's read of a
 * stream's tail) names the scoped practice too (`eventStoreSchemaSql.practiceScopedAppends`).
 * Same signatures, same grants, same refusals, same rows.
 */
export class PracticeScopedAppends1764000000450 implements MigrationInterface {
  name = 'PracticeScopedAppends1764000000450';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of eventStoreSchemaSql.practiceScopedAppends.up) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of eventStoreSchemaSql.practiceScopedAppends.down) await q.query(sql);
  }
}
