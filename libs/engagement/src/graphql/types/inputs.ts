import { GraphQLISODateTime, ID, Int } from '@nestjs/graphql';
import { z } from 'zod';
import { LIMITS } from '../../domain/limits.js';
import type { EngagementStatus } from '../../domain/types.js';
import {
  channel,
  count,
  EMAIL,
  externalId,
  idempotencyKey,
  instant,
  isHttpUrl,
  line,
  reminderMinutes,
  text,
  timeZone,
  uuid,
  version,
} from '../input-validation.js';
import { EngagementOutcome, EngagementStatus as EngagementStatusEnum, EscalationChannel, EscalationTarget, FeedbackVerdict, JobSearchChannel } from './enums.js';
import { field, inputType } from './input-type.js';

// Every input of the API, declared once: each field's GraphQL type beside its
// validation (types/input-type.ts derives the @InputType class and the zod
// schema from it; resolvers call `validate(XInput.schema, raw, 'input')`).
//
// Nullability: a field is nullable in GraphQL exactly when its schema takes
// an absent value (`.nullish()`). The contract's nullable defaults
// (`offers: Int = 0`) add `defaultValue`; graphql-js fills it when the field
// is absent, but an explicit `null` still arrives as null.

const optionalKey = field(() => String, idempotencyKey.nullish());
const optionalVersion = field(() => Int, version.nullish());

export const EngagementFilter = inputType('EngagementFilter', {
  status: field(() => [EngagementStatusEnum], z.array(z.enum(['INTAKE', 'ACTIVE', 'PAUSED', 'CLOSED'] as [EngagementStatus, ...EngagementStatus[]])).max(4).nullish()),
  coachId: field(() => ID, externalId.nullish()),
  clientId: field(() => ID, externalId.nullish()),
  hasOverdueHomework: field(() => Boolean, z.boolean().nullish()),
  search: field(() => String, line(LIMITS.search).nullish(), { description: 'matches title, coach name or client name' }),
});
export type EngagementFilter = InstanceType<typeof EngagementFilter>;

export const PersonInput = inputType('PersonInput', {
  id: field(() => ID, externalId),
  name: field(() => String, line(LIMITS.personName)),
  email: field(() => String, z.string().max(LIMITS.email).regex(EMAIL, 'must be an email address').nullish()),
  timezone: field(() => String, timeZone.nullish(), {
    description: "IANA time zone, e.g. Pacific/Auckland: reminders' quiet hours follow it; absent: UTC",
  }),
});

export const ChannelStatInput = inputType('ChannelStatInput', {
  channel: field(() => JobSearchChannel, channel),
  applications: field(() => Int, count),
  interviews: field(() => Int, count),
  offers: field(() => Int, count.nullish(), { defaultValue: 0 }),
});

export const OpenEngagementInput = inputType('OpenEngagementInput', {
  coach: field(() => PersonInput, PersonInput.schema),
  client: field(() => PersonInput, PersonInput.schema),
  title: field(() => String, line(LIMITS.title)),
  idempotencyKey: optionalKey,
});

export const RecordIntakeInput = inputType('RecordIntakeInput', {
  engagementId: field(() => ID, uuid),
  presentingQuestion: field(() => String, text(LIMITS.presentingQuestion)),
  background: field(() => String, text(LIMITS.background, 0)),
  goals: field(() => [String], z.array(line(LIMITS.goal)).max(LIMITS.goals, `at most ${LIMITS.goals} goals`)),
  currentStrategy: field(() => String, text(LIMITS.currentStrategy, 0)),
  baseline: field(
    () => [ChannelStatInput],
    z
      .array(ChannelStatInput.schema)
      .max(LIMITS.baselineEntries)
      .refine((b) => new Set(b.map((x) => x.channel)).size === b.length, 'must name each channel at most once'),
  ),
  expectedVersion: optionalVersion,
  idempotencyKey: optionalKey,
});

export const AssignHomeworkInput = inputType('AssignHomeworkInput', {
  engagementId: field(() => ID, uuid),
  title: field(() => String, line(LIMITS.title)),
  instructions: field(() => String, text(LIMITS.instructions, 0)),
  dueAt: field(() => GraphQLISODateTime, instant.nullish()),
  expectedVersion: optionalVersion,
  idempotencyKey: optionalKey,
});

export const RescheduleHomeworkInput = inputType(
  'RescheduleHomeworkInput',
  {
    engagementId: field(() => ID, uuid),
    homeworkId: field(() => ID, uuid),
    dueAt: field(() => GraphQLISODateTime, instant, { description: 'the new due time, in the future' }),
    expectedVersion: optionalVersion,
    idempotencyKey: optionalKey,
  },
  { description: 'A new due time for open homework (ASSIGNED, SUBMITTED or CHANGES_REQUESTED).' },
);

export const SubmitDraftInput = inputType('SubmitDraftInput', {
  homeworkId: field(() => ID, uuid),
  content: field(() => String, text(LIMITS.draftContent)),
  idempotencyKey: optionalKey,
});

export const GiveFeedbackInput = inputType('GiveFeedbackInput', {
  draftId: field(() => ID, uuid),
  verdict: field(() => FeedbackVerdict, z.enum(['CHANGES_REQUESTED', 'ACCEPTED'])),
  comments: field(() => String, text(LIMITS.comments, 0)),
  idempotencyKey: optionalKey,
});

export const CancelHomeworkInput = inputType('CancelHomeworkInput', {
  homeworkId: field(() => ID, uuid),
  reason: field(() => String, text(LIMITS.reason)),
  idempotencyKey: optionalKey,
});

