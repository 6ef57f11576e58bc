import pg from 'pg';
import { SubscriptionOwnershipLostError, SubscriptionPartitionsChangedError } from './errors.js';
import type { PostgresEventStore } from './postgres-event-store.js';
import { partitionOf } from './postgres-event-store.js';
import { START, type Checkpoint, type Queryable, type StoredEvent, type TransactionHandle } from './types.js';
import { Waker } from './follow.js';
import { notifiedPractices } from './event-notifier.js';

/** A named reader of the global log whose database writes commit with its checkpoint. */
export interface Subscriber {
  readonly name: string;
  /** events per batch (one transaction); default 200 */
  readonly batchSize?: number;
  /** only these types reach `handle`; the checkpoint moves past the others (never opened nor upcast) */
  readonly eventTypes?: readonly string[];
  /**
   * `metadata`: `handle` reads each event's type, metadata and times, never its data. Events come
   * with `data: {}`: no personal field is opened for it (no key read, nothing decrypted).
   */
  readonly reads?: 'metadata';
  /** Applies a batch. Throwing rolls the whole batch back; it is retried after a back-off. */
  handle(events: StoredEvent[], tx: TransactionHandle): Promise<void>;
}

/** A failed batch of one partition (its transaction rolled back; it is retried after a back-off). */
export interface SubscriptionBatchFailure {
  subscriber: string;
  /** 0 with K = 1 */
  partition: number;
  /** where the partition stands: the batch starts after it */
  checkpoint: Checkpoint;
  /** failed batches of this partition in a row, this one included (1: a streak starts) */
  failures: number;
  /** the error's message (no stack) */
  error: string;
}

/**
 * What a runner tells about its batches (metrics). The store imports nothing of the service: the
 * service passes one in. Called synchronously; an observer that throws is ignored.
 */
export interface SubscriptionObserver {
  batchFailed?(failure: SubscriptionBatchFailure): void;
  /**
   * A partition's failure streak ended: a batch committed (`recovered`), or the partition left this
   * runner (given back, its session lost, the runner stopped) and another runner reports from now on.
   */
  streakEnded?(end: { subscriber: string; partition: number; checkpoint: Checkpoint; failures: number; recovered: boolean }): void;
}

export interface SubscriptionRunnerOptions {
  store: PostgresEventStore;
  pool: pg.Pool;
  /** opens the dedicated session that holds the locks and LISTENs (never through PgBouncer) */
  connect: () => Promise<pg.Client>;
  /**
   * K: how many independently locked, independently checkpointed parts the subscriber is split into
   * (by practice), shared fairly by every runner of it. 1 (the default): one owner reads the whole log.
   */
  partitions?: number;
  pollIntervalMs?: number;
  /**
   * Under a stream of commits, how long a read waits after the previous read that moved, so the
   * commits of that window are one batch, one transaction and one checkpoint write (25 ms; 0: read
   * at every wake). A read after a quiet spell does not wait.
   */
  gatherMs?: number;
  /**
   * How often a partition's checkpoint is written when it only follows the log (its reads found
   * nothing to handle: no event of its practices, or only types its subscriber drops), in ms (1 s).
   * Written at every read, an idle partition cost a transaction per pass: 7 of 8 partitions of each of
   * 4 subscribers, ~500 commits a second beside 330 assignHomework a second (statement log, core
   * bench). The lag a quiet system shows (readSubscriberLag reads the written checkpoints) stays
   * within this and a poll.
   */
  followWriteMs?: number;
  /** how often a runner retries locks, counts the live runners and takes or gives back partitions (2 s) */
  takeoverIntervalMs?: number;
  maxBackoffMs?: number;
  logger?: { log(msg: string): void; warn(msg: string): void; error(msg: string): void };
  observer?: SubscriptionObserver;
  /**
   * A partition's failing batches are logged at ERROR once when the streak starts, then at WARN every
   * this many further failures (10), and at INFO when a batch commits again.
   */
  warnEveryFailures?: number;
}

