import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PRACTICE_TABLES } from './1764000000004-row-level-security.js';

const TABLES = [...PRACTICE_TABLES, 'access_audit', 'activity_by_day'];

const FUNCTION_CALLS = {
  using: `practice_id = current_setting('app.practice_id', true)
          OR (current_user <> session_user AND current_setting('app.system_reader', true) = 'on')`,
  check: `practice_id = current_setting('app.practice_id', true)`,
};

/**
 * The same policies, cheaper: each setting is read once per statement (a
 * scalar subquery becomes an InitPlan) instead of once per row, and the
 * planner sees one parameter instead of function calls. Measured on 23k
 * homework rows: execution 2.8 → 1.8 ms, planning 0.31 → 0.09 ms. Who sees
 * what does not change (test/security/rls.e2e-spec.ts).
 */
const INIT_PLANS = {
  using: `practice_id = (SELECT current_setting('app.practice_id', true))
          OR (SELECT current_user <> session_user AND current_setting('app.system_reader', true) = 'on')`,
  check: `practice_id = (SELECT current_setting('app.practice_id', true))`,
};

export class RowLevelSecurityInitPlans1764000000011 implements MigrationInterface {
  name = 'RowLevelSecurityInitPlans1764000000011';

  async up(q: QueryRunner): Promise<void> {
    for (const table of TABLES) await alter(q, table, INIT_PLANS);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of TABLES) await alter(q, table, FUNCTION_CALLS);
  }
}

async function alter(q: QueryRunner, table: string, policy: { using: string; check: string }): Promise<void> {
  await q.query(`ALTER POLICY practice_isolation ON ${table} USING (${policy.using}) WITH CHECK (${policy.check})`);
}
