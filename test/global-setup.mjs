// Gives every test run a fresh database of its own, so two runs on one machine
// (or one PostgreSQL) never trample each other. Plain JS: Jest loads global
// setup outside its module system. Migrations run from the tests
// (test/support/db.ts). The database is dropped again in global-teardown.mjs.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startTestPgBouncer } from './pgbouncer-setup.mjs';

export default async function globalSetup() {
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/coaching_test');
  const name = `${base.pathname.slice(1)}_${process.pid}_${randomBytes(3).toString('hex')}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe test database name: ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const admin = new URL(base);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  // test workers inherit this process's environment
  process.env.TEST_DATABASE_URL = url.toString();
  process.env.COACHING_TEST_DATABASE = name;
  await startTestPgBouncer();
}
