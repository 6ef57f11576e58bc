import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PostgresEventStore, WrongExpectedVersionError, type EventMetadata, type NewEvent, type Queryable, type StoredEvent, type UpcasterRegistry } from '#event-store';
import { BadUserInput, Database, inline, Metrics, ResourceNotFound, streamLock, VersionConflict, type StatementResult } from '#platform';
import type { EngagementCommand } from '../domain/commands.js';
import { admit, decide, evolve, initialState, type EngagementState } from '../domain/decider.js';
import { DomainError, NotFound } from '../domain/errors.js';
import type { Actor } from '../domain/types.js';
import { EngagementProjector, type ProjectedRows } from '../read/engagement-projector.js';
import { arrayLiteral } from '../read/read-model-fold.js';
import type { EngagementEvent } from '../domain/events.js';

/** Where a command comes from: stored as the metadata of the events it causes. */
export interface CommandOrigin {
  actor: Actor;
  practiceId: string;
  /** the request (or job) the whole chain started from */
  correlationId: string;
  /** the message that directly caused this command */
  causationId: string;
  now: Date;
}

export interface ExecuteRequest {
  streamId: string;
  origin: CommandOrigin;
  /** when given, the stream must be at exactly this version (else CONFLICT, nothing changes) */
  expectedVersion?: number | null;
  /** a retry with the same key returns the first outcome and appends nothing */
  idempotencyKey?: string | null;
  /** what the key must stand for: the operation and its input */
  fingerprint: unknown;
  /** the domain command, decided against the state loaded under the stream's lock */
  command: EngagementCommand;
}

export interface CommandOutcome {
  streamId: string;
  /** the stream's version after the command */
  version: number;
  /** the events this command appended (or, on a replay, the first attempt's) */
  events: StoredEvent[];
  replayed: boolean;
  /** read-model rows the command wrote (none on a replay): the mutation's answer without another read */
  projected?: ProjectedRows;
}

/** Options every engagement mutation may carry. */
export interface WriteOptions {
  expectedVersion?: number | null;
  idempotencyKey?: string | null;
}

/** Which engagement a command is for: named directly, or by a homework or draft of it (facts that never change). */
export type Target = { engagementId: string } | { homeworkId: string } | { draftId: string };

/** A domain command without its context (who and when come from the origin). */
export type DomainCommand = { [T in EngagementCommand['type']]: Omit<Extract<EngagementCommand, { type: T }>, 'context'> }[EngagementCommand['type']];

/** The data of a domain command of this type, with the ids its input names besides (K). */
export type With<T extends EngagementCommand['type'], K extends string> = { [P in K]: string } & Extract<EngagementCommand, { type: T }>['data'];

/**
 * An engagement command on the CQRS bus: who asks (origin), which engagement
 * (target), the domain command, and the write options. Every engagement
 * command is one of these, handled by the executor below; each slice's
 * subclass is only a constructor that maps its input to the domain command
 * (new ids are made there, never in the decider).
 */
export class EngagementCommandMessage extends Command<CommandOutcome> {
  constructor(
    readonly origin: CommandOrigin,
    readonly target: Target,
    readonly command: DomainCommand,
    readonly options: WriteOptions,
    /** what an idempotency key stands for: the operation and its input (never the ids made here) */
    readonly fingerprint: [string, unknown],
  ) {
    super();
  }
}

/** A new entity's id, made by the slice that names it in its command. */
export function newId(): string {
  return crypto.randomUUID();
}

const RETRIES = 5;

/**
 * The one path every engagement command takes (and the CQRS bus's one
 * handler of them; the reminder worker's batches come in through
 * `executeMany`, without the bus): in a practice-scoped
 * transaction that first takes the stream's advisory lock (so writers of one
 * engagement queue up instead of failing each other), load the state, decide,
 * append at the loaded version, project the new events into the read models
 * and snapshot the state now and then — all or nothing.
 */
@Injectable()
@CommandHandler(EngagementCommandMessage)
export class CommandExecutor implements ICommandHandler<EngagementCommandMessage> {
  private readonly repository: EngagementRepository;
  private readonly projector = new EngagementProjector();

