import type { RedisOptions } from 'bullmq';
import { Cluster } from 'ioredis';

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

/** "host:port,host:port" (REDIS_CLUSTER_NODES) as ioredis Cluster seed nodes. */
export function clusterNodes(spec: string): { host: string; port: number }[] {
  return spec.split(',').map((hp) => {
    const i = hp.lastIndexOf(':');
    return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
  });
}

/**
 * A Redis Cluster client for BullMQ, with the same per-role advice as `redisConnection`. BullMQ
 * builds single-node clients from options, so on a cluster it is given this client (it duplicates it
 * for a worker's blocking connection); the caller closes it.
 */
export function redisClusterClient(spec: string, role: 'queue' | 'worker'): Cluster {
  return new Cluster(clusterNodes(spec), {
    enableOfflineQueue: role === 'worker',
    // after a primary dies its slots move to the replica; keep asking while that happens
    clusterRetryStrategy: (times) => Math.min(times * 200, 5_000),
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    redisOptions: {
      maxRetriesPerRequest: role === 'worker' ? null : 20,
      connectionName: `coaching-${role}`,
    },
  });
}

/** The reminder queues: one on a single Redis (QUEUE_PREFIX, as always), REMINDER_QUEUE_SHARDS on a cluster. */
export function reminderQueuePrefixes(prefix: string, cluster: boolean, shards: number): string[] {
  if (!cluster) return [prefix];
  // every key of a BullMQ queue must sit in one hash slot: each shard's prefix is its own hash tag
  const base = prefix.replace(/[{}]/g, '');
  return Array.from({ length: shards }, (_, i) => `{${base}-${i}}`);
}

/** A practice's queue shard: a stable hash (FNV-1a), so all of a practice's reminders share one queue. */
export function shardOf(practiceId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < practiceId.length; i++) {
    h ^= practiceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}
