import type {
  ChannelCounts,
  EngagementOutcome,
  FeedbackVerdict,
  JobSearchChannel,
  Person,
  ReminderChannel,
  ReminderKind,
} from './types.js';

// The event catalogue (PRODUCT.md). `type` is the stable name stored with each
// event; never derive it from a class name.

export interface EngagementOpened {
  type: 'EngagementOpened';
  data: { engagementId: string; practiceId: string; coach: Person; client: Person; title: string };
}
export interface IntakeRecorded {
  type: 'IntakeRecorded';
  data: {
    presentingQuestion: string;
    background: string;
    goals: string[];
    currentStrategy: string;
    baseline: ChannelCounts[];
  };
}
export interface HomeworkAssigned {
  type: 'HomeworkAssigned';
  /** dueAt: ISO-8601 instant or null */
  data: { homeworkId: string; title: string; instructions: string; dueAt: string | null };
}
export interface DraftSubmitted {
  type: 'DraftSubmitted';
  data: { homeworkId: string; draftId: string; revision: number; content: string };
}
export interface FeedbackGiven {
  type: 'FeedbackGiven';
  data: { feedbackId: string; draftId: string; homeworkId: string; verdict: FeedbackVerdict; comments: string };
}
export interface HomeworkCancelled {
  type: 'HomeworkCancelled';
  data: { homeworkId: string; reason: string };
}
export interface HomeworkRescheduled {
  type: 'HomeworkRescheduled';
  /** dueAt: ISO-8601 instant, the new due time */
  data: { homeworkId: string; dueAt: string };
}
export interface CoachingSessionLogged {
  type: 'CoachingSessionLogged';
  data: { sessionId: string; heldAt: string; durationMinutes: number; summary: string };
}
export interface JobSearchActivityLogged {
  type: 'JobSearchActivityLogged';
  data: {
    activityId: string;
    channel: JobSearchChannel;
    applications: number;
    interviews: number;
    offers: number;
    note: string | null;
  };
}
/** A reminder held back by the practice's quiet hours until `heldUntil` (the recipient's morning). */
export interface ReminderHeld {
  type: 'ReminderHeld';
  data: {
    reminderId: string;
    kind: ReminderKind;
    recipient: Person;
    homeworkId: string | null;
    /** ISO instant the hold ends */
    heldUntil: string;
    /** e.g. "quiet hours (21:00–08:00 in Pacific/Auckland)" */
    reason: string;
  };
}
/**
 * A digest went out (issue 13): the reminders of this engagement that a daily budget held,
 * folded into one message the next morning (each reminder then DIGESTED), or, to the coach,
 * the drafts of this engagement waiting for feedback in the coach's morning digest.
 */
export interface DigestSent {
  type: 'DigestSent';
  data: {
    digestId: string;
    kind: DigestKind;
    recipient: Person;
    channels: ReminderChannel[];
    /** HELD_REMINDERS: the reminders it carried (now DIGESTED) */
    reminderIds: string[];
    /** DRAFTS_AWAITING_FEEDBACK: the drafts it listed */
    draftIds: string[];
  };
}
export type DigestKind = 'HELD_REMINDERS' | 'DRAFTS_AWAITING_FEEDBACK';
export interface ReminderSent {
  type: 'ReminderSent';
  data: {
    reminderId: string;
    kind: ReminderKind;
    recipient: Person;
    /** the first channel it went out on (the catalogue's field) */
    channel: ReminderChannel;
    /** every channel it went out on */
    channels: ReminderChannel[];
    homeworkId: string | null;
    draftId: string | null;
  };
}
export interface EngagementPaused {
  type: 'EngagementPaused';
  data: { reason: string };
}
export interface EngagementResumed {
  type: 'EngagementResumed';
  data: { reason: string | null };
}
export interface EngagementClosed {
  type: 'EngagementClosed';
  data: { outcome: EngagementOutcome; note: string | null };
}

export type EngagementEvent =
  | EngagementOpened
  | IntakeRecorded
  | HomeworkAssigned
  | DraftSubmitted
  | FeedbackGiven
  | HomeworkCancelled
  | HomeworkRescheduled
  | CoachingSessionLogged
  | JobSearchActivityLogged
  | ReminderSent
  | ReminderHeld
  | DigestSent
  | EngagementPaused
  | EngagementResumed
  | EngagementClosed;

export type EngagementEventType = EngagementEvent['type'];

export const ENGAGEMENT_EVENT_TYPES: readonly EngagementEventType[] = [
  'EngagementOpened',
  'IntakeRecorded',
  'HomeworkAssigned',
  'DraftSubmitted',
  'FeedbackGiven',
  'HomeworkCancelled',
  'HomeworkRescheduled',
  'CoachingSessionLogged',
  'JobSearchActivityLogged',
  'ReminderSent',
  'ReminderHeld',
  'DigestSent',
  'EngagementPaused',
  'EngagementResumed',
  'EngagementClosed',
];
