import { readPracticeLog, type PostgresEventStore, type Queryable } from '#event-store';
import { requeueEvents, type WebhookSubscriptionRow } from './event-webhook-store.js';

/** At most this many events in one replay (a larger one is asked for in parts, by position). */
export const MAX_REPLAY = 100_000;
const PAGE = 1_000;

/**
 * Queues the practice's events again for one subscription, from a global
 * position (inclusive) and/or an instant, with their original delivery ids
 * (positions) and bodies: receivers de-duplicate on the id. Events the
 * subscription does not want are skipped. Returns how many were queued.
 */
export async function replaySubscription(
  store: PostgresEventStore,
  tx: Queryable,
  practiceId: string,
  sub: WebhookSubscriptionRow,
  from: { position: number | null; time: Date | null },
): Promise<number> {
  let after = from.position === null ? 0 : from.position - 1;
  let queued = 0;
  let read = 0;
  for (;;) {
    const events = await readPracticeLog(store, tx, practiceId, { afterPosition: after, fromTime: from.time, limit: Math.min(PAGE, MAX_REPLAY - read) });
    if (events.length === 0) break;
    queued += await requeueEvents(tx, practiceId, sub, events);
    read += events.length;
    after = events.at(-1)!.position;
    if (events.length < PAGE || read >= MAX_REPLAY) break;
  }
  return queued;
}
