import { ID, Int } from '@nestjs/graphql';
import { z } from 'zod';
import { LIMITS } from '../../domain/limits.js';
import type { EngagementStatus } from '../../domain/types.js';
import { EMAIL, externalId, isHttpUrl, line, reminderMinutes } from '../input-validation.js';
import { EngagementStatus as EngagementStatusEnum, EscalationChannel, EscalationTarget } from './enums.js';
import { field, inputType } from './input-type.js';

// The inputs of queries and of the practice settings, each declared once: a
// field's GraphQL type beside its validation (types/input-type.ts derives the
// @InputType class and the zod schema from it; resolvers call
// `validate(XInput.schema, raw, 'input')`). A command's input lives in its
// slice (commands/*.slice.ts), declared the same way.
//
// Nullability: a field is nullable in GraphQL exactly when its schema takes
// an absent value (`.nullish()`). The contract's nullable defaults
// (`offers: Int = 0`) add `defaultValue`; graphql-js fills it when the field
// is absent, but an explicit `null` still arrives as null.

export const EngagementFilter = inputType('EngagementFilter', {
  status: field(() => [EngagementStatusEnum], z.array(z.enum(['INTAKE', 'ACTIVE', 'PAUSED', 'CLOSED'] as [EngagementStatus, ...EngagementStatus[]])).max(4).nullish()),
  coachId: field(() => ID, externalId.nullish()),
  clientId: field(() => ID, externalId.nullish()),
  hasOverdueHomework: field(() => Boolean, z.boolean().nullish()),
  search: field(() => String, line(LIMITS.search).nullish(), { description: 'matches title, coach name or client name' }),
});
export type EngagementFilter = InstanceType<typeof EngagementFilter>;

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
});