  constructor(
    private readonly db: Database,
    private readonly store: PostgresEventStore,
    private readonly metrics: Metrics,
  ) {
    this.repository = new EngagementRepository(store.upcasters);
  }

  /** The CQRS bus's handler of every engagement command: find the engagement, then run the command on it. */
  async execute(message: EngagementCommandMessage): Promise<CommandOutcome> {
    const { origin, target, command, options, fingerprint } = message;
    return this.run({
      streamId: 'engagementId' in target ? target.engagementId : await this.engagementOf(origin.practiceId, target),
      origin,
      expectedVersion: options.expectedVersion,
      idempotencyKey: options.idempotencyKey,
      fingerprint,
      command: { ...command, context: { actor: origin.actor, now: origin.now } } as EngagementCommand,
    });
  }

  /** The engagement of a homework or draft (immutable facts, read from the read models). */
  private async engagementOf(practiceId: string, target: { homeworkId: string } | { draftId: string }): Promise<string> {
    const [entity, id, sql] =
      'homeworkId' in target
        ? (['Homework', target.homeworkId, 'SELECT engagement_id FROM homework WHERE id = $1 AND practice_id = $2'] as const)
        : (['Draft', target.draftId, 'SELECT engagement_id FROM drafts WHERE id = $1 AND practice_id = $2'] as const);
    const rows = await this.db.read<{ engagement_id: string }>(practiceId, sql, [id, practiceId]);
    if (!rows[0]) throw new ResourceNotFound(entity, id);
    return rows[0].engagement_id;
  }