export interface SubscriptionStatus {
  name: string;
  running: boolean;
  /** this runner holds at least one of the subscriber's partitions (with K = 1: the subscriber) */
  leader: boolean;
  /** with K = 1 the checkpoint of the owner; with K > 1 null (each partition has its own) */
  checkpoint: Checkpoint | null;
  processedEvents: number;
  /** reads of the log completed (including empty ones) */
  reads: number;
  lastBatchAt: Date | null;
  lastError: string | null;
  consecutiveFailures: number;
  /** batches rolled back because another runner had moved the checkpoint */
  ownershipLosses: number;
  /** K */
  partitions: number;
  /** the partitions held here */
  owned: number[];
  /** live runners of this subscriber at the last count (K > 1; 0 with K = 1, which does not count) */
  workers: number;
  /** partitions held here whose batches keep failing (each retried after its own back-off) */
  failing: { partition: number; failures: number; error: string }[];
}

interface Streak {
  failures: number;
  error: string;
  /** no new attempt before (Date.now() ms) */
  retryAt: number;
}

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
/** Membership slots per subscriber: at most this many runners count as members. */
const MEMBER_SLOTS = 256;


/**
 * Runs one subscriber as K partitions (K = 1: a single owner) over every process that runs it.
 *
 * Partition p of K holds the events whose practice hashes to p (`event_partition` in SQL) and reads
 * only those, through an index range at K = 8 (`event_store_read_partition`), below the same horizon
 * as `readAll` (no event of a transaction still running is ever passed). A practice's — hence a
 * stream's — events are applied in commit order; there is no order between partitions.
 *
 * Each partition is a unit of its own: a session advisory lock on this runner's dedicated
 * connection says who owns it, and its checkpoint row moves by compare-and-set in the batch's own
 * transaction, so a runner that lost a partition without noticing cannot apply a batch twice.
 * Keys: with K = 1 the lock `subscription:<name>` and the checkpoint `<name>` (what they always
 * were); with K > 1 `subscription:<name>#<p>/<K>` and `<name>#<p>/<K>`, and every runner holds
 * `subscription:<name>` *shared*, so a single owner (K = 1, or a release before partitions) and
 * partitioned runners never run at once. A runner whose K differs from the checkpoints it finds
 * refuses (SubscriptionPartitionsChangedError) instead of re-reading the log with another split.
 *
 * Fair shares (K > 1): each runner holds one membership lock (`subscription-member:<name>/<K>:<slot>`);
 * every `takeoverIntervalMs` it counts the live members in pg_locks, gives back partitions above
 * ⌈K / members⌉ and takes free ones up to it. A dead runner's session ends, PostgreSQL frees its
 * locks, and the survivors take its partitions at their next count.
 */
export class SubscriptionRunner {
  private readonly k: number;
  private readonly poll: number;
  private readonly gather: number;
  private readonly followWrite: number;
  /** when the last pass that moved a checkpoint started */
  private lastMovedAt = 0;
  private readonly takeover: number;
  private readonly maxBackoff: number;
  private readonly logger: NonNullable<SubscriptionRunnerOptions['logger']>;
  private session: pg.Client | null = null;
  private member: number | null = null;
  private workers = 0;
  private readonly owned = new Map<number, Checkpoint>();
  /** each owned partition's checkpoint as the table has it, and when it was read or written */
  private readonly written = new Map<number, { at: Checkpoint; when: number }>();
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly waker = new Waker();
  private lastCount = 0;
  private processed = 0;
  private reads = 0;
  private lastBatchAt: Date | null = null;
  private lastError: string | null = null;
  private failures = 0;
  private ownershipLosses = 0;
  private readonly streaks = new Map<number, Streak>();
  private readonly warnEvery: number;
  /** partitions whose last batch was full: read again at once, the others at the next wake or poll */
  private readonly behind = new Set<number>();
  /** partitions a notification named (by a practice of theirs) since the last pass */
  private readonly news = new Set<number>();
  /** a wake that named no practice: the next pass reads every partition */
  private wakeAll = true;

  constructor(
    readonly subscriber: Subscriber,
    private readonly options: SubscriptionRunnerOptions,
  ) {
    this.k = options.partitions ?? 1;
    if (!Number.isInteger(this.k) || this.k < 1 || this.k > 1024) throw new Error('partitions must be a whole number from 1 to 1024');
    this.poll = options.pollIntervalMs ?? 500;
    this.gather = options.gatherMs ?? 25;
    this.followWrite = options.followWriteMs ?? 1_000;
    if (!Number.isInteger(this.gather) || this.gather < 0 || this.gather > 10_000) throw new Error('gatherMs must be a whole number from 0 to 10000');
    this.takeover = options.takeoverIntervalMs ?? 2_000;
    this.maxBackoff = options.maxBackoffMs ?? 30_000;
    this.logger = options.logger ?? silent;
    this.warnEvery = options.warnEveryFailures ?? 10;
    if (!Number.isInteger(this.warnEvery) || this.warnEvery < 1) throw new Error('warnEveryFailures must be a whole number from 1');
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
    // checkpoints that only followed the log are written before the locks go, so a stopped worker
    // leaves no lag behind it (best effort: the next owner re-reads nothing of the partition's own)
    for (const p of this.owned.keys()) {
      const at = this.owned.get(p)!;
      const written = this.written.get(p);
      if (written && !sameCheckpoint(at, written.at)) await this.writeCheckpoint(this.options.pool, p, written.at, at).catch(() => undefined);
    }
    await this.dropSession();
  }

