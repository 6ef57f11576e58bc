import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { EventStoreInputError, WrongExpectedVersionError } from './errors.js';
import { EventNotifier } from './event-notifier.js';
import { PersonalDataSealing } from './personal-data-sealing.js';
import { practiceOrScoped } from './practice-scope.js';
import { inline, inTransaction } from './transaction.js';
import { UpcasterRegistry } from './upcasters.js';
import { validateAppend, validateStreamId } from './validation.js';
import {
  START,
  type AppendOptions,
  type AppendResult,
  type Checkpoint,
  type EventMetadata,
  type ExpectedVersion,
  type NewEvent,
  type Queryable,
  type ReadAllOptions,
  type ReadAllResult,
  type ReadPartitionOptions,
  type ReadPartitionResult,
  type ReadStreamOptions,
  type StoredEvent,
  type TransactionHandle,
} from './types.js';

export interface EventStoreOptions {
  upcasters?: UpcasterRegistry;
  /** NOTIFY channel that wakes subscribers after a commit */
  channel?: string;
  /** seals personal fields on append, opens them on read (default: one with no rules, which seals nothing) */
  sealing?: PersonalDataSealing;
}

/** An `events` row as EVENT_COLUMNS selects it. */
export interface EventRow extends Record<string, unknown> {
  event_id: string;
  stream_id: string;
  version: number;
  position: string;
  transaction_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  occurred_at: Date;
}

/** The columns of an event as readers select them (transaction id as text: xid8 has no JS type). */
export const EVENT_COLUMNS =
  'event_id, stream_id, version, position, transaction_id::text AS transaction_id, type, schema_version, data, metadata, occurred_at';

/**
 * An append written out for the caller's round trip (`prepareAppend`): one statement calling
 * event_store_append (schema.ts: practice-scoped, conflict = fewer rows).
 */
export interface PreparedAppend {
  /** the statement, values written in as literals */
  statement: string;
  /** the append's result from the statement's rows */
  result(rows: readonly Record<string, unknown>[]): AppendResult;
  /** what a failure of the round trip that carried the statement means: a WrongExpectedVersionError, else the failure itself */
  failure(err: unknown): Promise<unknown>;
}

/** See event_store_append in schema.ts: one statement, practice-scoped, conflict = fewer rows. */
const APPEND_SQL = 'SELECT out_position AS position, out_version AS version FROM event_store_append($1, $2::jsonb, $3, $4)';

/** APPEND_SQL with an idempotency key ($5 actor, $6 key): its record gets the versions in the same statement (the CTE runs once, read or not). */
const APPEND_KEYED_SQL = `WITH appended AS (${APPEND_SQL}),
  recorded AS (UPDATE event_idempotency SET first_version = (SELECT min(version) FROM appended),
                 last_version = (SELECT max(version) FROM appended),
                 positions = (SELECT array_agg(position ORDER BY version) FROM appended)
               WHERE practice_id = $3 AND actor_id = $5 AND idempotency_key = $6)
  SELECT position, version FROM appended`;

export class PostgresEventStore {
  readonly upcasters: UpcasterRegistry;
  readonly notifier: EventNotifier;
  readonly sealing: PersonalDataSealing;

  constructor(
    private readonly pool: Pool,
    options: EventStoreOptions = {},
  ) {
    this.upcasters = options.upcasters ?? new UpcasterRegistry();
    this.sealing = options.sealing ?? new PersonalDataSealing();
    this.notifier = new EventNotifier(pool, options.channel);
  }

  /**
   * Appends events to a stream at the expected version, atomically. Runs in the
   * caller's transaction when `options.tx` is given (after an error that
   * transaction is aborted: the caller rolls it back), otherwise in its own.
   * Personal fields are sealed first (`sealing`); a field of an erased person
   * is stored, and replaced in `events`, as "[erased]".
   */
  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const sealed = await this.sealed(streamId, events, options.expectedVersion, options.tx ?? null);
    const payload = this.payload(streamId, sealed, options);
    const practiceId = events[0]!.metadata.practiceId;

