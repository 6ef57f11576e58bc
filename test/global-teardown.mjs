import pg from 'pg';
import { stopTestPgBouncer } from './pgbouncer-setup.mjs';

export default async function globalTeardown() {
  await stopTestPgBouncer();
  const name = process.env.COACHING_TEST_DATABASE;
  if (!name || process.env.KEEP_TEST_DATABASE) return;
  const admin = new URL(process.env.TEST_DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
