import type { PersonalDataRule, PersonalField, StreamFirstEvent } from '#event-store';
import type { EngagementEvent, EngagementEventType } from '../domain/events.js';

// The personal fields of the engagement events (docs/history.md, "What is
// sealed"): names, emails and free text written by or about a person, each
// sealed under the key of the person it is about. Ids, counts, dates,
// verdicts, statuses and versions stay plain: the structure survives erasure.
// Homework titles and instructions are the coach's assignment, not about the
// person, and stay plain too.

type DataOf<T extends EngagementEventType> = Extract<EngagementEvent, { type: T }>['data'];

/** The client of an engagement stream, from its first event (EngagementOpened; ids are never sealed). */
function clientOf(first: StreamFirstEvent | null): string | null {
  if (first?.type !== 'EngagementOpened') return null;
  const id = (first.data as DataOf<'EngagementOpened'>)?.client?.id;
  return typeof id === 'string' ? id : null;
}

/** Free-text fields about the engagement's client. */
function aboutClient(type: EngagementEventType, paths: string[]): PersonalDataRule {
  return { type, needsFirst: true, fields: (_data: unknown, first) => paths.map((path) => ({ path, personId: clientOf(first) })) };
}

/** A person's name and email inside the event, under `at`. */
function personAt(at: string, data: unknown): PersonalField[] {
  const id = (data as Record<string, { id?: unknown } | undefined>)?.[at]?.id;
  const personId = typeof id === 'string' ? id : null;
  return [
    { path: `${at}.name`, personId },
    { path: `${at}.email`, personId },
  ];
}

export const ENGAGEMENT_PERSONAL_DATA: readonly PersonalDataRule[] = [
  { type: 'EngagementOpened', needsFirst: false, fields: (data: unknown) => [...personAt('coach', data), ...personAt('client', data)] },
  aboutClient('IntakeRecorded', ['presentingQuestion', 'background', 'goals.*', 'currentStrategy']),
  aboutClient('DraftSubmitted', ['content']),
  // what the coach said about the client's draft: erasing the client removes it (the coach's own name stays the coach's)
  aboutClient('FeedbackGiven', ['comments']),
  aboutClient('HomeworkCancelled', ['reason']),
  aboutClient('CoachingSessionLogged', ['summary']),
  aboutClient('JobSearchActivityLogged', ['note']),
  aboutClient('EngagementPaused', ['reason']),
  aboutClient('EngagementResumed', ['reason']),
  aboutClient('EngagementClosed', ['note']),
  { type: 'ReminderSent', needsFirst: false, fields: (data: unknown) => personAt('recipient', data) },
  { type: 'ReminderHeld', needsFirst: false, fields: (data: unknown) => personAt('recipient', data) },
];