  /** Wakes the runner now to read every partition (a test wants it, or the runner is stopping). */
  nudge(): void {
    this.wakeAll = true;
    this.waker.wake();
  }

  /** A commit's notification: the partitions of the practices it names, or all when it names none. */
  private heard(payload: string | undefined): void {
    const practices = notifiedPractices(payload);
    if (practices === null) this.wakeAll = true;
    else for (const practice of practices) this.news.add(partitionOf(practice, this.k));
    this.waker.wake();
  }

  status(): SubscriptionStatus {
    const failing = [...this.streaks].map(([partition, s]) => ({ partition, failures: s.failures, error: s.error })).sort((a, b) => a.partition - b.partition);
    return {
      name: this.name,
      running: this.running,
      leader: this.owned.size > 0,
      checkpoint: this.k === 1 ? (this.owned.get(0) ?? null) : null,
      processedEvents: this.processed,
      reads: this.reads,
      lastBatchAt: this.lastBatchAt,
      // the runner's own (session, locks) or else a failing partition's
      lastError: this.lastError ?? failing.at(-1)?.error ?? null,
      consecutiveFailures: Math.max(this.failures, ...failing.map((f) => f.failures)),
      ownershipLosses: this.ownershipLosses,
      partitions: this.k,
      owned: [...this.owned.keys()].sort((a, b) => a - b),
      workers: this.workers,
      failing,
    };
  }

  private lockKey(p: number): string {
    return this.k === 1 ? `subscription:${this.name}` : `subscription:${this.name}#${p}/${this.k}`;
  }

  /** Runners count each other per split: a runner with another K (which refuses to work) is no member. */
  private get memberGroup(): string {
    return `${this.name}/${this.k}`;
  }

  private checkpointName(p: number): string {
    return this.k === 1 ? this.name : `${this.name}#${p}/${this.k}`;
  }

  /**
   * Reads every owned partition after a wake (a commit's notification) or a poll; between those, only
   * the partitions whose batch came back full (more is waiting). A partition that read less than a
   * batch has everything its read could see; what commits later wakes the runner. Re-reading every
   * partition whenever any had moved cost the worker ~177 reads a second in the steady reminders
   * bench, nearly all empty (pg_stat_statements: 8,545 reads in a minute).
   */
  private async run(): Promise<void> {
    let everyPartition = true;
    while (this.running) {
      try {
        if (await this.ensureSession()) {
          if (Date.now() - this.lastCount >= this.takeover || this.owned.size === 0) await this.rebalance();
        }
        // each commit wakes the runner: read at every wake, a command made one transaction and one
        // checkpoint write per subscriber (3.4–4.5 commits per assignHomework in the core bench). A pass
        // soon after one that moved waits out the window from that one's start, so the window's commits
        // come as one batch; a full batch (more waiting) does not wait, nor a pass after a quiet spell
        const wait = this.behind.size === 0 ? this.lastMovedAt + this.gather - Date.now() : 0;
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const passStartedAt = Date.now();
        // a poll reads every partition (following the log, and whatever a lost notification missed); a
        // wake reads the partitions it named and those behind: at every wake every partition was read,
        // 7 of 8 with nothing of their own in the core bench (620–810 reads a second)
        this.waker.take();
        const all = everyPartition || this.wakeAll;
        const partitions = all ? [...this.owned.keys()] : [...new Set([...this.news, ...this.behind])].filter((p) => this.owned.has(p));
        this.wakeAll = false;
        this.news.clear();
        this.behind.clear();
        let again = false;
        for (const p of partitions) {
          if (!this.running) break;
          const streak = this.streaks.get(p);
          // a failing partition waits out its own back-off; the others go on
          if (streak && Date.now() < streak.retryAt) continue;
          try {
            const read = await this.processPartition(p);
            if (read !== 'none') this.lastMovedAt = passStartedAt;
            if (read === 'full') this.behind.add(p);
            if (streak) this.endStreak(p, true);
          } catch (err) {
            if (!(err instanceof SubscriptionOwnershipLostError)) {
              this.batchFailed(p, err);
              continue;
            }
            this.ownershipLosses += 1;
            this.logger.warn(`subscriber ${this.name}: ${this.k === 1 ? 'its checkpoint' : `partition ${p}`} was moved on by another runner; standing down`);
            await this.release(p);
            again = true; // take it again at once, from the other runner's checkpoint, if it is free
          }
        }
        this.failures = 0;
        this.lastError = null;
        everyPartition = again;
        if (!again && this.behind.size === 0) {
          const untilCount = this.takeover - (Date.now() - this.lastCount);
          const woken = await this.sleep(this.owned.size === 0 ? Math.max(10, untilCount) : Math.min(this.poll, Math.max(10, untilCount)));
          everyPartition = !woken;
        }
      } catch (err) {
        this.failures += 1;
        this.lastError = err instanceof Error ? err.message : String(err);
        const backoff = Math.min(this.maxBackoff, 100 * 2 ** Math.min(this.failures, 12));
        this.logger.error(`subscriber ${this.name}: ${this.lastError}; retrying in ${backoff} ms`);
        await this.sleep(backoff);
      }
    }
  }

