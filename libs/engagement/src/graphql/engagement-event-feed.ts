import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { follow, PostgresEventStore, type Follower, type StoredEvent } from '#event-store';
import { AppConfigService } from '#platform';

const MAX_QUEUED = 1_000;

interface Listener {
  practiceId: string;
  push(event: StoredEvent): void;
  fail(err: Error): void;
}

/**
 * Live events for GraphQL subscriptions. Each API process follows the global
 * log from "now" (the event store's `follow`: commit-safe, like every reader)
 * and hands each event to the subscriptions of its stream. PostgreSQL's NOTIFY wakes every API process,
 * so subscribers connected to any instance behind a load balancer get every
 * event, with no broker in between; polling covers a lost notification.
 */
@Injectable()
export class EngagementEventFeed implements OnApplicationShutdown {
  private readonly logger = new Logger(EngagementEventFeed.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  private follower: Promise<Follower> | null = null;

  constructor(
    private readonly store: PostgresEventStore,
    private readonly config: AppConfigService,
  ) {}

  /** Events appended to `streamId` from now on, until the iterator is returned. */
  async subscribe(streamId: string, practiceId: string): Promise<AsyncIterableIterator<StoredEvent>> {
    await this.ensureRunning();
    const queue: StoredEvent[] = [];
    let waiting: ((r: IteratorResult<StoredEvent>) => void) | null = null;
    let failure: Error | null = null;
    let done = false;
    const listener: Listener = {
      practiceId,
      push: (event) => {
        if (waiting) {
          waiting({ value: event, done: false });
          waiting = null;
        } else if (queue.length < MAX_QUEUED) {
          queue.push(event);
        } else {
          listener.fail(new Error('subscriber too slow: events dropped; resubscribe and read the timeline'));
        }
      },
      fail: (err) => {
        failure = err;
        remove();
        waiting?.({ value: undefined, done: true });
      },
    };
    const set = this.listeners.get(streamId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(streamId, set);
    const remove = () => {
      done = true;
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(streamId);
    };
    const iterator: AsyncIterableIterator<StoredEvent> = {
      next: () => {
        if (failure) return Promise.reject(failure);
        const event = queue.shift();
        if (event) return Promise.resolve({ value: event, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => {
        remove();
        waiting?.({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  async onApplicationShutdown(): Promise<void> {
    await (await this.follower?.catch(() => null))?.stop();
    for (const set of this.listeners.values()) for (const l of [...set]) l.fail(new Error('server shutting down'));
  }

  private async ensureRunning(): Promise<void> {
    this.follower ??= follow(this.store, (events) => this.dispatch(events), {
      connect: async () => {
        // LISTEN needs a session: the direct URL when DATABASE_URL goes through PgBouncer
        const url = this.config.get('DATABASE_DIRECT_URL') ?? this.config.get('DATABASE_URL');
        const client = new pg.Client({ connectionString: url, application_name: 'engagement-event-feed' });
        await client.connect();
        return client;
      },
      onError: (err) => this.logger.warn(`live event feed: ${err.message}; retrying`),
    });
    this.follower.catch(() => (this.follower = null));
    await this.follower;
  }

  /** Each event to the subscriptions of its stream (of its practice). */
  private dispatch(events: StoredEvent[]): void {
    for (const event of events) {
      for (const l of this.listeners.get(event.streamId) ?? []) {
        if (l.practiceId === event.metadata.practiceId) l.push(event);
      }
    }
  }
}
