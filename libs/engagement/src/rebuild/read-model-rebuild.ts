import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type pg from 'pg';
import { EVENT_COLUMNS, START, type Checkpoint, type EventRow, type PostgresEventStore, type Queryable, type StoredEvent } from '#event-store';
import { ENGAGEMENT_EVENT_TYPES } from '../domain/events.js';
import { EngagementProjector } from '../read/engagement-projector.js';
import { BulkWriter, insertStatements, ReadModelFold, UnsupportedEvent, UnsupportedValue } from '../read/read-model-fold.js';
import { LIVE_SCHEMA, SHADOW_SCHEMA, ShadowTables } from './shadow-tables.js';

/** The engagement read models: projected inline by every command, rebuilt together. */
export const ENGAGEMENT_READ_MODELS = ['engagements', 'homework', 'drafts', 'feedback', 'coaching_sessions', 'job_search_stats'] as const;

export interface RebuildOptions {
  /** the event store on the service role's pool: reads the log through its SECURITY DEFINER function */
  store: PostgresEventStore;
  /** the service role's pool, for the reads of the swap (`event_store_read_committed`) */
  readPool: pg.Pool;
  /** the schema owner's pool (concurrency + 3 connections): creates, fills and swaps the tables */
  owner: pg.Pool;
  /** connections writing the bulk load's rows, or applying events, at once (each one a share of the streams); default 4 */
  concurrency?: number;
  /** events read per round trip; default 5000 */
  batchSize?: number;
  /**
   * heap (bytes, V8's heapUsed) past which the first pass writes what it folded and applies the rest of the log
   * event by event; default the heap in use when it starts plus half of V8's limit (at most 3/4 of the limit)
   */
  bulkHeapBudget?: number;
  /** keep the replaced tables in schema rebuild_previous (until the next rebuild) instead of dropping them */
  keepPrevious?: boolean;
  log?: (line: string) => void;
  /** test seams: run while the rebuild stands at these points */
  hooks?: RebuildHooks;
}

export interface RebuildHooks {
  /** the copies hold the log up to the end of the first pass */
  afterLoad?(): Promise<void>;
  /** caught up again; the swap is next */
  beforeSwap?(): Promise<void>;
  /** the live tables are locked; the last events are not applied yet */
  whileLocked?(): Promise<void>;
}

export interface RebuildReport {
  /** events of the log read by the first pass (all types) and the engagement events among them */
  loaded: { events: number; applied: number; seconds: number; eventsPerSecond: number };
  /** events caught up between the first pass and the swap (including inside the swap) */
  caughtUp: number;
  /** indexes, foreign keys and statistics built after the load */
  completeSeconds: number;
  swap: { attempts: number; finalEvents: number; lockedMs: number; waitedMs: number };
  totalSeconds: number;
}

export interface TableComparison {
  table: string;
  live: { rows: number; md5: string };
  rebuilt: { rows: number; md5: string };
  equal: boolean;
}

const LOCK_TIMEOUT_MS = 500;
const MAX_SWAP_ATTEMPTS = 40;
/** rows per INSERT of the bulk load: big enough that round trips do not count, small enough to stream */
const BULK_CHUNK_ROWS = 20_000;

/**
 * Rebuilds the engagement read models blue/green, while the live ones keep
 * serving reads and writes:
 *
 * 1. copies of the six tables, empty, in schema `rebuild`, with their keys
 *    and b-tree indexes (the projector looks rows up by them);
 * 2. the whole log, read in commit-safe order (readAll), folded in memory
 *    into the tables' final rows and written by multi-row INSERTs on several
 *    connections (read/read-model-fold.ts: the projector's statements mirrored on rows
 *    held in memory); where the fold cannot mirror them, the log applied by
 *    the same EngagementProjector that projects every command instead,
 *    several connections at once, each owning a share of the streams (a
 *    stream's events touch only its own rows, so shares never meet);
 * 3. their other indexes, foreign keys, policies and statistics built;
 * 4. catch-up with what was committed meanwhile;
 * 5. one transaction: ACCESS EXCLUSIVE locks on the live tables (tried for
 *    LOCK_TIMEOUT_MS, less than PostgreSQL's deadlock timeout, so a reader
 *    holding one table while wanting another makes us back off instead of
 *    failing it; retried after another catch-up), then every event committed
 *    by now and not yet applied, then the swap (ShadowTables.swap).
 *
 * Why step 5 is exact: a writer that projected into the live tables has
 * committed before our locks were granted, so its events are visible to the
 * read that follows; that read does not stop at the oldest running
 * transaction as readAll does (those writers are waiting for us and cannot
 * commit). A writer that has not projected yet waits on our locks; once we
 * commit, PostgreSQL resolves its table names again and it projects its own
 * events into the new tables, as it would have into the old ones.
 */
