import type { StoredEvent } from '#event-store';
import type { Role } from './types/enums.js';

/** One stored event as the timeline and the live subscription show it. */
export function engagementEventOf(e: StoredEvent) {
  return {
    version: e.version,
    type: e.type,
    occurredAt: e.occurredAt instanceof Date ? e.occurredAt : new Date(e.occurredAt),
    actorId: e.metadata.actorId,
    actorRole: e.metadata.actorRole as Role,
    data: e.data as never,
  };
}