  /**
   * Opens the dedicated session; with K > 1 also the shared subscriber lock and a membership slot.
   * False while a single owner (K = 1) holds the subscriber: this runner waits, holding nothing.
   */
  private async ensureSession(): Promise<boolean> {
    if (this.session && (this.k === 1 || this.member !== null)) return true;
    if (!this.session) {
      const client = await this.options.connect();
      client.on('error', (err) => this.lost(client, err));
      client.on('end', () => this.lost(client));
      client.on('notification', (msg) => this.heard(msg.payload));
      try {
        await client.query(`LISTEN ${this.options.store.notifier.channel}`);
      } catch (err) {
        await closeQuietly(client);
        throw err;
      }
      this.session = client;
      this.lastCount = 0;
    }
    if (this.k === 1) return true;
    const { rows } = await this.session.query<{ shared: boolean; slot: number | null }>(
      `SELECT s.shared,
              CASE WHEN s.shared THEN (SELECT i FROM generate_series(0, $2::int - 1) i
                 WHERE pg_try_advisory_lock(hashtextextended('subscription-member:' || $3 || ':' || i, 0)) LIMIT 1) END AS slot
         FROM (SELECT pg_try_advisory_lock_shared(hashtextextended('subscription:' || $1, 0)) AS shared) s`,
      [this.name, MEMBER_SLOTS, this.memberGroup],
    );
    if (!rows[0]?.shared) {
      this.lastCount = Date.now();
      return false;
    }
    if (rows[0].slot === null) throw new Error(`more than ${MEMBER_SLOTS} runners run ${this.name}`);
    this.member = rows[0].slot;
    return true;
  }

  private lost(client: pg.Client, err?: Error): void {
    if (client !== this.session) return;
    if (this.owned.size > 0) {
      this.logger.warn(`subscriber ${this.name}: lock session lost${err ? ` (${err.message})` : ''}; partitions ${[...this.owned.keys()].join(',')} given up`);
    }
    this.session = null;
    this.member = null;
    this.endAllStreaks();
    this.owned.clear();
    this.written.clear();
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.nudge();
  }

  private async dropSession(): Promise<void> {
    const client = this.session;
    this.session = null;
    this.member = null;
    this.endAllStreaks();
    this.owned.clear();
    this.written.clear();
    if (client) await closeQuietly(client);
  }

