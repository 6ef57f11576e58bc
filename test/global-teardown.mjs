// After the run: drops the run's database, removes every Redis key under the run's prefix and
// checks that none is left, and prints the peak of the run's PostgreSQL connections.
import { Redis } from 'ioredis';
import pg from 'pg';
import { stopTestPgBouncer } from './pgbouncer-setup.mjs';

async function removeRunKeys(url, prefix) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  try {
    let removed = 0;
    for (let pass = 0; pass < 3; pass++) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) removed += await redis.unlink(...keys);
      } while (cursor !== '0');
    }
    const left = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      left.push(...keys);
    } while (cursor !== '0');
    if (left.length) throw new Error(`Redis keys of this run left after the teardown: ${left.slice(0, 5).join(', ')} (${left.length})`);
    return removed;
  } finally {
    redis.disconnect();
  }
}

export default async function globalTeardown() {
  await stopTestPgBouncer();
  const state = globalThis.__coachingTestRun;
  if (state) {
    clearInterval(state.timer);
    await state.sampler?.end().catch(() => undefined);
    process.stdout.write(`\nPostgreSQL connections of this run: peak ${state.peak} (pg_stat_activity, sampled every 250 ms)\n`);
  }
  const prefix = process.env.COACHING_TEST_REDIS_PREFIX;
  if (prefix) {
    const removed = await removeRunKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix);
    process.stdout.write(`Redis: removed ${removed} key(s) under ${prefix}*; none left\n`);
  }
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
