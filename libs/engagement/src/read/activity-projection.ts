import { Injectable } from '@nestjs/common';
import type { StoredEvent, Subscriber, TransactionHandle } from '#event-store';
import { groupBy } from '#platform';

/**
 * Counts events per practice, day (UTC) and type for the dashboard's activity
 * chart. Asynchronous: it follows the global log in the worker, and its
 * counts commit in the same transaction as its checkpoint, so each event is
 * counted exactly once — through crashes, restarts and takeovers.
 */
@Injectable()
export class ActivityProjection implements Subscriber {
  readonly name = 'activity-by-day';
  readonly batchSize = 1_000;
  /** it counts types: no event's personal fields are opened for it */
  readonly reads = 'metadata' as const;

  async handle(events: StoredEvent[], tx: TransactionHandle): Promise<void> {
    const counts = new Map<string, { practiceId: string; day: string; type: string; n: number }>();
    for (const e of events) {
      const practiceId = e.metadata.practiceId;
      const day = (e.occurredAt instanceof Date ? e.occurredAt : new Date(e.occurredAt)).toISOString().slice(0, 10);
      const key = `${practiceId}\u0000${day}\u0000${e.type}`;
      const c = counts.get(key) ?? { practiceId, day, type: e.type, n: 0 };
      c.n += 1;
      counts.set(key, c);
    }
    for (const [practiceId, rows] of groupBy(counts.values(), (c) => c.practiceId)) {
      await tx.query("SELECT set_config('app.practice_id', $1, true)", [practiceId]);
      await tx.query(
        `INSERT INTO activity_by_day AS a (practice_id, day, event_type, events)
         SELECT $1, d, t, n FROM unnest($2::date[], $3::text[], $4::bigint[]) AS x(d, t, n)
         ON CONFLICT (practice_id, day, event_type) DO UPDATE SET events = a.events + EXCLUDED.events`,
        [practiceId, rows.map((r) => r.day), rows.map((r) => r.type), rows.map((r) => r.n)],
      );
    }
  }
}
