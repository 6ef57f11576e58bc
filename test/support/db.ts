import pg from 'pg';
import { runMigrations } from '#platform';
import { ALL_MIGRATIONS } from '../../apps/cli/src/migrations.js';

/** The schema owner's connection: migrations, and the tests' own look at what was stored (bypasses row-level security). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/coaching_test';

/** What the apps under test connect as: the service role, bound by row-level security. */
export const TEST_APP_DATABASE_URL = (() => {
  const url = new URL(TEST_DATABASE_URL);
  url.username = 'coaching_app';
  url.password = process.env.TEST_APP_DATABASE_PASSWORD ?? '';
  return url.toString();
})();

/**
 * The apps' DATABASE_URL: through PgBouncer (transaction pooling) when the run was started with
 * TEST_VIA_PGBOUNCER=1, else the service role's direct URL. DATABASE_DIRECT_URL stays direct.
 */
export const TEST_APP_POOLED_URL = (() => {
  const port = process.env.TEST_PGBOUNCER_PORT;
  if (!port) return TEST_APP_DATABASE_URL;
  const url = new URL(TEST_APP_DATABASE_URL);
  url.hostname = '127.0.0.1';
  url.port = port;
  return url.toString();
})();

let migrated: Promise<unknown> | null = null;

/** Brings the test database's schema up to date (once per test file; cheap when nothing is pending). */
export function migrateTestDatabase(): Promise<unknown> {
  migrated ??= runMigrations(TEST_DATABASE_URL, ALL_MIGRATIONS);
  return migrated;
}

export function testPool(max = 10): pg.Pool {
  return new pg.Pool({ connectionString: TEST_DATABASE_URL, max, application_name: 'coaching-test' });
}

export async function testClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: 'coaching-test' });
  await client.connect();
  return client;
}

/**
 * Runs `fn` in a transaction of `pool` (the service role's) with `practiceId`
 * set as the application sets it (or none), and rolls it back.
 */
export async function inPracticeTransaction<T>(pool: pg.Pool, practiceId: string | null, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    if (practiceId) await c.query("SELECT set_config('app.practice_id', $1, true)", [practiceId]);
    return await fn(c);
  } finally {
    await c.query('ROLLBACK');
    c.release();
  }
}
