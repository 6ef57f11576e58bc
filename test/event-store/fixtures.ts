import { randomUUID } from 'node:crypto';
import type { EventMetadata, NewEvent } from '#event-store';

export function meta(practiceId = 'practice-test', overrides: Partial<EventMetadata> = {}): EventMetadata {
  return {
    actorId: 'actor-1',
    actorRole: 'COACH',
    practiceId,
    correlationId: randomUUID(),
    causationId: randomUUID(),
    occurredAt: new Date().toISOString(),
    ...overrides,
  };
}

export function event(type = 'Test.Happened', data: Record<string, unknown> = { n: 1 }, practiceId?: string): NewEvent {
  return { type, data, metadata: meta(practiceId) };
}
