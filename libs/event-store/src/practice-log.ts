import { EVENT_COLUMNS, type EventRow, type PostgresEventStore } from './postgres-event-store.js';
import type { Queryable, StoredEvent } from './types.js';

/**
 * One practice's committed events in global-position order, from a position
 * and/or an instant, `limit` at a time, upcast (what a replay re-delivers).
 * Run it in the practice's transaction: row-level security shows no other.
 */
export async function readPracticeLog(
  store: PostgresEventStore,
  tx: Queryable,
  practiceId: string,
  options: { afterPosition: number; fromTime: Date | null; limit: number },
): Promise<StoredEvent[]> {
  const { rows } = await tx.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events
      WHERE practice_id = $1 AND position > $2 AND ($3::timestamptz IS NULL OR occurred_at >= $3)
      ORDER BY position LIMIT $4`,
    [practiceId, options.afterPosition, options.fromTime, options.limit],
  );
  return store.toStoredAll(rows, tx);
}

/** An event as stored: the data in the shape (schema version) it was written with. */
export interface RawEvent {
  position: string;
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: Record<string, unknown>;
  occurredAt: Date;
}

/**
 * A person's events in one practice, in the shape they were stored (not
 * upcast) with their personal fields opened ("[erased]" once erased): every
 * event of the given streams and every event the person made, in position
 * order, at most `limit`. Run it in the practice's transaction.
 */
export async function readPersonEvents(store: PostgresEventStore, tx: Queryable, practiceId: string, streamIds: readonly string[], personId: string, limit: number): Promise<RawEvent[]> {
  const { rows } = await tx.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events
      WHERE practice_id = $1 AND (stream_id = ANY($2::text[]) OR metadata->>'actorId' = $3)
      ORDER BY position LIMIT $4`,
    [practiceId, streamIds, personId, limit],
  );
  await store.sealing.prepare(
    rows.map((r) => r.data),
    tx,
  );
  return rows.map((r) => ({
    position: String(r.position),
    streamId: r.stream_id,
    version: r.version,
    type: r.type,
    schemaVersion: r.schema_version,
    data: store.sealing.open(r.data),
    metadata: r.metadata,
    occurredAt: r.occurred_at,
  }));
}
