/** The slice of node-postgres' client API the store needs: a Pool, a PoolClient or a wrapper. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A caller's open transaction. `afterCommit` lets the store wake subscribers once it commits. */
export interface TransactionHandle extends Queryable {
  afterCommit?(callback: () => void): void;
}

/** Who did it, for whom, and why: stored with every event. */
export interface EventMetadata {
  actorId: string;
  actorRole: string;
  practiceId: string;
  /** the request that caused this event */
  correlationId: string;
  /** the message (request, event or job) that directly caused this event */
  causationId: string;
  /** ISO-8601 instant of the command */
  occurredAt: string;
  [extra: string]: unknown;
}

export interface NewEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
  metadata: EventMetadata;
  /** defaults to a random UUID */
  eventId?: string;
  /** shape version of `data`; defaults to the store's current version for the type */
  schemaVersion?: number;
}

export interface StoredEvent<T extends string = string, D = unknown> {
  eventId: string;
  streamId: string;
  /** position in its stream, from 1, without gaps */
  version: number;
  /** global position: unique and increasing in insertion order, NOT in commit order */
  position: number;
  /** the writing transaction's id (xid8, as a decimal string) */
  transactionId: string;
  type: T;
  /** the shape version after upcasting (the current one) */
  schemaVersion: number;
  data: D;
  metadata: EventMetadata;
  occurredAt: Date;
}

/**
 * Where a reader of the whole log stands. Events are read in (transactionId,
 * position) order, which is commit-safe below the oldest running transaction.
 */
export interface Checkpoint {
  transactionId: string;
  position: number;
}

export const START: Checkpoint = Object.freeze({ transactionId: '0', position: 0 });

export type ExpectedVersion = number | 'no_stream' | 'any';

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
  /** a retry with the same key (of the same actor in the same practice) returns the first result and writes nothing */
  idempotencyKey?: string;
  /** whose key it is: records are keyed by (practice, actor, key), so one actor never replays another's (default '') */
  idempotencyActor?: string;
  /** fingerprint of the request behind the key; a replay reports the stored one */
  requestHash?: string;
  /** run inside the caller's transaction instead of the store's own */
  tx?: TransactionHandle;
}

export interface AppendResult {
  streamId: string;
  /** the stream's version after the append (of the first append, on a replay) */
  nextVersion: number;
  /** version of the first event written */
  firstVersion: number;
  positions: number[];
  /** true when an earlier append with the same idempotency key answered */
  replayed: boolean;
  requestHash: string | null;
}

export interface ReadStreamOptions {
  fromVersion?: number;
  maxCount?: number;
  tx?: Queryable;
  /** the stream's practice (default: the practice `tx` is scoped to) */
  practiceId?: string;
}

export interface ReadAllOptions {
  after?: Checkpoint;
  limit?: number;
  /** only these event types (the checkpoint of the batch still covers the others) */
  types?: readonly string[];
  tx?: Queryable;
}

export interface ReadAllResult {
  events: StoredEvent[];
  /** where the next read starts: the last event returned, or `after` when none */
  checkpoint: Checkpoint;
}

export interface ReadPartitionOptions {
  after?: Checkpoint;
  limit?: number;
  partitions: number;
  partition: number;
  /** only these event types are returned (the checkpoint still covers the others; none of theirs is opened) */
  types?: readonly string[];
  /**
   * The reader needs each event's type, metadata and times, not its data: `data` is `{}` and no
   * personal field is opened (no key read, nothing decrypted), nothing upcast (`schemaVersion` is
   * the stored one).
   */
  metadataOnly?: boolean;
  tx?: Queryable;
}

export interface ReadPartitionResult extends ReadAllResult {
  /** how many events of the partition the read went through, those left out by `types` included */
  read: number;
}