  private async run(request: ExecuteRequest): Promise<CommandOutcome> {
    const started = performance.now();
    let outcome = 'ok';
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.attempt(request);
        } catch (err) {
          if (err instanceof DomainError) throw withStream(err, request.streamId);
          if (!(err instanceof WrongExpectedVersionError)) throw err;
          // only a writer that skipped the lock (another version of the service) can race us here
          if (attempt >= RETRIES) throw new VersionConflict(err.expected as number, err.actual);
        }
      }
    } catch (err) {
      outcome = err instanceof Error && 'code' in err ? String((err as { code: unknown }).code) : 'error';
      throw err;
    } finally {
      this.metrics.commandDuration.observe({ command: commandName(request), outcome }, (performance.now() - started) / 1000);
    }
  }

  private attempt(request: ExecuteRequest): Promise<CommandOutcome> {
    const { origin, streamId } = request;
    const practiceId = origin.practiceId;
    const key = request.idempotencyKey || undefined;
    const actor = origin.actor.id;
    const requestHash = key ? fingerprint(request.fingerprint) : undefined;

    // two round trips: BEGIN, the stream's lock, the state and the read-model rows the projection
    // may touch; then the append, the projection's upserts (and a snapshot now and then) with COMMIT
    return this.db.transaction(
      practiceId,
      async (tx, [state, ...prefetched]) => {
        if (key) {
          const earlier = await this.store.findIdempotent(practiceId, actor, key, tx);
          if (earlier) return this.replay(practiceId, earlier.streamId, earlier.firstVersion, earlier.nextVersion, earlier.requestHash, requestHash!, tx);
        }
        const loaded = this.repository.fromRows(state!.rows, practiceId).get(streamId)!;
        const command = request.command;
        // who may comes before the version: a stale version must not tell the actual one to whoever is refused
        admit(command, loaded.state);
        const expected = request.expectedVersion;
        if (expected !== undefined && expected !== null && expected !== loaded.version) {
          throw new VersionConflict(expected, loaded.version);
        }
        const decided = decide(command, loaded.state);
        if (decided.length === 0) return { streamId, version: loaded.version, events: [], replayed: false };

        const newEvents = this.newEvents(decided, origin);
        const append = await this.store.prepareAppend(streamId, newEvents, {
          expectedVersion: loaded.version === 0 ? 'no_stream' : loaded.version,
          idempotencyKey: key,
          idempotencyActor: actor,
          requestHash,
          tx,
        });
        if (!('statement' in append)) {
          return this.replay(practiceId, append.streamId, append.firstVersion, append.nextVersion, append.requestHash, requestHash!, tx);
        }
        // the versions are the loaded one's successors (the append refuses any other); the positions come back with the write
        const stored = this.stored(streamId, newEvents, loaded.version + 1, [], origin.now);
        const projection = await this.projector.prepare(tx, stored, prefetched);
        const snapshot = this.snapshotDue(streamId, loaded, stored, loaded.version + stored.length);
        let written: StatementResult[];
        try {
          written = await tx.commitWith([
            append.statement,
            ...projection.statements,
            ...(snapshot ? [this.repository.snapshotStatement(practiceId, snapshot)] : []),
          ]);
        } catch (err) {
          throw await append.failure(err);
        }
        const appended = append.result(written[0]!.rows);
        stored.forEach((e, i) => (e.position = appended.positions[i]!));
        this.count(stored);
        return { streamId, version: appended.nextVersion, events: stored, replayed: false, projected: projection.written(written.slice(1)) };
      },
      {
        locks: [streamLock(streamId)],
        first: [this.repository.loadStatement([streamId], practiceId), ...this.projector.prefetchStatements(practiceId, streamId, namedRows(request.command))],
      },
    );
  }

  /**
   * Several commands of one practice in one transaction (one per stream): one
   * round trip to lock, one to load, one to append, one per projection step.
   * For batch writers (the reminder worker). A command the domain refuses gets
   * its error in the result; the others go ahead.
   */
  async executeMany(
    practiceId: string,
    requests: readonly Omit<ExecuteRequest, 'idempotencyKey' | 'fingerprint'>[],
    /** more writes of the caller's, committed with the events */
    alongside?: (tx: Queryable) => Promise<void>,
  ): Promise<(CommandOutcome | Error)[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(
          practiceId,
          async (tx) => {
            const loaded = await this.repository.loadMany(tx, requests.map((r) => r.streamId), practiceId);
            const results: (CommandOutcome | Error)[] = [];
            const writes: { index: number; events: NewEvent[]; loaded: LoadedEngagement }[] = [];
            requests.forEach((r, index) => {
              const l = loaded.get(r.streamId)!;
              try {
                const decided = decide(r.command, l.state);
                results[index] = { streamId: r.streamId, version: l.version, events: [], replayed: false };
                if (decided.length) writes.push({ index, events: this.newEvents(decided, r.origin), loaded: l });
              } catch (err) {
                results[index] = withStream(err, r.streamId) as Error;
              }
            });
            const appended = await this.store.appendMany(
              writes.map((w) => ({
                streamId: requests[w.index]!.streamId,
                events: w.events,
                expectedVersion: w.loaded.version === 0 ? 'no_stream' : w.loaded.version,
              })),
              tx,
            );
            const all: StoredEvent[] = [];
            const snapshots: Snapshot[] = [];
            for (const w of writes) {
              const r = requests[w.index]!;
              const a = appended.get(r.streamId)!;
              const stored = this.stored(r.streamId, w.events, a.firstVersion, a.positions.sort((x, y) => x - y), r.origin.now);
              all.push(...stored);
              const due = this.snapshotDue(r.streamId, w.loaded, stored, a.nextVersion);
              if (due) snapshots.push(due);
              results[w.index] = { streamId: r.streamId, version: a.nextVersion, events: stored, replayed: false };
            }
            // every snapshot due in one statement (a batch of hundreds of streams makes dozens)
            await this.repository.saveSnapshots(tx, practiceId, snapshots);
            await this.projector.apply(tx, all);
            await alongside?.(tx);
            this.count(all);
            return results;
          },
          { locks: requests.map((r) => streamLock(r.streamId)) },
        );
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError) || attempt >= RETRIES) throw err;
      }
    }
  }

  private newEvents(decided: { type: string; data: unknown }[], origin: CommandOrigin): NewEvent[] {
    const metadata: EventMetadata = {
      actorId: origin.actor.id,
      actorRole: origin.actor.role,
      practiceId: origin.practiceId,
      correlationId: origin.correlationId,
      causationId: origin.causationId,
      occurredAt: origin.now.toISOString(),
    };
    // the decider writes the current shape of each type: stored (and answered) at the store's current schema version
    return decided.map((e) => ({
      type: e.type,
      data: e.data,
      metadata,
      eventId: crypto.randomUUID(),
      schemaVersion: this.store.upcasters.currentVersion(e.type),
    }));
  }

  /** The events as stored; `positions` may come later (a command learns them with its commit). */
  private stored(streamId: string, events: NewEvent[], firstVersion: number, positions: number[], now: Date): StoredEvent[] {
    return events.map((e, i) => ({
      eventId: e.eventId!,
      streamId,
      version: firstVersion + i,
      position: positions[i] ?? 0,
      transactionId: '',
      type: e.type,
      schemaVersion: e.schemaVersion!,
      data: e.data,
      metadata: e.metadata,
      occurredAt: now,
    }));
  }

  /** The stream's next snapshot, when SNAPSHOT_EVERY versions have passed since its last. */
  private snapshotDue(streamId: string, loaded: LoadedEngagement, stored: StoredEvent[], version: number): Snapshot | null {
    if (version - loaded.snapshotVersion < SNAPSHOT_EVERY) return null;
    return { streamId, version, state: stored.reduce((s, e) => evolve(s, e as EngagementEvent), loaded.state) };
  }

  private count(events: StoredEvent[]): void {
    for (const e of events) this.metrics.eventsAppended.inc({ type: e.type });
  }

  private async replay(
    practiceId: string,
    streamId: string,
    first: number,
    last: number,
    storedHash: string | null,
    requestHash: string,
    tx: Queryable,
  ): Promise<CommandOutcome> {
    if (storedHash !== null && storedHash !== requestHash) {
      throw new BadUserInput('idempotencyKey', 'this key was already used for a different request');
    }
    const events = await this.store.readStream(streamId, { practiceId, fromVersion: first, maxCount: last - first + 1, tx });
    return { streamId, version: last, events, replayed: true };
  }
}

