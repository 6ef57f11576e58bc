import pg from 'pg';
import { SubscriptionOwnershipLostError } from './errors.js';
import type { PostgresEventStore } from './postgres-event-store.js';
import { START, type Checkpoint, type StoredEvent, type TransactionHandle } from './types.js';
import { Waker } from './follow.js';

/** A named reader of the global log whose database writes commit with its checkpoint. */
export interface Subscriber {
  readonly name: string;
  /** events per batch (one transaction); default 200 */
  readonly batchSize?: number;
  /** only these types reach `handle`; the checkpoint moves past the others */
  readonly eventTypes?: readonly string[];
  /** Applies a batch. Throwing rolls the whole batch back; it is retried after a back-off. */
  handle(events: StoredEvent[], tx: TransactionHandle): Promise<void>;
}

export interface SubscriptionRunnerOptions {
  store: PostgresEventStore;
  pool: pg.Pool;
  /** opens the dedicated connection that holds the advisory lock and LISTENs */
  connect: () => Promise<pg.Client>;
  pollIntervalMs?: number;
  takeoverIntervalMs?: number;
  maxBackoffMs?: number;
  logger?: { log(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

export interface SubscriptionStatus {
  name: string;
  running: boolean;
  /** this runner holds the subscriber's lock and is the one processing */
  leader: boolean;
  checkpoint: Checkpoint | null;
  processedEvents: number;
  /** reads of the log completed (including empty ones) */
  reads: number;
  lastBatchAt: Date | null;
  lastError: string | null;
  consecutiveFailures: number;
  /** batches rolled back because another runner had moved the checkpoint */
  ownershipLosses: number;
}

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Runs one subscriber. At most one runner per subscriber name processes at a
 * time across all processes: the owner holds a session advisory lock on its
 * dedicated connection, which PostgreSQL releases when that connection dies,
 * and standbys retry the lock every `takeoverIntervalMs`. The checkpoint is a
 * compare-and-set in the batch's own transaction, so even a runner that lost
 * its lock without noticing cannot apply a batch twice.
 */
export class SubscriptionRunner {
  private readonly poll: number;
  private readonly takeover: number;
  private readonly maxBackoff: number;
  private readonly logger: NonNullable<SubscriptionRunnerOptions['logger']>;
  private lockClient: pg.Client | null = null;
  private leader = false;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly waker = new Waker();
  private checkpoint: Checkpoint | null = null;
  private processed = 0;
  private reads = 0;
  private lastBatchAt: Date | null = null;
  private lastError: string | null = null;
  private failures = 0;
  private ownershipLosses = 0;

  constructor(
    readonly subscriber: Subscriber,
    private readonly options: SubscriptionRunnerOptions,
  ) {
    this.poll = options.pollIntervalMs ?? 500;
    this.takeover = options.takeoverIntervalMs ?? 2_000;
    this.maxBackoff = options.maxBackoffMs ?? 30_000;
    this.logger = options.logger ?? silent;
  }

  get name(): string {
    return this.subscriber.name;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the batch in hand, releases the lock and closes the dedicated connection. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.nudge();
    await this.loop;
    await this.releaseLock();
  }

  status(): SubscriptionStatus {
    return {
      name: this.name,
      running: this.running,
      leader: this.leader,
      checkpoint: this.checkpoint,
      processedEvents: this.processed,
      reads: this.reads,
      lastBatchAt: this.lastBatchAt,
      lastError: this.lastError,
      consecutiveFailures: this.failures,
      ownershipLosses: this.ownershipLosses,
    };
  }

  /** Wakes the runner now (a notification arrived, or a test wants it). */
  nudge(): void {
    this.waker.wake();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (!this.leader) {
          if (!(await this.tryAcquire())) {
            await this.sleep(this.takeover);
            continue;
          }
          this.checkpoint = await this.loadCheckpoint();
          this.logger.log(`subscriber ${this.name}: owner from ${fmt(this.checkpoint)}`);
        }
        const moved = await this.processBatch();
        this.failures = 0;
        this.lastError = null;
        if (!moved) await this.sleep(this.poll);
      } catch (err) {
        this.failures += 1;
        this.lastError = err instanceof Error ? err.message : String(err);
        if (err instanceof SubscriptionOwnershipLostError) {
          this.ownershipLosses += 1;
          this.logger.warn(`subscriber ${this.name}: ${this.lastError}; standing down`);
          await this.releaseLock();
          continue;
        }
        const backoff = Math.min(this.maxBackoff, 100 * 2 ** Math.min(this.failures, 12));
        this.logger.error(`subscriber ${this.name}: batch failed (${this.lastError}); retrying in ${backoff} ms`);
        await this.sleep(backoff);
      }
    }
  }

  /** Reads and applies one batch; false when there was nothing to read. */
  private async processBatch(): Promise<boolean> {
    const from = this.checkpoint ?? START;
    const batch = await this.options.store.readAll({ after: from, limit: this.subscriber.batchSize ?? 200 });
    this.reads += 1;
    if (batch.checkpoint.transactionId === from.transactionId && batch.checkpoint.position === from.position) {
      return false;
    }
    const wanted = this.subscriber.eventTypes ? new Set(this.subscriber.eventTypes) : null;
    const events = wanted ? batch.events.filter((e) => wanted.has(e.type)) : batch.events;
    await this.options.store.inOwnTransaction(null, async (tx) => {
      if (events.length > 0) await this.subscriber.handle(events, tx);
      const moved = await tx.query(
        `UPDATE subscription_checkpoints
           SET transaction_id = $2::xid8, position = $3, updated_at = now()
         WHERE name = $1 AND transaction_id = $4::xid8 AND position = $5`,
        [this.name, batch.checkpoint.transactionId, batch.checkpoint.position, from.transactionId, from.position],
      );
      if (moved.rowCount !== 1) throw new SubscriptionOwnershipLostError(this.name);
    });
    this.checkpoint = batch.checkpoint;
    this.processed += batch.events.length;
    this.lastBatchAt = new Date();
    return true;
  }

  private async loadCheckpoint(): Promise<Checkpoint> {
    await this.options.pool.query(
      `INSERT INTO subscription_checkpoints (name, transaction_id, position) VALUES ($1, '0', 0)
       ON CONFLICT (name) DO NOTHING`,
      [this.name],
    );
    const { rows } = await this.options.pool.query<{ transaction_id: string; position: string }>(
      'SELECT transaction_id::text AS transaction_id, position FROM subscription_checkpoints WHERE name = $1',
      [this.name],
    );
    const row = rows[0]!;
    return { transactionId: row.transaction_id, position: Number(row.position) };
  }

  private async tryAcquire(): Promise<boolean> {
    try {
      if (!this.lockClient) {
        const client = await this.options.connect();
        client.on('error', (err) => this.lostConnection(client, err));
        client.on('end', () => this.lostConnection(client));
        client.on('notification', () => this.nudge());
        this.lockClient = client;
      }
      const { rows } = await this.lockClient.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock(hashtextextended('subscription:' || $1, 0)) AS locked",
        [this.name],
      );
      if (!rows[0]?.locked) return false;
      await this.lockClient.query(`LISTEN ${this.options.store.notifier.channel}`);
      this.leader = true;
      return true;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      await this.releaseLock();
      return false;
    }
  }

  private lostConnection(client: pg.Client, err?: Error): void {
    if (client !== this.lockClient) return;
    if (this.leader) this.logger.warn(`subscriber ${this.name}: lock connection lost${err ? ` (${err.message})` : ''}`);
    this.lockClient = null;
    this.leader = false;
    this.checkpoint = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.nudge();
  }

  private async releaseLock(): Promise<void> {
    const client = this.lockClient;
    this.lockClient = null;
    this.leader = false;
    this.checkpoint = null;
    if (!client) return;
    client.removeAllListeners();
    client.on('error', () => undefined);
    // closing the session releases its advisory lock
    await client.end().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return this.running ? this.waker.sleep(ms) : Promise.resolve();
  }
}

function fmt(c: Checkpoint): string {
  return `(${c.transactionId}, ${c.position})`;
}
