import { randomBytes } from 'node:crypto';
import { PROTECTION_PROFILES } from '../apps/api/src/security/protection-profiles.js';
import { BENCH_DATABASE_URL } from './support.js';

/** Every Redis key of this run starts with it (reminder queues, rate-limit counters). */
export const BENCH_PREFIX = `bench-${randomBytes(3).toString('hex')}`;

/** The environment of the apps the benchmarks start (production settings, scratch database). */
export const appEnv: Record<string, string> = {
  NODE_ENV: 'production',
  // as deployed: the service role, bound by row-level security; the owner ran the migrations
  DATABASE_URL: Object.assign(new URL(BENCH_DATABASE_URL), { username: 'coaching_app' }).toString(),
  DATABASE_OWNER_URL: BENCH_DATABASE_URL,
  JWT_SECRET: randomBytes(32).toString('hex'),
  SECRETS_KEYS: `bench:${randomBytes(32).toString('base64')}`,
  LOG_LEVEL: 'warn',
  QUEUE_PREFIX: BENCH_PREFIX,
  // the rate limiter's counters under the run's prefix too: removed with its queue keys, never another run's
  RATE_LIMIT_PREFIX: `${BENCH_PREFIX}:rl`,
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  // every protection on, the rate limit's threshold raised so the load is measured, not refused
  ...PROTECTION_PROFILES.on,
};