    if (options.tx) {
      const result = await this.appendIn(options.tx, streamId, payload, practiceId, options);
      if (!result.replayed) options.tx.afterCommit?.(() => this.notifier.poke(practiceId));
      return result;
    }
    if (options.idempotencyKey === undefined) {
      // a single atomic statement needs no transaction block: one round trip
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await this.appendIn(this.pool, streamId, payload, practiceId, options);
          this.notifier.poke(practiceId);
          return result;
        } catch (err) {
          // 'any' only loses to a writer that expected a version: try again at the new end
          const retry = options.expectedVersion === 'any' && err instanceof WrongExpectedVersionError && attempt < 5;
          if (!retry) throw err;
        }
      }
    }
    const result = await this.inOwnTransaction(practiceId, (tx) => this.appendIn(tx, streamId, payload, practiceId, options));
    if (!result.replayed) this.notifier.poke(practiceId);
    return result;
  }

  /**
   * Appends to several streams of one practice in one statement, inside the
   * caller's transaction (all or nothing). For batch writers: the same checks
   * per stream as `append`. Idempotency keys are not supported here.
   */
  async appendMany(
    batches: readonly { streamId: string; events: readonly NewEvent[]; expectedVersion: ExpectedVersion }[],
    tx: TransactionHandle,
  ): Promise<Map<string, { firstVersion: number; nextVersion: number; positions: number[] }>> {
    const result = new Map<string, { firstVersion: number; nextVersion: number; positions: number[] }>();
    if (batches.length === 0) return result;
    const practiceId = batches[0]!.events[0]?.metadata.practiceId;
    const items: string[] = [];
    for (const b of batches) {
      if (b.events[0]?.metadata.practiceId !== practiceId) {
        throw new EventStoreInputError('batches', 'all streams of one appendMany belong to one practice');
      }
      const expected = b.expectedVersion === 'any' ? null : b.expectedVersion === 'no_stream' ? 0 : b.expectedVersion;
      const sealed = await this.sealed(b.streamId, b.events, b.expectedVersion, tx);
      items.push(`{"stream":${JSON.stringify(b.streamId)},"expected":${expected === null ? 'null' : expected},"events":${this.payload(b.streamId, sealed, { expectedVersion: b.expectedVersion })}}`);
    }
    let rows: { out_stream: string; out_position: string; out_version: number }[];
    try {
      rows = (
        await tx.query<{ out_stream: string; out_position: string; out_version: number }>(
          'SELECT out_stream, out_position, out_version FROM event_store_append_many($1::jsonb, $2)',
          [`[${items.join(',')}]`, practiceId],
        )
      ).rows;
    } catch (err) {
      throw (await appendError(err, '(one of a batch)', null, async () => 0)) ?? err;
    }
    for (const r of rows) {
      const entry = result.get(r.out_stream) ?? { firstVersion: r.out_version, nextVersion: r.out_version, positions: [] };
      entry.firstVersion = Math.min(entry.firstVersion, r.out_version);
      entry.nextVersion = Math.max(entry.nextVersion, r.out_version);
      entry.positions.push(Number(r.out_position));
      result.set(r.out_stream, entry);
    }
    tx.afterCommit?.(() => this.notifier.poke(practiceId));
    return result;
  }

  /** The events with their personal fields sealed (keys made in `tx`, or in a transaction of their own). */
  private async sealed(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion, tx: TransactionHandle | null): Promise<readonly NewEvent[]> {
    if (!this.sealing.active || !Array.isArray(events) || events.length === 0) return events;
    const practiceId = events[0]?.metadata?.practiceId;
    if (typeof practiceId !== 'string') return events; // validation names the problem
    validateStreamId(streamId);
    const newStream = expected === 'no_stream' || expected === 0;
    if (tx) return this.sealing.seal(() => tx, practiceId, streamId, events, newStream);
    // outside a transaction: a key made here and not used (the append fails) is harmless
    return this.sealing.seal(() => Promise.reject(NEEDS_DATABASE), practiceId, streamId, events, newStream).catch((err: unknown) => {
      if (err !== NEEDS_DATABASE) throw err;
      return this.inOwnTransaction(practiceId, (t) => this.sealing.seal(() => t, practiceId, streamId, events, newStream));
    });
  }

  /** The events as the JSON array the append functions take; data and metadata serialised (and checked) once. */
  private payload(streamId: string, events: readonly NewEvent[], options: AppendOptions): string {
    const serialised = validateAppend(streamId, events, options);
    return `[${events
      .map((e, i) => {
        const eventId = JSON.stringify(e.eventId ?? randomUUID());
        const schemaVersion = e.schemaVersion ?? this.upcasters.currentVersion(e.type);
        const { data, metadata } = serialised[i]!;
        return `{"ord":${i + 1},"event_id":${eventId},"type":${JSON.stringify(e.type)},"schema_version":${schemaVersion},"data":${data},"metadata":${metadata},"occurred_at":${JSON.stringify(e.metadata.occurredAt)}}`;
      })
      .join(',')}]`;
  }

  /**
   * The append written out for the caller's own round trip, inside its transaction: the caller
   * sends `statement` with its other writes (`Transaction.commitWith`: with its COMMIT), reads the
   * result from that statement's rows and passes a failure of the round trip to `failure`. With an
   * idempotency key the key is claimed here first (a round trip): an earlier append of the key
   * answers at once (`replayed`), and the statement records this one's versions under the key.
   */
  async prepareAppend(
    streamId: string,
    events: readonly NewEvent[],
    options: AppendOptions & { tx: TransactionHandle },
  ): Promise<PreparedAppend | AppendResult> {
    const sealed = await this.sealed(streamId, events, options.expectedVersion, options.tx);
    const payload = this.payload(streamId, sealed, options);
    const practiceId = events[0]!.metadata.practiceId;
    const prepared = await this.prepareIn(options.tx, streamId, payload, practiceId, options);
    if ('statement' in prepared) options.tx.afterCommit?.(() => this.notifier.poke(practiceId));
    return prepared;
  }

  private async appendIn(tx: Queryable, streamId: string, payload: string, practiceId: string, options: AppendOptions): Promise<AppendResult> {
    const prepared = await this.prepareIn(tx, streamId, payload, practiceId, options);
    if (!('statement' in prepared)) return prepared;
    let rows: Record<string, unknown>[];
    try {
      rows = (await tx.query(prepared.statement)).rows;
    } catch (err) {
      throw await prepared.failure(err);
    }
    return prepared.result(rows);
  }

  /** The append's one statement (see prepareAppend), or an earlier append's result when its key was claimed before. */
  private async prepareIn(
    tx: Queryable,
    streamId: string,
    payload: string,
    practiceId: string,
    options: AppendOptions,
  ): Promise<PreparedAppend | AppendResult> {
    const key = options.idempotencyKey;
    const actor = options.idempotencyActor ?? '';
    if (key !== undefined) {
      // Claim the key first: a concurrent twin waits here until we commit, then replays us.
      const claim = await tx.query(
        `INSERT INTO event_idempotency (practice_id, actor_id, idempotency_key, stream_id, request_hash)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1`,
        [practiceId, actor, key, streamId, options.requestHash ?? null],
      );
      if (claim.rowCount === 0) {
        const replay = await this.findIdempotent(practiceId, actor, key, tx);
        if (replay) return replay;
        throw new Error(`Idempotency key ${key} is claimed but has no result`);
      }
    }
    const expected =
      options.expectedVersion === 'any' ? null : options.expectedVersion === 'no_stream' ? 0 : options.expectedVersion;
    const statement = inline(key === undefined ? APPEND_SQL : APPEND_KEYED_SQL, [streamId, payload, practiceId, expected === null ? null : String(expected), actor, key ?? null]);
    return {
      statement,
      result: (found) => {
        const rows = (found as { position: string; version: number }[]).slice().sort((a, b) => a.version - b.version);
        return {
          streamId,
          firstVersion: rows[0]!.version,
          nextVersion: rows[rows.length - 1]!.version,
          positions: rows.map((r) => Number(r.position)),
          replayed: false,
          requestHash: options.requestHash ?? null,
        };
      },
      // lost a race for the same versions: the winner has committed (we waited for it)
      failure: async (err) => {
        const actual = () =>
          this.pool.query<{ v: number }>('SELECT event_store_stream_version($1, $2) AS v', [streamId, practiceId]).then((r) => r.rows[0]!.v);
        return (await appendError(err, streamId, expected, actual)) ?? err;
      },
    };
  }

  /** The committed result of an earlier append of this actor with this key, or null. */
  async findIdempotent(practiceId: string, actorId: string, key: string, tx: Queryable = this.pool): Promise<AppendResult | null> {
    const { rows } = await tx.query<{
      stream_id: string;
      first_version: number;
      last_version: number;
      positions: string[];
      request_hash: string | null;
    }>(
      `SELECT stream_id, first_version, last_version, positions, request_hash
       FROM event_idempotency WHERE practice_id = $1 AND actor_id = $2 AND idempotency_key = $3`,
      [practiceId, actorId, key],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      streamId: row.stream_id,
      firstVersion: row.first_version,
      nextVersion: row.last_version,
      positions: row.positions.map(Number),
      replayed: true,
      requestHash: row.request_hash,
    };
  }

  /**
   * The stream's version in its practice: 0 when it has no events. The practice is `practiceId`,
   * else the one the transaction is scoped to (`app.practice_id`, as row-level security reads it);
   * the statement names it, so it looks up one key of events_stream_version (a Citus cluster would
   * send it to one shard). With neither, the stream has no events (as row-level security answers).
   */
  async streamVersion(streamId: string, tx: Queryable = this.pool, practiceId?: string): Promise<number> {
    validateStreamId(streamId);
    validatePracticeOption(practiceId);
    // the planner looks up (practice_id, stream_id) in events_stream_version instead of walking the
    // whole index for the stream (PostgreSQL 15 has no skip scan), as the service role too: practice-scope.ts
    const { rows } = await tx.query<{ v: number }>(
      `SELECT coalesce(max(version), 0)::int AS v FROM events WHERE practice_id = ${practiceOrScoped(2)} AND stream_id = $1`,
      [streamId, practiceId ?? null],
    );
    return rows[0]!.v;
  }

  /** The stream's events from `fromVersion`, in its practice (`options.practiceId`, else the transaction's: see streamVersion). */
  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    validateStreamId(streamId);
    validatePracticeOption(options.practiceId);
    const from = options.fromVersion ?? 1;
    const max = options.maxCount ?? null;
    if (!Number.isSafeInteger(from) || from < 1) throw new EventStoreInputError('fromVersion', 'must be a whole number >= 1');
    if (max !== null && (!Number.isSafeInteger(max) || max < 1)) {
      throw new EventStoreInputError('maxCount', 'must be a whole number >= 1');
    }
    const { rows } = await (options.tx ?? this.pool).query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE practice_id = ${practiceOrScoped(2)} AND stream_id = $1 AND version >= $3 ORDER BY version LIMIT $4`,
      [streamId, options.practiceId ?? null, from, max],
    );
    return this.toStoredAll(rows, options.tx ?? this.pool);
  }

  /**
   * The global log in commit-safe order: only events of transactions below the
   * oldest still-running one (so a late commit can never be skipped), ordered
   * by (transaction id, position) — an order that no later commit can change.
   */
  async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const after = options.after ?? START;
    const limit = options.limit ?? 500;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
      throw new EventStoreInputError('limit', 'must be a whole number from 1 to 10000');
    }
    if (!/^\d+$/.test(after.transactionId) || !Number.isSafeInteger(after.position) || after.position < 0) {
      throw new EventStoreInputError('after', 'is not a checkpoint');
    }
    const { rows } = await (options.tx ?? this.pool).query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM event_store_read_all($1::xid8, $2::bigint, $3::int)`,
      [after.transactionId, after.position, limit],
    );
    const last = rows[rows.length - 1];
    const checkpoint: Checkpoint = last ? { transactionId: last.transaction_id, position: Number(last.position) } : after;
    return { events: await this.toStoredAll(ofTypes(rows, options.types), options.tx ?? this.pool), checkpoint };
  }

  /**
   * Partition `partition` of `partitions` of the log (an event's partition: `event_partition(practice,
   * k)`, FNV-1a of its practice mod k; `partitionOf` here computes the same), in the commit-safe
   * order of `readAll` below the same horizon. Its checkpoint is the last event returned when the
   * batch is full; otherwise the last event of the whole log below the horizon the read used
   * (everything of this partition up to there was returned), so a partition with nothing of its own
   * still moves on with the log. With one partition it is `readAll`.
   */
  async readPartition(options: ReadPartitionOptions): Promise<ReadPartitionResult> {
    const after = options.after ?? START;
    const limit = options.limit ?? 500;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
      throw new EventStoreInputError('limit', 'must be a whole number from 1 to 10000');
    }
    if (!Number.isInteger(options.partitions) || options.partitions < 1 || options.partitions > 1024) {
      throw new EventStoreInputError('partitions', 'must be a whole number from 1 to 1024');
    }
    if (!Number.isInteger(options.partition) || options.partition < 0 || options.partition >= options.partitions) {
      throw new EventStoreInputError('partition', `must be a whole number from 0 to ${options.partitions - 1}`);
    }
    if (!/^\d+$/.test(after.transactionId) || !Number.isSafeInteger(after.position) || after.position < 0) {
      throw new EventStoreInputError('after', 'is not a checkpoint');
    }
    const { rows } = await (options.tx ?? this.pool).query<EventRow & { tail_tx: string | null; tail_pos: string | null }>(
      `SELECT t.tail_transaction_id::text AS tail_tx, t.tail_position AS tail_pos, x.*
         FROM event_store_read_partition($1::xid8, $2::bigint, $3::int, $4::int, $5::int) t,
              LATERAL (SELECT ${EVENT_COLUMNS} FROM (SELECT (t.ev).*) s) x`,
      [after.transactionId, after.position, limit, options.partitions, options.partition],
    );
    const found = rows.filter((r) => r.event_id !== null);
    const last = found[found.length - 1];
    let checkpoint: Checkpoint = last ? { transactionId: last.transaction_id, position: Number(last.position) } : after;
    const tail = rows[0];
    if (found.length < limit && tail?.tail_tx) {
      const t: Checkpoint = { transactionId: tail.tail_tx, position: Number(tail.tail_pos) };
      if (compareCheckpoints(t, checkpoint) > 0) checkpoint = t;
    }
    // personal fields opened like readAll's (their keys loaded first: a sealed event cannot open without),
    // only for the events the reader takes, and only when it reads their data
    const taken = ofTypes(found, options.types);
    const events = options.metadataOnly ? taken.map((r) => this.withoutData(r)) : await this.toStoredAll(taken, options.tx ?? this.pool);
    return { events, checkpoint, read: found.length };
  }

  /**
   * A checkpoint at "now" for live readers that don't need the past: every
   * event of a transaction that is still running, or starts later, is after it.
   */
  async headCheckpoint(): Promise<Checkpoint> {
    const { rows } = await this.pool.query<{ tx: string }>(
      'SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::numeric - 1)::text AS tx',
    );
    return { transactionId: rows[0]!.tx, position: Number.MAX_SAFE_INTEGER };
  }

  /** Runs `fn` in a transaction of the store's own, scoped to one practice (row-level security). */
  inOwnTransaction<T>(practiceId: string | null, fn: (tx: TransactionHandle) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, practiceId, fn);
  }

  /** Rows of EVENT_COLUMNS as stored events: personal fields opened (the keys loaded through `q`), upcast. */
  async toStoredAll(rows: readonly EventRow[], q: Queryable): Promise<StoredEvent[]> {
    await this.sealing.prepare(
      rows.map((r) => r.data),
      q,
    );
    return rows.map((r) => this.toStored(r));
  }

  /** A row of EVENT_COLUMNS as a stored event without its data (`{}`): nothing opened, nothing upcast. */
  private withoutData(r: EventRow): StoredEvent {
    return { ...this.envelope(r), schemaVersion: r.schema_version, data: {} };
  }

  private envelope(r: EventRow): Omit<StoredEvent, 'schemaVersion' | 'data'> {
    return {
      eventId: r.event_id,
      streamId: r.stream_id,
      version: r.version,
      position: Number(r.position),
      transactionId: r.transaction_id,
      type: r.type,
      metadata: r.metadata,
      occurredAt: r.occurred_at,
    };
  }

  /**
   * A row of EVENT_COLUMNS as a stored event: its personal fields opened (or
   * "[erased]"), then upcast to its current shape. The keys of its sealed
   * fields must have been loaded (`toStoredAll` does).
   */
  toStored(r: EventRow): StoredEvent {
    const { data, version } = this.upcasters.upcast(r.type, r.schema_version, this.sealing.open(r.data), r.metadata);
    return { ...this.envelope(r), schemaVersion: version, data };
  }
}

