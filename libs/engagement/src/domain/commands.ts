import type { DigestSent, EngagementEvent } from './events.js';
import type { Actor, ChannelCounts, EngagementOutcome, FeedbackVerdict, JobSearchChannel, Person, ReminderChannel, ReminderKind } from './types.js';

/**
 * Everything a command needs from the outside world comes with it: who asks,
 * what time it is, and any new ids. The decider never reads a clock or makes ids.
 */
export interface CommandContext {
  actor: Actor;
  /** the time of the request */
  now: Date;
}

type Cmd<T extends string, D> = { type: T; data: D; context: CommandContext };

export type OpenEngagement = Cmd<
  'OpenEngagement',
  { engagementId: string; practiceId: string; coach: Person; client: Person; title: string }
>;
export type RecordIntake = Cmd<
  'RecordIntake',
  { presentingQuestion: string; background: string; goals: string[]; currentStrategy: string; baseline: ChannelCounts[] }
>;
export type AssignHomework = Cmd<
  'AssignHomework',
  { homeworkId: string; title: string; instructions: string; dueAt: Date | null }
>;
export type SubmitDraft = Cmd<'SubmitDraft', { homeworkId: string; draftId: string; content: string }>;
export type GiveFeedback = Cmd<
  'GiveFeedback',
  { draftId: string; feedbackId: string; verdict: FeedbackVerdict; comments: string }
>;
export type CancelHomework = Cmd<'CancelHomework', { homeworkId: string; reason: string }>;
export type RescheduleHomework = Cmd<'RescheduleHomework', { homeworkId: string; dueAt: Date }>;
export type LogCoachingSession = Cmd<
  'LogCoachingSession',
  { sessionId: string; heldAt: Date; durationMinutes: number; summary: string }
>;
export type LogJobSearchActivity = Cmd<
  'LogJobSearchActivity',
  { activityId: string; channel: JobSearchChannel; applications: number; interviews: number; offers: number; note: string | null }
>;
export type RecordReminderSent = Cmd<
  'RecordReminderSent',
  {
    reminderId: string;
    kind: ReminderKind;
    recipient: Person;
    channels: ReminderChannel[];
    homeworkId: string | null;
    draftId: string | null;
  }
>;
/** Several reminders of one engagement at once (the reminder worker records in batches). */
export type RecordRemindersSent = Cmd<'RecordRemindersSent', { reminders: RecordReminderSent['data'][] }>;
/** Reminders the reminder worker held (quiet hours): each becomes a ReminderHeld on the timeline. */
export type RecordRemindersHeld = Cmd<
  'RecordRemindersHeld',
  { reminders: { reminderId: string; kind: ReminderKind; recipient: Person; homeworkId: string | null; heldUntil: string; reason: string }[] }
>;
/** A digest the reminder worker sent: a DigestSent on the timeline of each engagement it was about. */
export type RecordDigestSent = Cmd<'RecordDigestSent', DigestSent['data']>;
export type PauseEngagement = Cmd<'PauseEngagement', { reason: string }>;
export type ResumeEngagement = Cmd<'ResumeEngagement', { reason: string | null }>;
export type CloseEngagement = Cmd<'CloseEngagement', { outcome: EngagementOutcome; note: string | null }>;

export type EngagementCommand =
  | OpenEngagement
  | RecordIntake
  | AssignHomework
  | SubmitDraft
  | GiveFeedback
  | CancelHomework
  | RescheduleHomework
  | LogCoachingSession
  | LogJobSearchActivity
  | RecordReminderSent
  | RecordRemindersSent
  | RecordRemindersHeld
  | RecordDigestSent
  | PauseEngagement
  | ResumeEngagement
  | CloseEngagement;

export type Decision = EngagementEvent[];
