import type { StoredEvent } from '#event-store';
import { ENGAGEMENT_EVENT_TYPES } from '#engagement';

const ENGAGEMENT_TYPES = new Set<string>(ENGAGEMENT_EVENT_TYPES);

/**
 * The exact bytes POSTed for one event: built once, when the delivery is
 * queued, and kept, so every retry and replay sends the same body (and the
 * same X-Signature). The delivery id is the event's global position.
 * Keys are written in a fixed order: it is part of the contract.
 */
export function buildEventWebhookBody(e: StoredEvent): string {
  const m = e.metadata;
  return JSON.stringify({
    type: 'event',
    id: String(e.position),
    practiceId: m.practiceId,
    engagementId: ENGAGEMENT_TYPES.has(e.type) ? e.streamId : null,
    event: {
      type: e.type,
      version: e.version,
      schemaVersion: e.schemaVersion,
      position: String(e.position),
      occurredAt: e.occurredAt.toISOString(),
      data: e.data,
      metadata: { actorId: m.actorId, actorRole: m.actorRole, correlationId: m.correlationId, causationId: m.causationId },
    },
  });
}
