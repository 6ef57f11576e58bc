import { Injectable } from '@nestjs/common';
import type { StoredEvent, Subscriber, TransactionHandle } from '#event-store';
import { enqueueEvents } from './event-webhook-store.js';

/**
 * Event webhooks, step one: a checkpointed subscriber of the global log (the
 * event store's subscription machinery) that queues every committed event
 * for each subscription of its practice that wants it. The queued
 * deliveries commit with the checkpoint, so no event is queued twice or
 * skipped, through crashes and takeovers. Sending is the dispatcher's.
 */
@Injectable()
export class EventWebhookFanout implements Subscriber {
  readonly name = 'event-webhooks';
  readonly batchSize = 500;

  async handle(events: StoredEvent[], tx: TransactionHandle): Promise<void> {
    const byPractice = new Map<string, StoredEvent[]>();
    for (const e of events) {
      const list = byPractice.get(e.metadata.practiceId);
      if (list) list.push(e);
      else byPractice.set(e.metadata.practiceId, [e]);
    }
    for (const [practiceId, list] of byPractice) {
      await tx.query("SELECT set_config('app.practice_id', $1, true)", [practiceId]);
      await enqueueEvents(tx, practiceId, list);
    }
  }
}
