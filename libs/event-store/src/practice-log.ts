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
  return rows.map((r) => store.toStored(r));
}
