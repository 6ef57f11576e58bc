import type { RedisOptions } from 'bullmq';

/**
 * Connection options per BullMQ's production advice: workers block, so
 * `maxRetriesPerRequest: null` (never give up a command while Redis restarts)
 * and retry connecting with a capped back-off; producers fail fast instead of
 * queueing commands while Redis is away (the PostgreSQL rows are the truth).
 */
export function redisConnection(url: string, role: 'queue' | 'worker'): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableOfflineQueue: role === 'worker',
    retryStrategy: (times) => Math.min(times * 200, 5_000),
    connectionName: `coaching-${role}`,
  };
}