  /** Counts the live members; takes free partitions up to the fair share, gives back the excess. */
  private async rebalance(): Promise<void> {
    const session = this.session!;
    this.lastCount = Date.now();
    let share = 1;
    if (this.k > 1) {
      const { rows } = await session.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM generate_series(0, $2::int - 1) i
           JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.classid::bigint = ((hashtextextended('subscription-member:' || $1 || ':' || i, 0) >> 32) & 4294967295)
            AND l.objid::bigint = (hashtextextended('subscription-member:' || $1 || ':' || i, 0) & 4294967295)`,
        [this.memberGroup, MEMBER_SLOTS],
      );
      this.workers = Math.max(1, rows[0]!.n);
      share = Math.ceil(this.k / this.workers);
      // give back the excess first (a newcomer is waiting for it), highest partitions first
      for (const p of [...this.owned.keys()].sort((a, b) => b - a)) {
        if (this.owned.size <= share) break;
        await this.release(p);
      }
    }
    if (this.owned.size >= share) return;
    // take free ones, starting at a place of our own so runners don't all race for partition 0
    for (let i = 0; i < this.k && this.owned.size < share; i++) {
      const p = (i + (this.member ?? 0) * share) % this.k;
      if (this.owned.has(p)) continue;
      const { rows: got } = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [this.lockKey(p)]);
      if (!got[0]?.locked) continue;
      try {
        const at = await this.loadCheckpoint(p);
        this.owned.set(p, at);
        this.news.add(p);
        this.written.set(p, { at, when: Date.now() });
      } catch (err) {
        await this.release(p);
        throw err;
      }
      const from = this.owned.get(p)!;
      this.logger.log(
        this.k === 1
          ? `subscriber ${this.name}: owner from ${fmt(from)}`
          : `subscriber ${this.name}: took partition ${p} from ${fmt(from)} (${this.owned.size} of ${this.k}, ${this.workers} runner(s))`,
      );
    }
  }

  private async release(p: number): Promise<void> {
    this.endStreak(p, false);
    this.owned.delete(p);
    this.written.delete(p);
    await this.session?.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.lockKey(p)]).catch(() => undefined);
  }

  /**
   * The partition's checkpoint, created on first use. A partition of K > 1 starts where the
   * subscriber's single-owner checkpoint stands (turning partitions on re-applies nothing); a runner
   * whose K differs from the checkpoints already there refuses.
   */
  private async loadCheckpoint(p: number): Promise<Checkpoint> {
    const name = this.checkpointName(p);
    const mine = await this.readCheckpoint(name);
    if (mine) return mine;
    const { rows: others } = await this.options.pool.query<{ name: string }>(
      `SELECT name FROM subscription_checkpoints WHERE name LIKE $1 || '#%' AND name NOT LIKE $1 || '#%/' || $2 LIMIT 1`,
      [this.name.replace(/[\\%_]/g, (c) => `\\${c}`), String(this.k)],
    );
    if (others[0]) throw new SubscriptionPartitionsChangedError(this.name, this.k, others[0].name);
    await this.options.pool.query(
      `INSERT INTO subscription_checkpoints (name, transaction_id, position)
       SELECT $1, coalesce((SELECT transaction_id FROM subscription_checkpoints WHERE name = $2), '0'),
                  coalesce((SELECT position FROM subscription_checkpoints WHERE name = $2), 0)
       ON CONFLICT (name) DO NOTHING`,
      [name, this.name],
    );
    return (await this.readCheckpoint(name))!;
  }

  private async readCheckpoint(name: string): Promise<Checkpoint | null> {
    const { rows } = await this.options.pool.query<{ transaction_id: string; position: string }>(
      'SELECT transaction_id::text AS transaction_id, position FROM subscription_checkpoints WHERE name = $1',
      [name],
    );
    return rows[0] ? { transactionId: rows[0].transaction_id, position: Number(rows[0].position) } : null;
  }

  /** Reads and applies one batch of partition p: `full` when it took a whole batch, `none` when the log had nothing new for it. */
  private async processPartition(p: number): Promise<'full' | 'moved' | 'none'> {
    const from = this.owned.get(p) ?? START;
    const limit = this.subscriber.batchSize ?? 200;
    const batch = await this.options.store.readPartition({
      after: from,
      limit,
      partitions: this.k,
      partition: p,
      ...(this.subscriber.eventTypes ? { types: this.subscriber.eventTypes } : {}),
      metadataOnly: this.subscriber.reads === 'metadata',
    });
    this.reads += 1;
    const moved = !sameCheckpoint(batch.checkpoint, from);
    if (batch.events.length === 0) {
      // nothing to handle: the checkpoint follows the log here, and in the table now and then
      if (moved && this.owned.has(p)) this.owned.set(p, batch.checkpoint);
      await this.writeFollowed(p);
      if (!moved) return 'none';
    } else {
      const written = this.written.get(p)?.at ?? from;
      await this.options.store.inOwnTransaction(null, async (tx) => {
        await this.subscriber.handle(batch.events, tx);
        await this.writeCheckpoint(tx, p, written, batch.checkpoint);
      });
      if (this.owned.has(p)) {
        this.owned.set(p, batch.checkpoint);
        this.written.set(p, { at: batch.checkpoint, when: Date.now() });
      }
    }
    this.processed += batch.read;
    this.lastBatchAt = new Date();
    return batch.read >= limit ? 'full' : 'moved';
  }

  /** Writes a partition's checkpoint that only followed the log, once `followWriteMs` has passed since the last write. */
  private async writeFollowed(p: number): Promise<void> {
    const at = this.owned.get(p);
    const written = this.written.get(p);
    if (!at || !written || sameCheckpoint(at, written.at) || Date.now() - written.when < this.followWrite) return;
    await this.writeCheckpoint(this.options.pool, p, written.at, at);
    if (this.owned.has(p)) this.written.set(p, { at, when: Date.now() });
  }

  /**
   * Moves the checkpoint from where this runner last wrote it: if it is not there, another runner
   * owns the partition now and this one stands down (fencing).
   */
  private async writeCheckpoint(q: Queryable, p: number, from: Checkpoint, to: Checkpoint): Promise<void> {
    const moved = await q.query(
      `UPDATE subscription_checkpoints SET transaction_id = $2::xid8, position = $3, updated_at = now()
        WHERE name = $1 AND transaction_id = $4::xid8 AND position = $5`,
      [this.checkpointName(p), to.transactionId, to.position, from.transactionId, from.position],
    );
    if (moved.rowCount !== 1) throw new SubscriptionOwnershipLostError(this.name);
  }

  /** Partition p's batch failed: counted, told, logged (ERROR when a streak starts, WARN every `warnEveryFailures`), retried after a back-off. */
  private batchFailed(p: number, err: unknown): void {
    const error = err instanceof Error ? err.message : String(err);
    const failures = (this.streaks.get(p)?.failures ?? 0) + 1;
    const backoff = Math.min(this.maxBackoff, 100 * 2 ** Math.min(failures, 12));
    this.streaks.set(p, { failures, error, retryAt: Date.now() + backoff });
    const checkpoint = this.owned.get(p) ?? START;
    this.tell((o) => o.batchFailed?.({ subscriber: this.name, partition: p, checkpoint, failures, error }));
    const where = `subscriber ${this.name} partition ${p}/${this.k} at ${fmt(checkpoint)}`;
    if (failures === 1) this.logger.error(`${where}: batch failed: ${error}; retrying in ${backoff} ms`);
    else if ((failures - 1) % this.warnEvery === 0) this.logger.warn(`${where}: batch still failing (${failures} failures in a row): ${error}; retrying in ${backoff} ms`);
  }

  /** Partition p's failure streak (if any) is over: a batch committed, or p left this runner. */
  private endStreak(p: number, recovered: boolean): void {
    const streak = this.streaks.get(p);
    if (!streak) return;
    this.streaks.delete(p);
    const checkpoint = this.owned.get(p) ?? START;
    this.tell((o) => o.streakEnded?.({ subscriber: this.name, partition: p, checkpoint, failures: streak.failures, recovered }));
    const where = `subscriber ${this.name} partition ${p}/${this.k}`;
    if (recovered) this.logger.log(`${where}: recovered at ${fmt(checkpoint)} after ${streak.failures} failed batch(es)`);
    else this.logger.warn(`${where}: given up by this runner after ${streak.failures} failed batch(es) (last: ${streak.error})`);
  }

  private endAllStreaks(): void {
    for (const p of [...this.streaks.keys()]) this.endStreak(p, false);
  }

  private tell(call: (o: SubscriptionObserver) => void): void {
    if (!this.options.observer) return;
    try {
      call(this.options.observer);
    } catch {
      // metrics must not stop the subscriber
    }
  }

  private sleep(ms: number): Promise<boolean> {
    return this.running ? this.waker.sleep(ms) : Promise.resolve(true);
  }
}

async function closeQuietly(client: pg.Client): Promise<void> {
  client.removeAllListeners();
  client.on('error', () => undefined);
  // closing the session releases its advisory locks
  await client.end().catch(() => undefined);
}

function sameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  return a.transactionId === b.transactionId && a.position === b.position;
}

function fmt(c: Checkpoint): string {
  return `(${c.transactionId}, ${c.position})`;
}
