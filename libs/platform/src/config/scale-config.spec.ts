import { ConfigValidationError, parseConfig } from './config.schema.js';

// The settings of docs/scaling.md: PgBouncer's direct URL, Redis Cluster, partitioned subscribers.
const valid = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app@pgbouncer:6432/coaching',
  JWT_SECRET: 'x'.repeat(32),
  SECRETS_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems.map((p) => p.split(':')[0]!);
    throw err;
  }
  return [];
}

describe('scaling settings', () => {
  it('default to one PostgreSQL URL, a single Redis and subscribers in 8 partitions', () => {
    const config = parseConfig(valid);
    expect(config.DATABASE_DIRECT_URL).toBeUndefined();
    expect(config.REDIS_CLUSTER_NODES).toBeUndefined();
    expect(config.REMINDER_QUEUE_SHARDS).toBe(8);
    expect(config.SUBSCRIPTION_PARTITIONS).toBe(8);
  });

  it('take a direct URL, cluster seed nodes, shards and partitions', () => {
    const config = parseConfig({
      ...valid,
      DATABASE_DIRECT_URL: 'postgres://app@db:5432/coaching',
      REDIS_CLUSTER_NODES: 'redis-1:7000,10.0.0.2:7001',
      REMINDER_QUEUE_SHARDS: '16',
      SUBSCRIPTION_PARTITIONS: '4',
    });
    expect(config.DATABASE_DIRECT_URL).toBe('postgres://app@db:5432/coaching');
    expect(config.REDIS_CLUSTER_NODES).toBe('redis-1:7000,10.0.0.2:7001');
    expect(config.REMINDER_QUEUE_SHARDS).toBe(16);
    expect(config.SUBSCRIPTION_PARTITIONS).toBe(4);
  });

  it('name each bad value', () => {
    expect(
      problems({ ...valid, DATABASE_DIRECT_URL: 'mysql://db', REDIS_CLUSTER_NODES: 'redis-1', REMINDER_QUEUE_SHARDS: '0', SUBSCRIPTION_PARTITIONS: '-1' }).sort(),
    ).toEqual(['DATABASE_DIRECT_URL', 'REDIS_CLUSTER_NODES', 'REMINDER_QUEUE_SHARDS', 'SUBSCRIPTION_PARTITIONS']);
    expect(problems({ ...valid, REDIS_CLUSTER_NODES: 'a:1,,b:2' })).toEqual(['REDIS_CLUSTER_NODES']);
  });
});
