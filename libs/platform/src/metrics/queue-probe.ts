import type { Queue } from 'bullmq';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;

/**
 * The job queue as health checks and metrics see it: one queue, or its shards (on Redis Cluster
 * one queue per shard, all of one name). Each app binds it to its queues
 * (`QueueProbe.of(clock.queues)`): the platform knows no queue by name.
 */
export abstract class QueueProbe {
  abstract readonly name: string;
  /** one round trip to Redis; rejects when Redis is unreachable */
  abstract ping(): Promise<void>;
  /** jobs by state, per shard (index in the order given; one entry on a single Redis) */
  abstract jobCountsByShard(): Promise<Record<string, number>[]>;

  /** jobs by state, summed over every shard */
  async jobCounts(): Promise<Record<string, number>> {
    const total: Record<string, number> = {};
    for (const counts of await this.jobCountsByShard()) {
      for (const [state, n] of Object.entries(counts)) total[state] = (total[state] ?? 0) + n;
    }
    return total;
  }

  static of(queues: Queue | readonly Queue[]): QueueProbe {
    const list = Array.isArray(queues) ? queues : [queues as Queue];
    if (list.length === 0) throw new Error('QueueProbe needs at least one queue');
    return new BullQueueProbe(list);
  }
}

class BullQueueProbe extends QueueProbe {
  constructor(private readonly queues: readonly Queue[]) {
    super();
  }

  get name(): string {
    return this.queues[0]!.name;
  }

  async ping(): Promise<void> {
    // every shard shares one connection (a single Redis, or one cluster client)
    const client = (await this.queues[0]!.getBackend().client) as unknown as { ping(): Promise<string> };
    await client.ping();
  }

  jobCountsByShard(): Promise<Record<string, number>[]> {
    return Promise.all(this.queues.map((q) => q.getJobCounts(...STATES)));
  }
}
