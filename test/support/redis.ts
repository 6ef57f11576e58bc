import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Every Redis key a test run writes is under this prefix (set per run by test/global-setup.mjs);
 * test/global-teardown.mjs removes them all and checks that none is left.
 */
export const RUN_REDIS_PREFIX = process.env.COACHING_TEST_REDIS_PREFIX ?? `coaching-test-local-${process.pid}`;

/**
 * A QUEUE_PREFIX or RATE_LIMIT_PREFIX under the run's prefix: the run's own default, or a short
 * digest of the value a test asked for (the same value always maps to the same prefix, so a
 * restarted worker finds its queue again).
 */
export function runScopedPrefix(kind: 'q' | 'rl', requested?: string): string {
  if (requested?.startsWith(RUN_REDIS_PREFIX)) return requested;
  const tail = requested ? createHash('sha256').update(requested).digest('hex').slice(0, 12) : 'default';
  return `${RUN_REDIS_PREFIX}:${kind}:${tail}`;
}

/** The environment's Redis prefixes put under the run's prefix. */
export function scopeRedisPrefixes(env: Record<string, string | undefined>): { QUEUE_PREFIX: string; RATE_LIMIT_PREFIX: string } {
  return { QUEUE_PREFIX: runScopedPrefix('q', env.QUEUE_PREFIX), RATE_LIMIT_PREFIX: runScopedPrefix('rl', env.RATE_LIMIT_PREFIX) };
}

/** Deletes every key matching `pattern` (SCAN, never KEYS or FLUSHALL: Redis is shared); resolves to how many. */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  if (!pattern.startsWith(RUN_REDIS_PREFIX)) throw new Error(`refusing to delete keys outside this run's prefix: ${pattern}`);
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}