export class ReadModelRebuild {
  private readonly shadow = new ShadowTables(ENGAGEMENT_READ_MODELS);
  private readonly projector = new EngagementProjector(SHADOW_SCHEMA);
  private readonly wanted = new Set<string>(ENGAGEMENT_EVENT_TYPES);
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly bulkHeapBudget: number | undefined;
  private readonly log: (line: string) => void;
  private checkpoint: Checkpoint = START;
  /** practices met in the log: what `verify` compares by default */
  private readonly practices = new Set<string>();

  constructor(private readonly options: RebuildOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.batchSize = options.batchSize ?? 5_000;
    this.bulkHeapBudget = options.bulkHeapBudget;
    this.log = options.log ?? (() => undefined);
  }

  /** Builds the copies from the log and swaps them in. */
  rebuild(): Promise<RebuildReport> {
    return this.alone(() => this.rebuildNow());
  }

  private async rebuildNow(): Promise<RebuildReport> {
    const started = performance.now();
    // what an earlier --keep-previous kept goes now: the swap moves the live tables there
    await this.shadow.dropRetired(queryable(this.options.owner));
    const { loaded, completeSeconds, caughtUp } = await this.build();
    await this.options.hooks?.beforeSwap?.();
    const swap = await this.swap();
    if (!this.options.keepPrevious) await this.shadow.dropRetired(queryable(this.options.owner));
    const report: RebuildReport = {
      loaded,
      caughtUp: caughtUp + swap.caughtUp,
      completeSeconds,
      swap: { attempts: swap.attempts, finalEvents: swap.finalEvents, lockedMs: swap.lockedMs, waitedMs: swap.waitedMs },
      totalSeconds: (performance.now() - started) / 1000,
    };
    this.log(
      `swapped in after ${swap.attempts} attempt(s): live tables locked for ${swap.lockedMs.toFixed(0)} ms ` +
        `(${swap.finalEvents} last event(s) applied inside the lock); replaced tables ${
          this.options.keepPrevious ? 'kept in schema rebuild_previous' : 'dropped'
        }`,
    );
    return report;
  }

  /**
   * Builds the copies from the log and compares them with the live tables,
   * row by row (md5 of the ordered rows), at one snapshot of the database:
   * the copies get exactly the events that snapshot shows as committed, the
   * live tables are read as that snapshot shows them. No lock; nothing
   * swapped; the copies are dropped. Practice by practice (row-level security
   * binds even the tables' owner): the given ones, or every practice of the log.
   */
  verify(practiceIds?: readonly string[]): Promise<TableComparison[]> {
    return this.alone(() => this.verifyNow(practiceIds));
  }

  private async verifyNow(practiceIds?: readonly string[]): Promise<TableComparison[]> {
    await this.build();
    const owner = await this.options.owner.connect();
    const reader = await this.options.readPool.connect();
    try {
      await owner.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const { rows } = await owner.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await reader.query(`SET TRANSACTION SNAPSHOT '${rows[0]!.snapshot}'`);
      await this.applyCommitted(queryable(reader), queryable(owner));
      const practices = [...(practiceIds ?? this.practices)].sort();
      const result: TableComparison[] = [];
      for (const table of ENGAGEMENT_READ_MODELS) {
        const live = await this.checksum(queryable(owner), LIVE_SCHEMA, table, practices);
        const rebuilt = await this.checksum(queryable(owner), SHADOW_SCHEMA, table, practices);
        result.push({ table, live, rebuilt, equal: live.rows === rebuilt.rows && live.md5 === rebuilt.md5 });
      }
      return result;
    } finally {
      await reader.query('ROLLBACK').catch(() => undefined);
      reader.release();
      await owner.query('ROLLBACK').catch(() => undefined);
      owner.release();
      await this.shadow.dropShadow(queryable(this.options.owner));
    }
  }

