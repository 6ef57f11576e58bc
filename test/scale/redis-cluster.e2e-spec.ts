import { jest } from '@jest/globals';
import { Cluster } from 'ioredis';
import { ReminderClock } from '#reminders';
import { configFrom, Metrics, parseConfig } from '#platform';
import { RateLimiter } from '../../apps/api/src/security/rate-limiter.js';
import { activeEngagement, assignHomework, inSeconds, ReminderRig, untilPassed, type Story } from '../reminders/harness.js';
import { LocalRedisCluster } from '../support/redis-cluster.js';
import { runScopedPrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';
import { sample } from '../ops/support.js';

// The reminder queues and the rate limiter on a real Redis Cluster: six local redis-server
// processes (three primaries, three replicas) started and killed by this file. The queue is split
// into REMINDER_QUEUE_SHARDS queues, each with a hash-tagged prefix (one slot each), a practice's
// reminders in its shard; a primary is killed with reminders scheduled and its replica takes over.

jest.setTimeout(120_000);

const SHARDS = 6;
let cluster: LocalRedisCluster;
let rig: ReminderRig;

beforeAll(async () => {
  cluster = await LocalRedisCluster.start();
  rig = await ReminderRig.start({
    REDIS_CLUSTER_NODES: cluster.spec,
    REMINDER_QUEUE_SHARDS: String(SHARDS),
    // a fixed base: the cluster is this file's own, and the shards' slots are then the same every run
    QUEUE_PREFIX: 'scale',
  });
});

afterAll(async () => {
  try {
    // a cluster left without a primary would keep BullMQ's close waiting: bounded, then the cluster goes anyway
    await Promise.race([rig?.close().catch(() => undefined), new Promise((r) => setTimeout(r, 20_000).unref())]);
  } finally {
    await cluster?.stop();
  }
});

describe('reminder queues on Redis Cluster', () => {
  it('are one queue per shard, each in one hash slot, spread over the primaries; a practice keeps to its shard', async () => {
    const clock = rig.worker.get(ReminderClock);
    expect(clock.queues.map((q) => q.opts.prefix)).toEqual(Array.from({ length: SHARDS }, (_, i) => `{${runScopedPrefix('q', 'scale')}-${i}}`)); // the test support puts every prefix under the run's
    const slots = await Promise.all(clock.queues.map((q) => cluster.keyslot(`${q.opts.prefix}:reminders:meta`)));
    const owners = new Set(await Promise.all(slots.map((slot) => cluster.primaryOfSlot(slot))));
    expect(owners.size).toBeGreaterThan(1);

    // every key of a shard's queue hashes to that shard's slot (BullMQ's Lua scripts need it)
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
    await assignHomework(rig, s, 'Sharded', inSeconds(3_600));
    const queue = clock.queueOf(s.practiceId);
    const job = await waitFor('the job in its practice shard', async () => {
      const jobs = await queue.getDelayed();
      return jobs.find((j) => j.data.practiceId === s.practiceId) ?? null;
    });
    const others = clock.queues.filter((q) => q !== queue);
    for (const q of others) expect(await q.getJob(job.id!)).toBeUndefined();
    const key = `${queue.opts.prefix}:reminders:${job.id}`;
    expect(await cluster.keyslot(key)).toBe(slots[clock.queues.indexOf(queue)]);

    // the worker's metrics count every shard, not shard 0 only: one series per shard, the queue's total their sum
    const shardIndex = clock.queues.indexOf(queue);
    // (other reminders of the engagement may still be being scheduled: compare once both reads agree)
    const { body, perShard } = await waitFor('the scrape to agree with the shards', async () => {
      const { body } = await rig.worker.get(Metrics).render();
      const perShard = await Promise.all(clock.queues.map((q) => q.getDelayedCount()));
      const scraped = perShard.map((_, i) => sample(body, 'coaching_queue_shard_jobs', { queue: 'reminders', shard: String(i), state: 'delayed' }));
      return scraped.every((n, i) => n === perShard[i]) ? { body, perShard } : null;
    });
    expect(perShard[shardIndex]).toBeGreaterThanOrEqual(1);
    expect(sample(body, 'coaching_queue_jobs', { queue: 'reminders', state: 'delayed' })).toBe(perShard.reduce((a, b) => a + b, 0));
  });

  it('lose no reminder and send none twice when a primary holding queues is killed', async () => {
    const clock = rig.worker.get(ReminderClock);
    // practices spread over the shards, 4 reminders each, all due a few seconds ahead
    // far enough ahead that the kill and the failover happen before they are due, even on a loaded machine
    const dueAt = inSeconds(20);
    const stories: Story[] = await Promise.all(
      Array.from({ length: 8 }, () => activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 })),
    );
    for (const s of stories) for (let i = 0; i < 4; i++) await assignHomework(rig, s, `Task ${i}`, dueAt);
    const rows = await waitFor('32 scheduled rows', async () => {
      const { rows } = await rig.pool.query<{ id: string; practice_id: string; scheduled_for: Date }>(
        `SELECT id, practice_id, scheduled_for FROM reminders WHERE practice_id = ANY($1) AND status = 'SCHEDULED' AND kind = 'HOMEWORK_DUE_SOON'`,
        [stories.map((s) => s.practiceId)],
      );
      return rows.length === 32 ? rows : null;
    });
    await waitFor('their 32 delayed jobs', async () =>
      (await Promise.all(rows.map((r) => clock.queueOf(r.practice_id).getJobState(ReminderClock.jobId(r.id, r.scheduled_for))))).every(
        (st) => st === 'delayed',
      ),
    );
    expect(Date.now()).toBeLessThan(dueAt.getTime());

    // the primary that serves the most of these reminders' shards dies
    const shardPorts = await Promise.all(
      rows.map(async (r) => cluster.primaryOfSlot(await cluster.keyslot(`${clock.queueOf(r.practice_id).opts.prefix}:x`))),
    );
    const counts = new Map<number, number>();
    for (const p of shardPorts) counts.set(p, (counts.get(p) ?? 0) + 1);
    const [victim, held] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect(held).toBeGreaterThan(0);
    const killedAt = Date.now();
    await cluster.kill(victim);
    await waitFor('a replica promoted in its place', async () => !(await cluster.primaries()).includes(victim) && (await cluster.primaries()).length === 3, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    await cluster.waitHealthy();
    console.log(`redis cluster: primary :${victim} (${held} of 32 reminders' queues) killed; replica serving after ${Date.now() - killedAt} ms`);

    await waitFor(
      '32 SENT rows',
      async () => {
        const { rows: sent } = await rig.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM reminders WHERE id = ANY($1::uuid[]) AND status = 'SENT'`, [
          rows.map((r) => r.id),
        ]);
        return sent[0]!.n === 32;
      },
      { timeoutMs: 60_000 },
    );
    // past the due time by 2 s: a second run of any job would have delivered by now
    await untilPassed(new Date(Math.max(dueAt.getTime(), Date.now()) + 2_000));
    const deliveries = stories.flatMap((s) => rig.deliveries(s.practiceId));
    expect(deliveries).toHaveLength(32);
    expect(new Set(deliveries.map((d) => d.headers['x-delivery-id']))).toEqual(new Set(rows.map((r) => r.id)));
    const events = (await Promise.all(stories.map((s) => rig.reminderSentEvents(s.engagementId)))).flat();
    expect(events).toHaveLength(32);
    expect(new Set(events.map((e) => e.reminderId)).size).toBe(32);
  });
});

describe('the rate limiter on Redis Cluster', () => {
  it('keeps each principal in one hash-tagged key and enforces the limit', async () => {
    const limiter = new RateLimiter(
      configFrom(
        parseConfig({
          NODE_ENV: 'test',
          DATABASE_URL: 'postgres://unused@127.0.0.1/unused',
          JWT_SECRET: 'x'.repeat(32),
          REDIS_CLUSTER_NODES: cluster.spec,
          RATE_LIMIT_PER_WINDOW: '3',
          RATE_LIMIT_WINDOW_MS: '60000',
          RATE_LIMIT_PREFIX: 'scale-rl',
        }),
      ),
    );
    await limiter.onModuleInit();
    const principal = { principal: { id: 'coach-9', practiceId: 'practice-rl', role: 'COACH', name: null, email: null } } as never;
    try {
      const key = limiter.keyOf(principal);
      expect(key).toBe('scale-rl:{p/practice-rl/coach-9}');
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await limiter.check(principal));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
      expect(decisions[3]!.retryAfterMs).toBeGreaterThan(0);
      // the counter lives on the primary that serves the tag's slot
      const port = await cluster.primaryOfSlot(await cluster.keyslot(key));
      expect((await cluster.cli(port, 'HGET', key, 'c')).trim()).toBe('3');
    } finally {
      const c = limiter.connection as Cluster;
      await c.del(limiter.keyOf(principal)).catch(() => undefined);
      await limiter.onApplicationShutdown();
    }
  });
});
