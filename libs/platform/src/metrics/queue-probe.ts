import type { Queue } from 'bullmq';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;

/**
 * The job queue as health checks and metrics see it. Each app binds it to its
 * queue (`QueueProbe.of(clock.queue)`): the platform knows no queue by name.
 */
export abstract class QueueProbe {
  abstract readonly name: string;
  /** one round trip to Redis; rejects when Redis is unreachable */
  abstract ping(): Promise<void>;
  /** jobs by state */
  abstract jobCounts(): Promise<Record<string, number>>;

  static of(queue: Queue): QueueProbe {
    return new BullQueueProbe(queue);
  }
}

class BullQueueProbe extends QueueProbe {
  constructor(private readonly queue: Queue) {
    super();
  }

  get name(): string {
    return this.queue.name;
  }

  async ping(): Promise<void> {
    const client = (await this.queue.getBackend().client) as unknown as { ping(): Promise<string> };
    await client.ping();
  }

  async jobCounts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts(...STATES);
  }
}
