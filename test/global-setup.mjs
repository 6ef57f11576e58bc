// Runs once before the integration (and browser, faults) tests, in Jest's own process:
// 1. PostgreSQL and Redis must answer: otherwise one line says which, and the run stops at once
//    (exit 1) instead of every suite timing out in its hooks.
// 2. A fresh database of the run's own, so two runs on one machine (or one PostgreSQL) never
//    trample each other (dropped again in global-teardown.mjs; migrations run from the tests).
// 3. A Redis key prefix of the run's own (every QUEUE_PREFIX and RATE_LIMIT_PREFIX the tests use
//    is put under it, test/support/redis.ts); the teardown removes every key under it.
// 4. A sampler of the run's PostgreSQL connections (pg_stat_activity), whose peak the teardown prints.
// Plain JS: Jest loads global setup outside its module system.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startTestPgBouncer } from './pgbouncer-setup.mjs';

function where(url, port) {
  const u = new URL(url);
  return `${u.hostname}:${u.port || port}`;
}

function stop(line) {
  process.stderr.write(`\n${line}\n`);
  process.exit(1);
}

async function checkPostgres(adminUrl, variable) {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    const reason = err.code === 'ECONNREFUSED' ? 'connection refused' : (err.message || String(err)).split('\n')[0];
    stop(`tests stopped: PostgreSQL is unreachable at ${where(adminUrl, 5432)} (${variable}): ${reason} — start PostgreSQL (or set ${variable}) and run the tests again`);
  }
}

async function checkRedis(url) {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let last;
  redis.on('error', (err) => (last = err));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    const e = last ?? err;
    const reason = e.code === 'ECONNREFUSED' ? 'connection refused' : (e.message || String(e)).split('\n')[0];
    stop(`tests stopped: Redis is unreachable at ${where(url, 6379)} (REDIS_URL): ${reason} — start Redis (or set REDIS_URL) and run the tests again`);
  } finally {
    redis.disconnect();
  }
}

export default async function globalSetup() {
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/coaching_test');
  const run = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const name = `${base.pathname.slice(1)}_${run}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe test database name: ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const admin = new URL(base);
  admin.pathname = '/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

  const [client] = await Promise.all([checkPostgres(admin.toString(), 'TEST_DATABASE_URL'), checkRedis(redisUrl)]);
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  // test workers inherit this process's environment
  process.env.TEST_DATABASE_URL = url.toString();
  process.env.COACHING_TEST_DATABASE = name;
  process.env.REDIS_URL = redisUrl;
  process.env.COACHING_TEST_REDIS_PREFIX ??= `coaching-test-${run.replace('_', '-')}`;

  // the run's connections: every database of the run starts with its name (two-workers adds its own)
  // (the fault tests restart PostgreSQL under it: a lost connection is replaced at the next sample, never an
  // unhandled 'error' that would fail whichever test file is running)
  const connectSampler = async () => {
    const client = new pg.Client({ connectionString: admin.toString(), application_name: 'coaching-test-sampler' });
    client.on('error', () => {
      if (state.sampler === client) state.sampler = null;
    });
    await client.connect();
    return client;
  };
  const state = { peak: 0, sampler: null, connecting: null, timer: undefined };
  state.sampler = await connectSampler();
  const sample = async () => {
    if (!state.sampler) {
      state.connecting ??= connectSampler()
        .then((client) => (state.sampler = client))
        .finally(() => (state.connecting = null));
      await state.connecting;
    }
    const { rows } = await state.sampler.query(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname LIKE $1',
      [`${name}%`],
    );
    state.peak = Math.max(state.peak, rows[0].n);
  };
  state.timer = setInterval(() => sample().catch(() => undefined), 250);
  state.timer.unref();
  globalThis.__coachingTestRun = state;

  await startTestPgBouncer();
}
