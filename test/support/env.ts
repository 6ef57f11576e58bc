import type pg from 'pg';
import { PersonalDataSealing, PostgresEventStore, type EventStoreOptions } from '#event-store';
import { SecretBox } from '#platform';
import { TEST_APP_DATABASE_URL, TEST_APP_POOLED_URL, TEST_DATABASE_URL } from './db.js';
import { scopeRedisPrefixes } from './redis.js';

export const TEST_JWT_SECRET = 'test-secret-for-the-test-suite-only-0123456789';

/**
 * SECRETS_KEYS for tests that run an app in production (where the variable is required): the key
 * every other app of the run derives from TEST_JWT_SECRET (SecretBox's development fallback), given
 * explicitly. The run shares one event log, and a rebuild or subscriber reading it must open the
 * person keys those apps wrapped: with a random key per file, whichever file ran after them failed
 * with 'secret sealed with unknown key "k1"'.
 */
export const TEST_SECRETS_KEYS = SecretBox.developmentKeys(TEST_JWT_SECRET);

/**
 * An event store for a test that reads the run's log (a subscription runner from the head, a
 * catch-up): events other files' apps append meanwhile carry sealed personal fields, which a
 * store without the apps' keys refuses ("events hold sealed personal data but the store has no
 * key-encryption keys") — the test then fails on someone else's event.
 */
export function testEventStore(pool: pg.Pool, options: EventStoreOptions = {}): PostgresEventStore {
  const keys = SecretBox.fromConfig(TEST_SECRETS_KEYS, { production: false, seed: TEST_JWT_SECRET });
  return new PostgresEventStore(pool, { sealing: new PersonalDataSealing().useKeyWrapper(keys), ...options });
}

/**
 * The environment every app the tests boot runs with; a test may override single variables.
 * QUEUE_PREFIX and RATE_LIMIT_PREFIX always end up under the run's Redis prefix (./redis.ts).
 */
export function setTestEnv(overrides: Record<string, string> = {}): void {
  Object.assign(process.env, {
    NODE_ENV: 'test',
    DATABASE_URL: TEST_APP_POOLED_URL,
    // a test that points DATABASE_URL elsewhere gets its sessions there too
    DATABASE_DIRECT_URL: overrides.DATABASE_URL ?? TEST_APP_DATABASE_URL,
    DATABASE_OWNER_URL: TEST_DATABASE_URL,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    SUBSCRIPTION_POLL_MS: '50',
    SUBSCRIPTION_TAKEOVER_MS: '200',
    // in-process workers answer health and metrics on a free port, not the fixed 9464
    WORKER_HTTP_PORT: '0',
    ...overrides,
    ...scopeRedisPrefixes(overrides),
  });
}
