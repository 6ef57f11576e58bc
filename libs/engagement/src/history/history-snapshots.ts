import { Injectable } from '@nestjs/common';
import { PostgresEventStore, type Queryable, type StoredEvent, type Subscriber, type TransactionHandle } from '#event-store';
import { ENGAGEMENT_EVENT_TYPES } from '../domain/events.js';
import type { EngagementState } from '../domain/decider.js';
import { ReadModelFold } from '../read/read-model-fold.js';
import { STATE_VERSION } from '../write/command-executor.js';
import { foldOnto, type FoldPoint } from './past-view.js';

// Time-travel snapshots. The write side's snapshots (engagement_snapshots)
// cannot serve a past view: they hold only the decider's state (no drafts'
// content, feedback, sessions, funnel: the read models' fold holds those),
// and only the latest one per stream (a past view needs one at or before its
// point). So a past view has its own: every HISTORY_SNAPSHOT_EVERY versions
// of an engagement, the decider's state (the same `evolve`) and the read
// models' fold (the same ReadModelFold) after that version, written by a
// checkpointed subscriber of the log in the worker. A past view starts from
// the nearest one at or before its point and folds the rest of the stream.
// A cache of the log: rows may be deleted at any time (erasure does), and a
// view without one folds the whole stream, as before.

/** A snapshot every this many versions of an engagement stream. */
export const HISTORY_SNAPSHOT_EVERY = 100;

/**
 * Bump when ReadModelFold's rows or what a past view keeps of them change
 * shape: snapshots of another fold version are then ignored (and the
 * decider's state is tied to the write side's STATE_VERSION the same way).
 */
export const HISTORY_FOLD_VERSION = 1;

interface SnapshotRow extends Record<string, unknown> {
  version: number;
  snapshot: { state: EngagementState; fold: unknown; lastOccurredAt: string; maxOccurredAt: string };
}

/**
 * The nearest usable snapshot of an engagement at or before `version` (and,
 * for an `asOf` instant, one whose events all occurred by then); null: none.
 */
export async function nearestHistorySnapshot(tx: Queryable, practiceId: string, streamId: string, version: number, asOf: Date | null): Promise<FoldPoint | null> {
  const { rows } = await tx.query<SnapshotRow>(
    `SELECT version, snapshot FROM engagement_history_snapshots
      WHERE practice_id = $1 AND stream_id = $2 AND version <= $3 AND state_version = $4 AND fold_version = $5
        AND ($6::timestamptz IS NULL OR max_occurred_at <= $6)
      ORDER BY version DESC LIMIT 1`,
    [practiceId, streamId, version, STATE_VERSION, HISTORY_FOLD_VERSION, asOf],
  );
  const row = rows[0] as SnapshotRow | undefined;
  if (!row) return null;
  return {
    version: row.version,
    state: row.snapshot.state,
    fold: ReadModelFold.restore(row.snapshot.fold),
    lastOccurredAt: new Date(row.snapshot.lastOccurredAt),
    maxOccurredAt: new Date(row.snapshot.maxOccurredAt),
  };
}

/**
 * Writes the snapshot of an engagement at `version`: the nearest earlier
 * snapshot plus the events after it, folded. Nothing when the stream is
 * shorter or the engagement does not exist at that version in the practice.
 * Runs in the caller's transaction, scoped to `practiceId`.
 */
export async function writeHistorySnapshot(store: PostgresEventStore, tx: Queryable, practiceId: string, streamId: string, version: number): Promise<boolean> {
  const base = await nearestHistorySnapshot(tx, practiceId, streamId, version - 1, null);
  const from = base?.version ?? 0;
  const events: StoredEvent[] = await store.readStream(streamId, { tx, practiceId, fromVersion: from + 1, maxCount: version - from });
  if (events.length !== version - from || events.at(-1)!.version !== version) return false;
  const { point } = foldOnto(base, practiceId, events);
  if (point.state.status === 'NONE' || !point.fold.engagements.has(streamId) || point.lastOccurredAt === null) return false;
  const snapshot = {
    state: point.state,
    fold: point.fold.snapshot(),
    lastOccurredAt: point.lastOccurredAt.toISOString(),
    maxOccurredAt: point.maxOccurredAt!.toISOString(),
  };
  await tx.query(
    `INSERT INTO engagement_history_snapshots (practice_id, stream_id, version, state_version, fold_version, max_occurred_at, snapshot)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (practice_id, stream_id, version) DO NOTHING`,
    [practiceId, streamId, version, STATE_VERSION, HISTORY_FOLD_VERSION, point.maxOccurredAt, JSON.stringify(snapshot)],
  );
  return true;
}

/** Deletes a practice's time-travel snapshots (of some engagements, or all): they are rebuilt from the log as the streams grow. */
export async function forgetHistorySnapshots(tx: Queryable, practiceId: string, streamIds?: readonly string[]): Promise<number> {
  const { rowCount } = await tx.query('DELETE FROM engagement_history_snapshots WHERE practice_id = $1 AND ($2::text[] IS NULL OR stream_id = ANY($2))', [
    practiceId,
    streamIds ?? null,
  ]);
  return rowCount ?? 0;
}

/**
 * The worker's `engagement-history-snapshots` subscriber: when an engagement
 * event lands on a multiple of HISTORY_SNAPSHOT_EVERY, the snapshot at that
 * version is written (from the previous snapshot, so each costs at most
 * HISTORY_SNAPSHOT_EVERY events read). Checkpointed with the batch: none is
 * missed or written twice; it starts from the log's beginning, so engagements
 * older than it get theirs too.
 */
@Injectable()
export class HistorySnapshotter implements Subscriber {
  readonly name = 'engagement-history-snapshots';
  readonly batchSize = 500;
  readonly eventTypes = ENGAGEMENT_EVENT_TYPES;

  constructor(private readonly store: PostgresEventStore) {}

  async handle(events: StoredEvent[], tx: TransactionHandle): Promise<void> {
    for (const e of events) {
      if (e.version % HISTORY_SNAPSHOT_EVERY !== 0) continue;
      await tx.query("SELECT set_config('app.practice_id', $1, true)", [e.metadata.practiceId]);
      await writeHistorySnapshot(this.store, tx, e.metadata.practiceId, e.streamId, e.version);
    }
  }
}
