// Shared vocabulary of the engagement domain. Plain data only: these shapes are
// stored in the event log, so a change here is a schema change (add an upcaster).

export type Role = 'ADMIN' | 'COACH' | 'CLIENT' | 'SYSTEM';
export type EngagementStatus = 'INTAKE' | 'ACTIVE' | 'PAUSED' | 'CLOSED';
export type HomeworkStatus = 'ASSIGNED' | 'SUBMITTED' | 'CHANGES_REQUESTED' | 'ACCEPTED' | 'CANCELLED';
export type FeedbackVerdict = 'CHANGES_REQUESTED' | 'ACCEPTED';
export type JobSearchChannel =
  | 'JOB_BOARD'
  | 'NETWORKING'
  | 'REFERRAL'
  | 'RECRUITER'
  | 'DIRECT_APPLICATION'
  | 'OTHER';
export type EngagementOutcome = 'ROLE_ACCEPTED' | 'GOALS_MET' | 'CLIENT_WITHDREW' | 'COACH_ENDED' | 'OTHER';
export type ReminderKind = 'HOMEWORK_DUE_SOON' | 'HOMEWORK_OVERDUE' | 'FEEDBACK_PENDING' | 'HOMEWORK_ESCALATED';
/** Who a step of a practice's escalation ladder notifies. */
export type EscalationTarget = 'CLIENT' | 'COACH' | 'ADMIN';
/** A step's channels: one of them, or both (as the practice's settings allow). */
export type EscalationChannel = 'WEBHOOK' | 'EMAIL' | 'BOTH';
export type ReminderChannel = 'WEBHOOK' | 'EMAIL';

export const JOB_SEARCH_CHANNELS: readonly JobSearchChannel[] = [
  'JOB_BOARD',
  'NETWORKING',
  'REFERRAL',
  'RECRUITER',
  'DIRECT_APPLICATION',
  'OTHER',
];

export interface Person {
  id: string;
  name: string;
  email: string | null;
  /** IANA time zone (reminders' quiet hours and digests follow it); absent in older events: UTC */
  timezone?: string | null;
}

export interface Actor {
  id: string;
  role: Role;
}

export interface ChannelCounts {
  channel: JobSearchChannel;
  applications: number;
  interviews: number;
  offers: number;
}

/** Homework that still expects work from someone. */
export const OPEN_HOMEWORK: readonly HomeworkStatus[] = ['ASSIGNED', 'SUBMITTED', 'CHANGES_REQUESTED'];
