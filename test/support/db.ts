import pg from 'pg';
import { runMigrations } from '#platform';

/** The schema owner's connection: migrations, and the tests' own look at what was stored (bypasses row-level security). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/coaching_test';

/** What the apps under test connect as: the service role, bound by row-level security. */
export const TEST_APP_DATABASE_URL = (() => {
  const url = new URL(TEST_DATABASE_URL);
  url.username = 'coaching_app';
  url.password = process.env.TEST_APP_DATABASE_PASSWORD ?? '';
  return url.toString();
})();

let migrated: Promise<unknown> | null = null;

/** Brings the test database's schema up to date (once per test file; cheap when nothing is pending). */
export function migrateTestDatabase(): Promise<unknown> {
  migrated ??= runMigrations(TEST_DATABASE_URL);
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
