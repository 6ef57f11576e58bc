import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1764000000004-row-level-security.js';

/**
 * Who read an engagement without being its coach or client (an ADMIN of the
 * practice), when, and through which operation and request. Practice data:
 * row-level security with the same policy as every other practice table. The
 * service role may add and read rows, never change or remove them.
 */
export class AccessAudit1764000000006 implements MigrationInterface {
  name = 'AccessAudit1764000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE access_audit (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      practice_id    text        NOT NULL,
      engagement_id  uuid        NOT NULL,
      actor_id       text        NOT NULL,
      actor_role     text        NOT NULL,
      operation      text        NOT NULL,
      operation_name text,
      request_id     text        NOT NULL,
      occurred_at    timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX access_audit_practice ON access_audit (practice_id, id DESC)`);
    await q.query(`CREATE INDEX access_audit_engagement ON access_audit (practice_id, engagement_id, id DESC)`);
    await q.query(`ALTER TABLE access_audit ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE access_audit FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY practice_isolation ON access_audit
      USING (practice_id = current_setting('app.practice_id', true)
             OR (current_user <> session_user AND current_setting('app.system_reader', true) = 'on'))
      WITH CHECK (practice_id = current_setting('app.practice_id', true))`);
    await q.query(`GRANT SELECT, INSERT ON access_audit TO ${APP_ROLE}`);
    await q.query(`GRANT USAGE ON SEQUENCE access_audit_id_seq TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS access_audit');
  }
}