/** The rows of these types (all without `types`): left out before their personal fields are opened. */
function ofTypes(rows: EventRow[], types: readonly string[] | undefined): EventRow[] {
  if (!types) return rows;
  const wanted = new Set(types);
  return rows.filter((r) => wanted.has(r.type));
}

function validatePracticeOption(practiceId: unknown): void {
  if (practiceId !== undefined && (typeof practiceId !== 'string' || practiceId.length === 0)) {
    throw new EventStoreInputError('practiceId', 'must be a non-empty string');
  }
}

/** The cached keys were not enough: the seal needs a transaction of its own. */
const NEEDS_DATABASE = Symbol('needs the database');

/**
 * The append functions' refusals as WrongExpectedVersionError (null: not one
 * of them): ES409 carries the versions; a unique violation on
 * events_stream_version means a writer that expected no version won the race.
 */
async function appendError(
  err: unknown,
  streamId: string,
  expected: number | null,
  actualVersion: () => Promise<number>,
): Promise<WrongExpectedVersionError | null> {
  const pgErr = err as { code?: string; detail?: string; constraint?: string };
  if (pgErr.code === 'ES409') {
    const d = JSON.parse(pgErr.detail ?? '{}') as { stream?: string; expected?: number; actual?: number };
    return new WrongExpectedVersionError(d.stream ?? streamId, d.expected ?? expected ?? 0, d.actual ?? 0);
  }
  if (pgErr.code === '23505' && pgErr.constraint === 'events_stream_version') {
    const actual = await actualVersion();
    return new WrongExpectedVersionError(streamId, expected ?? actual, actual);
  }
  return null;
}

/** Order of two checkpoints in the log's (transaction id, position) order. */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.position - b.position;
}

/** A key's partition of k: FNV-1a (32 bit) of its UTF-8 bytes mod k, as `event_partition` in SQL. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}