export const LogCoachingSessionInput = inputType('LogCoachingSessionInput', {
  engagementId: field(() => ID, uuid),
  heldAt: field(() => GraphQLISODateTime, instant.refine((d) => d.getUTCFullYear() >= 2000, 'must be a real date (year 2000 or later)')),
  durationMinutes: field(
    () => Int,
    z.number().int('must be a whole number').min(1, 'must be at least 1').max(LIMITS.sessionMinutes, 'must be at most a day'),
  ),
  summary: field(() => String, text(LIMITS.summary)),
  idempotencyKey: optionalKey,
});

export const LogJobSearchActivityInput = inputType('LogJobSearchActivityInput', {
  engagementId: field(() => ID, uuid),
  channel: field(() => JobSearchChannel, channel),
  applications: field(() => Int, count),
  interviews: field(() => Int, count),
  offers: field(() => Int, count.nullish(), { defaultValue: 0 }),
  note: field(() => String, text(LIMITS.note, 0).nullish()),
  idempotencyKey: optionalKey,
});

export const PauseEngagementInput = inputType('PauseEngagementInput', {
  engagementId: field(() => ID, uuid),
  reason: field(() => String, text(LIMITS.reason)),
  idempotencyKey: optionalKey,
});

export const ResumeEngagementInput = inputType('ResumeEngagementInput', {
  engagementId: field(() => ID, uuid),
  idempotencyKey: optionalKey,
});

export const CloseEngagementInput = inputType('CloseEngagementInput', {
  engagementId: field(() => ID, uuid),
  outcome: field(() => EngagementOutcome, z.enum(['ROLE_ACCEPTED', 'GOALS_MET', 'CLIENT_WITHDREW', 'COACH_ENDED', 'OTHER'])),
  note: field(() => String, text(LIMITS.note, 0).nullish()),
  idempotencyKey: optionalKey,
});

export const EscalationStepInput = inputType('EscalationStepInput', {
  afterMinutes: field(() => Int, reminderMinutes(), { description: 'minutes after the homework went overdue (its HOMEWORK_OVERDUE time)' }),
  notify: field(() => EscalationTarget, z.enum(['CLIENT', 'COACH', 'ADMIN'])),
  channel: field(() => EscalationChannel, z.enum(['WEBHOOK', 'EMAIL', 'BOTH']).nullish(), {
    description: "absent: every channel the practice's settings allow",
  }),
});

const wallTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (00:00 to 23:59)');

export const QuietHoursInput = inputType('QuietHoursInput', {
  start: field(() => String, wallTime, { description: '"HH:MM", when the window opens (the recipient\'s local time)' }),
  end: field(() => String, wallTime, { description: '"HH:MM", when it closes; earlier than start: the window spans midnight' }),
});

export const UpdatePracticeSettingsInput = inputType('UpdatePracticeSettingsInput', {
  webhookUrl: field(
    () => String,
    z
      .string()
      .max(2_000, 'must be at most 2000 characters')
      .refine((s) => s === '' || isHttpUrl(s), 'must be an http(s) URL')
      .nullish(),
  ),
  webhookSecret: field(
    () => String,
    z
      .string()
      .max(256, 'must be at most 256 characters')
      .refine((s) => s === '' || (s.length >= 16 && /^[\x21-\x7e]+$/.test(s)), 'must be 16 to 256 printable characters')
      .nullish(),
  ),
  emailReminders: field(() => Boolean, z.boolean().nullish()),
  dueSoonOffsetsMinutes: field(
    () => [Int],
    z
      .array(reminderMinutes())
      .max(LIMITS.dueSoonOffsets, `at most ${LIMITS.dueSoonOffsets} offsets`)
      .refine((a) => new Set(a).size === a.length, 'must not repeat an offset')
      .nullish(),
  ),
  overdueAfterMinutes: field(() => Int, reminderMinutes().nullish()),
  feedbackWindowMinutes: field(() => Int, reminderMinutes().nullish()),
  escalation: field(
    () => [EscalationStepInput],
    z
      .array(EscalationStepInput.schema)
      .max(LIMITS.escalationSteps, `at most ${LIMITS.escalationSteps} steps`)
      .refine((steps) => steps.every((s, i) => i === 0 || s.afterMinutes >= steps[i - 1]!.afterMinutes), 'steps must be in order of afterMinutes')
      .nullish(),
    { description: 'replaces the whole ladder; [] turns escalation off' },
  ),
  escalationEmail: field(
    () => String,
    z.string().max(LIMITS.email).refine((s) => s === '' || EMAIL.test(s), 'must be an email address').nullish(),
    { description: "where ADMIN steps are emailed; '' clears it (ADMIN steps then go by webhook only)" },
  ),
  quietHours: field(
    () => QuietHoursInput,
    QuietHoursInput.schema.refine((q) => q.start !== q.end, 'start and end must differ').nullable().optional(),
    { description: 'null: no quiet hours' },
  ),
  maxRemindersPerDay: field(
    () => Int,
    z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1 (null: no budget)')
      .max(LIMITS.maxRemindersPerDay, `must be at most ${LIMITS.maxRemindersPerDay}`)
      .nullable()
      .optional(),
    { description: "reminders per recipient per day before the rest wait for the next morning's digest; null: no budget" },
  ),
  coachDigest: field(() => Boolean, z.boolean().nullish(), { description: 'a morning digest to each coach of the drafts waiting for feedback' }),
});
