import type { MigrationInterface, QueryRunner } from 'typeorm';
import { eventStoreSchemaSql } from '#event-store';

export class EventStore1764000000000 implements MigrationInterface {
  name = 'EventStore1764000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of eventStoreSchemaSql.up) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of eventStoreSchemaSql.down) await q.query(sql);
  }
}