  /** One rebuild or verify at a time per database: they share the schema of the copies. */
  private async alone<T>(work: () => Promise<T>): Promise<T> {
    const lock = await this.options.owner.connect();
    try {
      const { rows } = await lock.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended('rebuild-projection:engagement', 0)) AS ok`);
      if (!rows[0]!.ok) throw new Error('another rebuild-projection of the engagement read models is running on this database');
      try {
        return await work();
      } finally {
        await lock.query(`SELECT pg_advisory_unlock(hashtextextended('rebuild-projection:engagement', 0))`);
      }
    } finally {
      lock.release();
    }
  }

  private async build(): Promise<{ loaded: RebuildReport['loaded']; completeSeconds: number; caughtUp: number }> {
    const owner = queryable(this.options.owner);
    await this.shadow.inspect(this.options.owner);
    await this.shadow.create(owner);
    this.log(`copies of ${ENGAGEMENT_READ_MODELS.join(', ')} created in schema ${SHADOW_SCHEMA}`);

    const t0 = performance.now();
    const first = await this.firstPass(owner);
    const seconds = (performance.now() - t0) / 1000;
    const loaded = { ...first, seconds, eventsPerSecond: seconds > 0 ? Math.round(first.events / seconds) : first.events };
    this.log(
      `loaded ${loaded.events} events (${loaded.applied} engagement events) in ${seconds.toFixed(2)} s: ${loaded.eventsPerSecond} events/s`,
    );
    await this.options.hooks?.afterLoad?.();

    const t1 = performance.now();
    await this.shadow.complete(owner);
    const completeSeconds = (performance.now() - t1) / 1000;
    this.log(`indexes, foreign keys, policies and statistics built in ${completeSeconds.toFixed(2)} s`);

    const again = await this.catchUp();
    this.log(`caught up with ${again.events} event(s) committed meanwhile`);
    return { loaded, completeSeconds, caughtUp: again.events };
  }

  /**
   * Step 2: the log up to now into the empty copies, set-based (read/read-model-fold.ts:
   * folded in memory, written by multi-row INSERTs). Where the fold cannot
   * mirror the projector for certain, or its rows break a key, the copies are
   * made again and the log applied event by event, so the projector decides
   * (and fails where it fails).
   */
  private async firstPass(owner: Queryable): Promise<{ events: number; applied: number }> {
    const from = this.checkpoint;
    try {
      return await this.bulkLoad();
    } catch (err) {
      if (!(err instanceof UnsupportedEvent || err instanceof UnsupportedValue || isConstraintViolation(err))) throw err;
      this.log(`bulk load not possible (${(err as Error).message}): applying the log event by event instead`);
      await this.shadow.create(owner);
      this.checkpoint = from;
      return this.catchUp();
    }
  }

  /**
   * Reads the log as catchUp does (same order, same checkpoint at the end) and
   * folds it; drafts, feedback and sessions are written as they come, the
   * rows later events still change once the log is read.
   */
  private async bulkLoad(): Promise<{ events: number; applied: number }> {
    const rssBefore = process.memoryUsage().rss;
    // by default the fold may add half of V8's limit to the heap the process already uses (a CLI process uses
    // little; one that has run much else — a test runner — may hold gigabytes already), never past 3/4 of the limit
    const limit = getHeapStatistics().heap_size_limit;
    const heapCeiling = this.bulkHeapBudget ?? Math.min(process.memoryUsage().heapUsed + limit / 2, limit * 0.75);
    const started = performance.now();
    const fold = new ReadModelFold();
    const writer = new BulkWriter(this.options.owner, this.concurrency);
    let events = 0;
    let applied = 0;
    let checkpoint = this.checkpoint;
    let overBudget = false;
    try {
      const read = (after: Checkpoint) => this.options.store.readAll({ after, limit: this.batchSize });
      let next = read(checkpoint);
      for (;;) {
        const batch = await next;
        if (batch.events.length === 0) break;
        next = read(batch.checkpoint); // read ahead while this batch is folded
        next.catch(() => undefined);
        for (const e of batch.events) {
          if (!this.wanted.has(e.type)) continue;
          fold.apply(e);
          this.practices.add(e.metadata.practiceId);
          applied += 1;
        }
        for (const s of fold.takeFinished(SHADOW_SCHEMA, BULK_CHUNK_ROWS)) await writer.push(s);
        events += batch.events.length;
        checkpoint = batch.checkpoint;
        // the rows written now are the projector's at this checkpoint: it can take over from here
        if (process.memoryUsage().heapUsed > heapCeiling) {
          overBudget = true;
          break;
        }
      }
      const readAt = performance.now();
      const folded = process.memoryUsage().rss;
      for (const s of insertStatements(fold, SHADOW_SCHEMA, BULK_CHUNK_ROWS)) await writer.push(s);
      const rows = await writer.finish();
      this.checkpoint = checkpoint;
      const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
      const s = (from: number, to: number) => `${((to - from) / 1000).toFixed(2)} s`;
      this.log(
        `bulk load: ${applied} engagement events folded into ${rows} rows (log read and folded in ${s(started, readAt)}, ` +
          `the rest written in ${s(readAt, performance.now())}); rss ${mb(rssBefore)} before, ${mb(folded)} folded, ${mb(process.memoryUsage().rss)} after`,
      );
      if (!overBudget) return { events, applied };
      this.log(`bulk load stopped at its heap budget (${mb(heapCeiling)}): applying the rest of the log event by event`);
      const rest = await this.catchUp();
      return { events: events + rest.events, applied: applied + rest.applied };
    } catch (err) {
      await writer.settle();
      throw err;
    }
  }

  /** Reads the log in commit-safe order from the checkpoint until nothing is left; applies it. */
  private async catchUp(): Promise<{ events: number; applied: number }> {
    let events = 0;
    let applied = 0;
    const read = (after: Checkpoint) => this.options.store.readAll({ after, limit: this.batchSize });
    let next = read(this.checkpoint);
    for (;;) {
      const batch = await next;
      if (batch.events.length === 0) break;
      next = read(batch.checkpoint); // read ahead while this batch is applied
      next.catch(() => undefined); // (awaited next round; not an unhandled rejection if applying fails first)
      applied += await this.applyInParallel(batch.events);
      events += batch.events.length;
      this.checkpoint = batch.checkpoint;
    }
    return { events, applied };
  }

  /** One transaction per share of the streams, all at once; returns how many engagement events it applied. */
  private async applyInParallel(events: readonly StoredEvent[]): Promise<number> {
    const shares: StoredEvent[][] = Array.from({ length: this.concurrency }, () => []);
    let applied = 0;
    for (const e of events) {
      if (!this.wanted.has(e.type)) continue;
      shares[share(e.streamId, this.concurrency)]!.push(e);
      this.practices.add(e.metadata.practiceId);
      applied += 1;
    }
    await Promise.all(
      shares
        .filter((s) => s.length > 0)
        .map(async (share) => {
          const client = await this.options.owner.connect();
          try {
            // the copies can always be rebuilt: no need to wait for the WAL flush
            await client.query('BEGIN; SET LOCAL synchronous_commit = off');
            await this.projector.apply(queryable(client), share);
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw err;
          } finally {
            client.release();
          }
        }),
    );
    return applied;
  }

  /**
   * Every event committed after the checkpoint as `reader` sees it, applied
   * through `writer` (in the caller's transaction); not held back by running
   * transactions (see the class comment for when that is right).
   */
  private async applyCommitted(reader: Queryable, writer: Queryable): Promise<number> {
    let count = 0;
    for (;;) {
      const { rows } = await reader.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM event_store_read_committed($1::xid8, $2::bigint, $3::int)`,
        [this.checkpoint.transactionId, this.checkpoint.position, this.batchSize],
      );
      if (rows.length === 0) return count;
      const events = await this.options.store.toStoredAll(rows, reader);
      const wanted = events.filter((e) => this.wanted.has(e.type));
      for (const e of wanted) this.practices.add(e.metadata.practiceId);
      if (wanted.length) await this.projector.apply(writer, wanted);
      count += rows.length;
      const last = rows[rows.length - 1]!;
      this.checkpoint = { transactionId: last.transaction_id, position: Number(last.position) };
    }
  }

  private async swap(): Promise<{ attempts: number; finalEvents: number; lockedMs: number; waitedMs: number; caughtUp: number }> {
    let caughtUp = 0;
    for (let attempt = 1; ; attempt++) {
      const client = await this.options.owner.connect();
      const checkpoint = this.checkpoint;
      let broken = false;
      try {
        const t0 = performance.now();
        await client.query(`BEGIN; SET LOCAL lock_timeout = '${LOCK_TIMEOUT_MS}ms'`);
        await client.query(`LOCK TABLE ${this.shadow.live} IN ACCESS EXCLUSIVE MODE`);
        const locked = performance.now();
        await this.options.hooks?.whileLocked?.();
        const finalEvents = await this.applyCommitted(queryable(this.options.readPool), queryable(client));
        await this.shadow.swap(queryable(client));
        await client.query('COMMIT');
        const done = performance.now();
        return { attempts: attempt, finalEvents, lockedMs: done - locked, waitedMs: locked - t0, caughtUp: caughtUp + finalEvents };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        // whatever this attempt applied was rolled back with it
        this.checkpoint = checkpoint;
        const code = (err as { code?: string }).code;
        // lock_not_available (our lock_timeout) or deadlock_detected: someone holds a table; let them finish
        if ((code !== '55P03' && code !== '40P01') || attempt >= MAX_SWAP_ATTEMPTS) throw err;
        this.log(`swap attempt ${attempt}: live tables busy (${code}); catching up and trying again`);
        caughtUp += (await this.catchUp()).events;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
      } finally {
        client.release(broken);
      }
    }
  }

  /** Row count and md5 of the ordered rows of one table's rows of these practices. */
  private async checksum(tx: Queryable, schema: string, table: string, practices: readonly string[]): Promise<{ rows: number; md5: string }> {
    const columns = this.shadow.columns(table).map((c) => `t.${quote(c)}`).join(', ');
    let rows = 0;
    const parts: string[] = [];
    for (const practiceId of practices) {
      await tx.query("SELECT set_config('app.practice_id', $1, true)", [practiceId]);
      const { rows: r } = await tx.query<{ n: string; md5: string }>(
        `SELECT count(*) AS n, md5(coalesce(string_agg(s.r, E'\\n' ORDER BY s.r), '')) AS md5
           FROM (SELECT ROW(${columns})::text AS r FROM ${schema}.${quote(table)} t WHERE t.practice_id = $1) s`,
        [practiceId],
      );
      rows += Number(r[0]!.n);
      parts.push(r[0]!.md5);
    }
    const { rows: combined } = await tx.query<{ md5: string }>('SELECT md5($1) AS md5', [parts.join(',')]);
    return { rows, md5: combined[0]!.md5 };
  }
}

/** integrity_constraint_violation: a key the folded rows break, as the projector's statements would have */
function isConstraintViolation(err: unknown): boolean {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('23');
}

/** Which connection applies a stream's events (FNV-1a of its id). */
function share(streamId: string, shares: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < streamId.length; i++) {
    h ^= streamId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shares;
}

/** node-postgres' client or pool in the store's Queryable shape. */
function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return { query: (text, values) => client.query(text, values) as never };
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
