import type pg from 'pg';
import type { PostgresEventStore } from './postgres-event-store.js';
import type { Subscriber } from './subscription-runner.js';
import { START, type Checkpoint, type StoredEvent } from './types.js';

export interface PartitionedRunnerOptions {
  store: PostgresEventStore;
  pool: pg.Pool;
  /** opens the dedicated session that holds this worker's membership and partition locks and LISTENs (never through PgBouncer) */
  connect: () => Promise<pg.Client>;
  /** K: how many independently locked, independently checkpointed parts the subscriber is split into (default 8) */
  partitions?: number;
  /** what an event's partition is derived from (default its practice: a practice's events stay in one partition, in order) */
  partitionKey?: (event: StoredEvent) => string;
  pollIntervalMs?: number;
  /** how often a worker counts the live workers and takes or gives back partitions (default 2 s) */
  rebalanceIntervalMs?: number;
  maxBackoffMs?: number;
  logger?: { log(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

export interface PartitionedStatus {
  name: string;
  running: boolean;
  member: number | null;
  workers: number;
  owned: number[];
  processedEvents: number;
  lastError: string | null;
}

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
/** Membership slots per subscriber: at most this many workers count as members. */
const MEMBER_SLOTS = 256;

/** A stable partition of a key: FNV-1a, the same in every process and release. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

class PartitionLost extends Error {}

/**
 * Runs one asynchronous subscriber as K partitions spread over every worker that runs it.
 *
 * Partition p holds the events whose key (the practice, by default) hashes to p. Each partition is
 * a unit of its own: a session advisory lock (`subscription:<name>#<p>`) says which worker owns it,
 * and its checkpoint is the row `<name>#<p>` of subscription_checkpoints, moved by compare-and-set
 * in the same transaction as the batch's writes — so a worker that lost a partition without
 * noticing cannot apply a batch twice. Every partition reads the commit-ordered log from its own
 * checkpoint and keeps its own events, so a stream's (and a practice's) events are applied in
 * order; there is no order between partitions.
 *
 * Fair shares: each worker holds one membership lock (`subscription-member:<name>:<slot>`); the
 * live members are counted from pg_locks, and a worker takes free partitions up to ⌈K / workers⌉
 * and gives back what it holds above that. A worker that dies loses its session, PostgreSQL frees
 * its locks, the survivors count one member fewer and take its partitions at their next rebalance.
 */
export class PartitionedSubscriptionRunner {
  private readonly k: number;
  private readonly poll: number;
  private readonly rebalanceEvery: number;
  private readonly maxBackoff: number;
  private readonly logger: NonNullable<PartitionedRunnerOptions['logger']>;
  private readonly keyOf: (event: StoredEvent) => string;
  private session: pg.Client | null = null;
  private member: number | null = null;
  private workers = 0;
  private readonly owned = new Map<number, Checkpoint>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private woken = false;
  private lastRebalance = 0;
  private processed = 0;
  private failures = 0;
  private lastError: string | null = null;

  constructor(
    readonly subscriber: Subscriber,
    private readonly options: PartitionedRunnerOptions,
  ) {
    this.k = options.partitions ?? 8;
    if (!Number.isInteger(this.k) || this.k < 1 || this.k > 1024) throw new Error('partitions must be a whole number from 1 to 1024');
    this.poll = options.pollIntervalMs ?? 500;
    this.rebalanceEvery = options.rebalanceIntervalMs ?? 2_000;
    this.maxBackoff = options.maxBackoffMs ?? 30_000;
    this.logger = options.logger ?? silent;
    this.keyOf = options.partitionKey ?? ((e) => e.metadata.practiceId);
  }

  get name(): string {
    return this.subscriber.name;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the batch in hand and closes the session (which releases every lock it holds). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.nudge();
    await this.loop;
    await this.dropSession();
  }

  nudge(): void {
    this.woken = true;
    this.wake?.();
  }

  status(): PartitionedStatus {
    return {
      name: this.name,
      running: this.running,
      member: this.member,
      workers: this.workers,
      owned: [...this.owned.keys()].sort((a, b) => a - b),
      processedEvents: this.processed,
      lastError: this.lastError,
    };
  }

  private lockKey(p: number): string {
    return `subscription:${this.name}#${p}`;
  }

  private checkpointName(p: number): string {
    return `${this.name}#${p}`;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.ensureSession();
        if (Date.now() - this.lastRebalance >= this.rebalanceEvery) await this.rebalance();
        let moved = false;
        for (const p of [...this.owned.keys()]) {
          if (!this.running) break;
          try {
            moved = (await this.processPartition(p)) || moved;
          } catch (err) {
            if (!(err instanceof PartitionLost)) throw err;
            this.logger.warn(`subscriber ${this.name}: partition ${p} was moved on by another worker; letting it go`);
            await this.release(p);
          }
        }
        this.failures = 0;
        this.lastError = null;
        if (!moved) await this.sleep(Math.min(this.poll, Math.max(10, this.rebalanceEvery - (Date.now() - this.lastRebalance))));
      } catch (err) {
        this.failures += 1;
        this.lastError = err instanceof Error ? err.message : String(err);
        const backoff = Math.min(this.maxBackoff, 100 * 2 ** Math.min(this.failures, 12));
        this.logger.error(`subscriber ${this.name}: ${this.lastError}; retrying in ${backoff} ms`);
        await this.sleep(backoff);
      }
    }
  }

  private async ensureSession(): Promise<void> {
    if (this.session) return;
    const client = await this.options.connect();
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', () => this.nudge());
    try {
      const { rows } = await client.query<{ slot: number | null }>(
        `SELECT (SELECT i FROM generate_series(0, $2::int - 1) i
                  WHERE pg_try_advisory_lock(hashtextextended('subscription-member:' || $1 || ':' || i, 0))
                  LIMIT 1) AS slot`,
        [this.name, MEMBER_SLOTS],
      );
      if (rows[0]?.slot === null || rows[0]?.slot === undefined) throw new Error(`more than ${MEMBER_SLOTS} workers run ${this.name}`);
      await client.query(`LISTEN ${this.options.store.notifier.channel}`);
      this.member = rows[0].slot;
      this.session = client;
      this.lastRebalance = 0;
    } catch (err) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  private lost(client: pg.Client): void {
    if (client !== this.session) return;
    this.logger.warn(`subscriber ${this.name}: session lost; partitions ${[...this.owned.keys()].join(',')} given up`);
    this.session = null;
    this.member = null;
    this.owned.clear();
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.nudge();
  }

  private async dropSession(): Promise<void> {
    const client = this.session;
    this.session = null;
    this.member = null;
    this.owned.clear();
    if (!client) return;
    client.removeAllListeners();
    client.on('error', () => undefined);
    await client.end().catch(() => undefined);
  }

  /** Counts the live members; takes free partitions up to the fair share, gives back the excess. */
  private async rebalance(): Promise<void> {
    const session = this.session!;
    this.lastRebalance = Date.now();
    const { rows } = await session.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM generate_series(0, $2::int - 1) i
         JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid::bigint = ((hashtextextended('subscription-member:' || $1 || ':' || i, 0) >> 32) & 4294967295)
          AND l.objid::bigint = (hashtextextended('subscription-member:' || $1 || ':' || i, 0) & 4294967295)`,
      [this.name, MEMBER_SLOTS],
    );
    this.workers = Math.max(1, rows[0]!.n);
    const share = Math.ceil(this.k / this.workers);
    // give back the excess first (a newcomer is waiting for it), highest partitions first
    for (const p of [...this.owned.keys()].sort((a, b) => b - a)) {
      if (this.owned.size <= share) break;
      await this.release(p);
    }
    if (this.owned.size >= share) return;
    // then take free ones, starting at a place of our own so workers don't all race for partition 0
    for (let i = 0; i < this.k && this.owned.size < share; i++) {
      const p = (i + (this.member ?? 0) * share) % this.k;
      if (this.owned.has(p)) continue;
      const { rows: got } = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [this.lockKey(p)]);
      if (!got[0]?.locked) continue;
      this.owned.set(p, await this.loadCheckpoint(p));
      this.logger.log(`subscriber ${this.name}: took partition ${p} (${this.owned.size} of ${this.k}, ${this.workers} worker(s))`);
    }
  }

  private async release(p: number): Promise<void> {
    this.owned.delete(p);
    await this.session?.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.lockKey(p)]).catch(() => undefined);
  }

  private async loadCheckpoint(p: number): Promise<Checkpoint> {
    // a new partition starts where the subscriber's single-owner checkpoint stands (switching a
    // running deployment to partitions re-applies nothing); with none, at the start of the log
    await this.options.pool.query(
      `INSERT INTO subscription_checkpoints (name, transaction_id, position)
       SELECT $1, coalesce((SELECT transaction_id FROM subscription_checkpoints WHERE name = $2), '0'),
                  coalesce((SELECT position FROM subscription_checkpoints WHERE name = $2), 0)
       ON CONFLICT (name) DO NOTHING`,
      [this.checkpointName(p), this.name],
    );
    const { rows } = await this.options.pool.query<{ transaction_id: string; position: string }>(
      'SELECT transaction_id::text AS transaction_id, position FROM subscription_checkpoints WHERE name = $1',
      [this.checkpointName(p)],
    );
    return { transactionId: rows[0]!.transaction_id, position: Number(rows[0]!.position) };
  }

  /** One batch of partition p; false when the log had nothing new for it. */
  private async processPartition(p: number): Promise<boolean> {
    const from = this.owned.get(p) ?? START;
    const batch = await this.options.store.readAll({ after: from, limit: this.subscriber.batchSize ?? 200 });
    if (batch.checkpoint.transactionId === from.transactionId && batch.checkpoint.position === from.position) return false;
    const wanted = this.subscriber.eventTypes ? new Set(this.subscriber.eventTypes) : null;
    const mine = batch.events.filter((e) => partitionOf(this.keyOf(e), this.k) === p && (!wanted || wanted.has(e.type)));
    await this.options.store.inOwnTransaction(null, async (tx) => {
      if (mine.length > 0) await this.subscriber.handle(mine, tx);
      const moved = await tx.query(
        `UPDATE subscription_checkpoints SET transaction_id = $2::xid8, position = $3, updated_at = now()
          WHERE name = $1 AND transaction_id = $4::xid8 AND position = $5`,
        [this.checkpointName(p), batch.checkpoint.transactionId, batch.checkpoint.position, from.transactionId, from.position],
      );
      if (moved.rowCount !== 1) throw new PartitionLost();
    });
    if (this.owned.has(p)) this.owned.set(p, batch.checkpoint);
    this.processed += mine.length;
    return true;
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        self.woken = false;
        resolve();
      }
      this.wake = done;
    });
  }
}
