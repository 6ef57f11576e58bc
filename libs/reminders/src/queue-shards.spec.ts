import { clusterNodes, reminderQueuePrefixes, shardOf } from './redis.js';

describe('reminder queue shards', () => {
  it('are one queue under QUEUE_PREFIX on a single Redis, whatever the shard count', () => {
    expect(reminderQueuePrefixes('coaching', false, 8)).toEqual(['coaching']);
  });

  it('are hash-tagged prefixes on a cluster, one per shard (braces in QUEUE_PREFIX are not nested)', () => {
    expect(reminderQueuePrefixes('coaching', true, 3)).toEqual(['{coaching-0}', '{coaching-1}', '{coaching-2}']);
    expect(reminderQueuePrefixes('{coaching}', true, 2)).toEqual(['{coaching-0}', '{coaching-1}']);
  });

  it("put a practice in the same shard every time, and spread practices over the shards", () => {
    const ids = Array.from({ length: 800 }, (_, i) => `practice-${i}`);
    for (const id of ids.slice(0, 20)) expect(shardOf(id, 8)).toBe(shardOf(id, 8));
    const counts = new Array(8).fill(0);
    for (const id of ids) counts[shardOf(id, 8)] += 1;
    for (const n of counts) expect(n).toBeGreaterThan(50); // 100 expected per shard
    expect(shardOf('anything', 1)).toBe(0);
  });

  it('parse seed nodes', () => {
    expect(clusterNodes('10.0.0.1:7000,redis-2:7001')).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-2', port: 7001 },
    ]);
  });
});