/** The homework and draft a command names (new ids too: their probe finds nothing): the rows its events will likely touch. */
function namedRows(command: EngagementCommand): { homeworkIds: string[]; draftIds: string[] } {
  const data = command.data as { homeworkId?: unknown; draftId?: unknown };
  return {
    homeworkIds: typeof data.homeworkId === 'string' ? [data.homeworkId] : [],
    draftIds: typeof data.draftId === 'string' ? [data.draftId] : [],
  };
}

function commandName(request: ExecuteRequest): string {
  const fp = request.fingerprint;
  return Array.isArray(fp) && typeof fp[0] === 'string' ? fp[0] : 'command';
}

function fingerprint(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

/** JSON with sorted keys, so the same input always hashes the same. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

/** The domain names no stream (its commands carry no engagement id): a missing engagement is reported by its stream id. */
function withStream(err: unknown, streamId: string): unknown {
  return err instanceof NotFound && err.entity === 'Engagement' && !err.id ? new NotFound('Engagement', streamId) : err;
}

// ---------------------------------------------------------------------------
// The engagement's stream as the decider sees it: the latest snapshot plus the
// events after it, loaded in one statement; a snapshot now and then.
// ---------------------------------------------------------------------------

/** Bump when EngagementState or evolve changes shape: older snapshots are then ignored and replayed. */
export const STATE_VERSION = 1;

/** A snapshot is written when the stream has moved this many versions past the last one. */
const SNAPSHOT_EVERY = 20;

/** A stream's state at a version, to be stored as its snapshot. */
interface Snapshot {
  streamId: string;
  version: number;
  state: EngagementState;
}

interface LoadedEngagement {
  state: EngagementState;
  /** the stream's version the state reflects (0: no stream) */
  version: number;
  /** the version of the snapshot it started from (0: none) */
  snapshotVersion: number;
}

interface LoadRow extends Record<string, unknown> {
  stream_id: string;
  snapshot_version: number | null;
  snapshot_state: EngagementState | null;
  tail: { type: string; version: number; schema_version: number; data: unknown; metadata: EventMetadata }[];
}

/** The latest snapshot of each stream ($1 text[]) of the practice ($2) at STATE_VERSION ($3), and the events after it. */
const LOAD_SQL = `SELECT ids.id AS stream_id, s.version AS snapshot_version, s.state AS snapshot_state,
        (SELECT coalesce(json_agg(json_build_object('type', e.type, 'version', e.version, 'schema_version', e.schema_version,
                                              'data', e.data, 'metadata', e.metadata) ORDER BY e.version), '[]'::json)
           FROM event_store_read_stream(ids.id, coalesce(s.version, 0)) e) AS tail
   FROM unnest($1::text[]) AS ids(id)
   LEFT JOIN engagement_snapshots s ON s.stream_id = ids.id AND s.practice_id = $2 AND s.state_version = $3`;

const SAVE_SNAPSHOTS_SQL = `INSERT INTO engagement_snapshots (stream_id, practice_id, version, state_version, state)
   SELECT s.stream_id, $2, s.version, $3, s.state FROM unnest($1::text[], $4::int[], $5::jsonb[]) AS s(stream_id, version, state)
   ON CONFLICT (practice_id, stream_id) DO UPDATE
     SET version = EXCLUDED.version, state_version = EXCLUDED.state_version, state = EXCLUDED.state
   WHERE engagement_snapshots.practice_id = EXCLUDED.practice_id`;

/**
 * Loads an engagement's decider state in one round trip: the latest snapshot
 * plus the events after it. A stream of another practice is invisible: it
 * loads as no stream at all (row-level security hides it too).
 */
class EngagementRepository {
  constructor(private readonly upcasters: UpcasterRegistry) {}

  async load(tx: Queryable, streamId: string, practiceId: string): Promise<LoadedEngagement> {
    return (await this.loadMany(tx, [streamId], practiceId)).get(streamId)!;
  }

  /** Several engagements of one practice in one round trip. */
  async loadMany(tx: Queryable, streamIds: readonly string[], practiceId: string): Promise<Map<string, LoadedEngagement>> {
    const { rows } = await tx.query<LoadRow>(LOAD_SQL, [[...new Set(streamIds)], practiceId, STATE_VERSION]);
    return this.fromRows(rows as LoadRow[], practiceId);
  }

  /** `loadMany`'s statement with its values written in: for a caller that sends it with other statements in one round trip. */
  loadStatement(streamIds: readonly string[], practiceId: string): string {
    const ids = `{${[...new Set(streamIds)].map((id) => `"${id.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
    return inline(LOAD_SQL, [ids, practiceId, String(STATE_VERSION)]);
  }

  /** The engagements of `loadStatement`'s rows. */
  fromRows(rows: readonly Record<string, unknown>[], practiceId: string): Map<string, LoadedEngagement> {
    return new Map((rows as LoadRow[]).map((row) => [row.stream_id, this.fold(row, practiceId)]));
  }

  private fold(row: LoadRow, practiceId: string): LoadedEngagement {
    let state = row.snapshot_state ?? initialState();
    let version = row.snapshot_version ?? 0;
    for (const e of row.tail) {
      if (e.metadata.practiceId !== practiceId) return { state: initialState(), version: 0, snapshotVersion: 0 };
      const { data } = this.upcasters.upcast(e.type, e.schema_version, e.data, e.metadata);
      state = evolve(state, { type: e.type, data } as EngagementEvent);
      version = e.version;
    }
    return { state, version, snapshotVersion: row.snapshot_version ?? 0 };
  }

  /** Snapshots of several engagements of one practice, in one statement. */
  async saveSnapshots(tx: Queryable, practiceId: string, snapshots: readonly Snapshot[]): Promise<void> {
    if (snapshots.length === 0) return;
    await tx.query(SAVE_SNAPSHOTS_SQL, [
      snapshots.map((s) => s.streamId),
      practiceId,
      STATE_VERSION,
      snapshots.map((s) => s.version),
      snapshots.map((s) => JSON.stringify(s.state)),
    ]);
  }

  /** One snapshot's `saveSnapshots` statement with its values written in: for a caller's round trip. */
  snapshotStatement(practiceId: string, snapshot: Snapshot): string {
    return inline(SAVE_SNAPSHOTS_SQL, [
      arrayLiteral([snapshot.streamId]),
      practiceId,
      String(STATE_VERSION),
      `{${snapshot.version}}`,
      arrayLiteral([JSON.stringify(snapshot.state)]),
    ]);
  }
}
