import type { EventMetadata, StoredEvent } from '#event-store';
import type { EngagementEventType } from '#engagement';

/** The event that makes an engagement's (or a practice's) reminders be looked at again. */
export interface Cause {
  practiceId: string;
  correlationId: string;
  at: Date;
}

/**
 * The latest event of an engagement, and which of its reminders the batch's events can change: those
 * of some homework, or (null) all of them. An engagement with 200 homework has ~1,000 reminder rows;
 * reading and judging them all for each assignment made a command's worker cost grow with the
 * engagement's history.
 */
export interface EngagementCause extends Cause {
  homework: Set<string> | null;
}

/**
 * Events about one homework: they can change that homework's reminders and no other's (the rules
 * judge each homework on its own: its status, due time and awaiting draft). Every other trigger
 * (the engagement's status, a digest, the intake) makes the whole engagement be looked at.
 */
const HOMEWORK_SCOPED: ReadonlySet<string> = new Set<EngagementEventType>(['HomeworkAssigned', 'DraftSubmitted', 'FeedbackGiven', 'HomeworkCancelled', 'HomeworkRescheduled']);

/** The homework an event is about, or null when it can change any of the engagement's reminders. */
export function homeworkOf(e: Pick<StoredEvent, 'type' | 'data'>): string | null {
  const id = HOMEWORK_SCOPED.has(e.type) ? (e.data as { homeworkId?: unknown } | null)?.homeworkId : undefined;
  return typeof id === 'string' && id.length > 0 ? id : null;
}

/**
 * A batch's events as causes: per engagement its latest event (whose correlation id follows the
 * reminders it causes) and its scope, narrowed while every event of the engagement is about some
 * homework; per practice its latest settings change.
 */
export function causesOf(
  events: readonly (Pick<StoredEvent, 'type' | 'data' | 'streamId' | 'occurredAt'> & { metadata: Pick<EventMetadata, 'practiceId' | 'correlationId'> })[],
): {
  engagements: Map<string, EngagementCause>;
  practices: Map<string, Cause>;
} {
  const engagements = new Map<string, EngagementCause>();
  const practices = new Map<string, Cause>();
  for (const e of events) {
    const cause = { practiceId: e.metadata.practiceId, correlationId: e.metadata.correlationId, at: e.occurredAt };
    if (e.type === 'PracticeSettingsUpdated') {
      practices.set(e.metadata.practiceId, cause);
      continue;
    }
    const homework = homeworkOf(e);
    const before = engagements.get(e.streamId);
    const scope = before === undefined ? (homework ? new Set([homework]) : null) : before.homework && homework ? before.homework.add(homework) : null;
    engagements.set(e.streamId, { ...cause, homework: scope });
  }
  return { engagements, practices };
}
