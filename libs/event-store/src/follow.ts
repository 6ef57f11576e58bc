import type pg from 'pg';
import type { PostgresEventStore } from './postgres-event-store.js';
import type { Checkpoint, StoredEvent } from './types.js';

/**
 * A sleep that a notification cuts short. A wake that arrives while nobody
 * sleeps is kept, so the next sleep returns at once (no notification between
 * two reads is lost). Shared by the subscription runner and `follow`.
 */
export class Waker {
  private wakeNow: (() => void) | null = null;
  private woken = false;

  wake(): void {
    this.woken = true;
    this.wakeNow?.();
  }

  /** True when a wake came that no sleep has taken yet; takes it. */
  take(): boolean {
    const woken = this.woken;
    this.woken = false;
    return woken;
  }

  /** Sleeps `ms` or until a wake; true when a wake ended it (or one was waiting). */
  sleep(ms: number): Promise<boolean> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.wakeNow = null;
        this.woken = false;
        resolve(woken);
      };
      const timer = setTimeout(() => done(false), ms);
      this.wakeNow = () => done(true);
    });
  }
}

export interface FollowOptions {
  /** opens the connection that LISTENs for commits (its own, not a pooled one) */
  connect: () => Promise<pg.Client>;
  /** events from here on (default: now, the head of the log) */
  from?: Checkpoint;
  /** polling when no notification comes (default 1 s) */
  pollMs?: number;
  batchSize?: number;
  onError?: (err: Error) => void;
}

export interface Follower {
  stop(): Promise<void>;
}

/**
 * A live reader of the whole log, commit-safe like every reader: reads from
 * its checkpoint, hands each batch to `handle`, sleeps until a commit's
 * NOTIFY wakes it (or `pollMs` passes). A lost connection is reopened.
 * Unlike a subscription it keeps no checkpoint and takes no lock: every
 * process follows on its own (the API's live events).
 */
export async function follow(store: PostgresEventStore, handle: (events: StoredEvent[]) => void, options: FollowOptions): Promise<Follower> {
  const waker = new Waker();
  const pollMs = options.pollMs ?? 1_000;
  const batchSize = options.batchSize ?? 500;
  let checkpoint = options.from ?? (await store.headCheckpoint());
  let client: pg.Client | null = null;
  let stopped = false;

  const listen = async () => {
    if (client) return;
    const c = await options.connect();
    c.on('notification', () => waker.wake());
    c.on('error', () => {
      if (client === c) client = null;
    });
    await c.query(`LISTEN ${store.notifier.channel}`);
    client = c;
  };
  const close = async () => {
    const c = client;
    client = null;
    await c?.end().catch(() => undefined);
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await listen();
        const batch = await store.readAll({ after: checkpoint, limit: batchSize });
        if (batch.events.length) handle(batch.events);
        checkpoint = batch.checkpoint;
        if (batch.events.length < batchSize) await waker.sleep(pollMs);
      } catch (err) {
        options.onError?.(err as Error);
        await close();
        await waker.sleep(pollMs);
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      waker.wake();
      await loop;
      await close();
    },
  };
}
