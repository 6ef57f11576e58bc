import { registerEnumType } from '@nestjs/graphql';
import type * as domain from '../../domain/types.js';

// Every enum is an `as const` object whose values equal their names, so the
// derived type is exactly the domain's string union (mutually assignable).
// `satisfies { [K in X]: K }` makes the compiler reject a missing, extra or
// misspelled value whenever the domain union changes.

export const Role = {
  ADMIN: 'ADMIN',
  COACH: 'COACH',
  CLIENT: 'CLIENT',
  /** addition to the contract */
  SYSTEM: 'SYSTEM',
} as const satisfies { [K in domain.Role]: K };
export type Role = (typeof Role)[keyof typeof Role];
registerEnumType(Role, {
  name: 'Role',
  valuesMap: { SYSTEM: { description: 'the service itself, e.g. a reminder job' } },
});

export const EngagementStatus = {
  INTAKE: 'INTAKE',
  ACTIVE: 'ACTIVE',
  PAUSED: 'PAUSED',
  CLOSED: 'CLOSED',
} as const satisfies { [K in domain.EngagementStatus]: K };
export type EngagementStatus = (typeof EngagementStatus)[keyof typeof EngagementStatus];
registerEnumType(EngagementStatus, {
  name: 'EngagementStatus',
  valuesMap: { INTAKE: { description: 'opened, intake not yet recorded' } },
});

export const HomeworkStatus = {
  ASSIGNED: 'ASSIGNED',
  SUBMITTED: 'SUBMITTED',
  CHANGES_REQUESTED: 'CHANGES_REQUESTED',
  ACCEPTED: 'ACCEPTED',
  CANCELLED: 'CANCELLED',
} as const satisfies { [K in domain.HomeworkStatus]: K };
export type HomeworkStatus = (typeof HomeworkStatus)[keyof typeof HomeworkStatus];
registerEnumType(HomeworkStatus, {
  name: 'HomeworkStatus',
  valuesMap: {
    ASSIGNED: { description: 'set, no draft yet' },
    SUBMITTED: { description: "latest draft awaits the coach's feedback" },
    CHANGES_REQUESTED: { description: 'coach asked for another draft' },
  },
});

export const FeedbackVerdict = {
  CHANGES_REQUESTED: 'CHANGES_REQUESTED',
  ACCEPTED: 'ACCEPTED',
} as const satisfies { [K in domain.FeedbackVerdict]: K };
export type FeedbackVerdict = (typeof FeedbackVerdict)[keyof typeof FeedbackVerdict];
registerEnumType(FeedbackVerdict, { name: 'FeedbackVerdict' });

export const JobSearchChannel = {
  JOB_BOARD: 'JOB_BOARD',
  NETWORKING: 'NETWORKING',
  REFERRAL: 'REFERRAL',
  RECRUITER: 'RECRUITER',
  DIRECT_APPLICATION: 'DIRECT_APPLICATION',
  OTHER: 'OTHER',
} as const satisfies { [K in domain.JobSearchChannel]: K };
export type JobSearchChannel = (typeof JobSearchChannel)[keyof typeof JobSearchChannel];
registerEnumType(JobSearchChannel, { name: 'JobSearchChannel' });

export const EngagementOutcome = {
  ROLE_ACCEPTED: 'ROLE_ACCEPTED',
  GOALS_MET: 'GOALS_MET',
  CLIENT_WITHDREW: 'CLIENT_WITHDREW',
  COACH_ENDED: 'COACH_ENDED',
  OTHER: 'OTHER',
} as const satisfies { [K in domain.EngagementOutcome]: K };
export type EngagementOutcome = (typeof EngagementOutcome)[keyof typeof EngagementOutcome];
registerEnumType(EngagementOutcome, { name: 'EngagementOutcome' });

export const ReminderKind = {
  HOMEWORK_DUE_SOON: 'HOMEWORK_DUE_SOON',
  HOMEWORK_OVERDUE: 'HOMEWORK_OVERDUE',
  FEEDBACK_PENDING: 'FEEDBACK_PENDING',
  HOMEWORK_ESCALATED: 'HOMEWORK_ESCALATED',
} as const satisfies { [K in domain.ReminderKind]: K };
export type ReminderKind = (typeof ReminderKind)[keyof typeof ReminderKind];
registerEnumType(ReminderKind, {
  name: 'ReminderKind',
  valuesMap: {
    HOMEWORK_DUE_SOON: { description: "to the client, before a homework's due time" },
    HOMEWORK_OVERDUE: { description: "to the client, after a homework's due time passed without an accepted draft" },
    FEEDBACK_PENDING: { description: "to the coach, when a draft has waited longer than the practice's feedback window" },
    HOMEWORK_ESCALATED: {
      description: "a step of the practice's escalation ladder: to the step's target (client, coach or admin), after the homework went overdue",
    },
  },
});

/** Not (yet) part of the domain vocabulary: lives with the reminders. */
export const ReminderStatus = {
  SCHEDULED: 'SCHEDULED',
  SENT: 'SENT',
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
  HELD: 'HELD',
  DIGESTED: 'DIGESTED',
} as const;
export type ReminderStatus = (typeof ReminderStatus)[keyof typeof ReminderStatus];
registerEnumType(ReminderStatus, {
  name: 'ReminderStatus',
  valuesMap: {
    HELD: { description: "waiting for the end of the practice's quiet hours in the recipient's time zone (heldUntil; the reason in note)" },
    DIGESTED: { description: "past the recipient's daily budget: listed in a digest instead (note names the digest)" },
  },
});

export const ReminderChannel = {
  WEBHOOK: 'WEBHOOK',
  EMAIL: 'EMAIL',
} as const satisfies { [K in domain.ReminderChannel]: K };
export type ReminderChannel = (typeof ReminderChannel)[keyof typeof ReminderChannel];
registerEnumType(ReminderChannel, { name: 'ReminderChannel' });

export const EscalationTarget = {
  CLIENT: 'CLIENT',
  COACH: 'COACH',
  ADMIN: 'ADMIN',
} as const satisfies { [K in domain.EscalationTarget]: K };
export type EscalationTarget = (typeof EscalationTarget)[keyof typeof EscalationTarget];
registerEnumType(EscalationTarget, {
  name: 'EscalationTarget',
  description: 'who a step of the escalation ladder notifies (ADMIN: the practice\'s escalation contact)',
});

/** A separate enum from ReminderChannel: BOTH is a choice, never an outcome a Reminder.channel could report. */
export const EscalationChannel = {
  WEBHOOK: 'WEBHOOK',
  EMAIL: 'EMAIL',
  BOTH: 'BOTH',
} as const satisfies { [K in domain.EscalationChannel]: K };
export type EscalationChannel = (typeof EscalationChannel)[keyof typeof EscalationChannel];
registerEnumType(EscalationChannel, { name: 'EscalationChannel', description: "a step's channels (as the practice's settings allow)" });
