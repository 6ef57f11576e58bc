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
  return pgPool(TEST_DATABASE_URL, max);
}

/**
 * A pool of the test's own on `connectionString`. The server is shared: a session can be ended
 * under an idle pooled connection (an administrator's pg_terminate_backend, a DROP DATABASE …
 * WITH (FORCE), a restart), and pg-pool then emits 'error' on the pool; with no listener that
 * ends the whole test run (it did once, in two-workers). The pool drops that connection and
 * opens another when asked, so the event is logged, not thrown; a query's own failure still
 * rejects that query.
 */
export function pgPool(connectionString: string, max: number, applicationName = 'coaching-test'): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: applicationName });
  pool.on('error', (err: Error & { code?: string }) => {
    console.warn(`${applicationName}: an idle connection was ended by the server (${err.code ?? 'no code'}): ${err.message}`);
  });
  return pool;
}

export async function testClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: 'coaching-test' });
  // ended by the server while idle: its next query fails; the event alone must not end the run (see pgPool)
  client.on('error', (err) => console.warn(`coaching-test: a client's connection was ended by the server: ${err.message}`));
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
