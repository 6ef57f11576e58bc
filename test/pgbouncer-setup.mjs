// TEST_VIA_PGBOUNCER=1: the apps under test reach PostgreSQL through PgBouncer in transaction
// pooling mode (DATABASE_URL), with DATABASE_DIRECT_URL for what needs a session. Started by the
// global set-up, stopped by the global teardown (and killed if the run dies first).
import { startPgBouncer, testUsers } from '../scripts/pgbouncer.mjs';

const KEY = Symbol.for('coaching.test.pgbouncer');

export async function startTestPgBouncer() {
  if (!/^(1|true|yes)$/.test(process.env.TEST_VIA_PGBOUNCER ?? '')) return;
  const bouncer = await startPgBouncer({ upstream: process.env.TEST_DATABASE_URL, users: testUsers(process.env.TEST_DATABASE_URL), poolSize: 20 });
  globalThis[KEY] = bouncer;
  // test workers inherit this process's environment (test/support/db.ts reads it)
  process.env.TEST_PGBOUNCER_PORT = String(bouncer.port);
}

export async function stopTestPgBouncer() {
  await globalThis[KEY]?.stop();
  delete globalThis[KEY];
}
