import { z } from 'zod';
import { BadUserInput, EXTERNAL_ID } from '#platform';
import { LIMITS } from '../domain/limits.js';
import { JOB_SEARCH_CHANNELS, type EngagementStatus, type JobSearchChannel } from '../domain/types.js';

// Every mutation input is checked here, at the edge, before anything reaches a
// handler or the database. A breach is BAD_USER_INPUT naming the field.

// Control characters other than tab, newline and carriage return.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@<>()",;:\\]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$/;

/** One line of text: required, trimmed of nothing, no control characters at all. */
export const line = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, 'must not be blank')
    .refine((s) => !ANY_CONTROL.test(s), 'must be a single line without control characters');

/** Free text: tabs and line breaks allowed, other control characters not. */
export const text = (max: number, min = 1) =>
  z
    .string()
    .min(min, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => min === 0 || s.trim().length > 0, 'must not be blank')
    .refine((s) => !CONTROL.test(s), 'must not contain control characters');

export const uuid = z.string().regex(UUID, 'must be an id this API returned (a UUID)');
export const externalId = z
  .string()
  .regex(EXTERNAL_ID, 'must be 1 to 128 letters, digits or . _ : @ - (starting with a letter or digit)');
const count = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(LIMITS.count, `must be at most ${LIMITS.count}`);
const version = z.number().int('must be a whole number').min(0, 'must be 0 or more');
const idempotencyKey = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.idempotencyKey, `must be at most ${LIMITS.idempotencyKey} characters`)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
/** A date-time PostgreSQL and ISO-8601 agree on: a real instant of the years 0001 to 9999 (no `+100000-…`). */
const instant = z
  .date({ error: 'must be a valid date-time' })
  .refine((d) => !Number.isNaN(d.getTime()), 'must be a valid date-time')
  .refine((d) => Number.isNaN(d.getTime()) || (d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999), 'must be a date-time of the years 0001 to 9999');
const channel = z.enum(JOB_SEARCH_CHANNELS as readonly JobSearchChannel[] as [JobSearchChannel, ...JobSearchChannel[]]);

const person = z.object({
  id: externalId,
  name: line(LIMITS.personName),
  email: z.string().max(LIMITS.email).regex(EMAIL, 'must be an email address').nullish(),
});

const writeOptions = { expectedVersion: version.nullish(), idempotencyKey: idempotencyKey.nullish() };

export const inputs = {
  openEngagement: z.object({ coach: person, client: person, title: line(LIMITS.title), idempotencyKey: idempotencyKey.nullish() }),
  recordIntake: z.object({
    engagementId: uuid,
    presentingQuestion: text(LIMITS.presentingQuestion),
    background: text(LIMITS.background, 0),
    goals: z.array(line(LIMITS.goal)).max(LIMITS.goals, `at most ${LIMITS.goals} goals`),
    currentStrategy: text(LIMITS.currentStrategy, 0),
    baseline: z
      .array(z.object({ channel, applications: count, interviews: count, offers: count.nullish() }))
      .max(LIMITS.baselineEntries)
      .refine((b) => new Set(b.map((x) => x.channel)).size === b.length, 'must name each channel at most once'),
    ...writeOptions,
  }),
  assignHomework: z.object({
    engagementId: uuid,
    title: line(LIMITS.title),
    instructions: text(LIMITS.instructions, 0),
    dueAt: instant.nullish(),
    ...writeOptions,
  }),
  rescheduleHomework: z.object({ engagementId: uuid, homeworkId: uuid, dueAt: instant, ...writeOptions }),
  submitDraft: z.object({ homeworkId: uuid, content: text(LIMITS.draftContent), idempotencyKey: idempotencyKey.nullish() }),
  giveFeedback: z.object({
    draftId: uuid,
    verdict: z.enum(['CHANGES_REQUESTED', 'ACCEPTED']),
    comments: text(LIMITS.comments, 0),
    idempotencyKey: idempotencyKey.nullish(),
  }),
  cancelHomework: z.object({ homeworkId: uuid, reason: text(LIMITS.reason), idempotencyKey: idempotencyKey.nullish() }),
  logCoachingSession: z.object({
    engagementId: uuid,
    heldAt: instant.refine((d) => d.getUTCFullYear() >= 2000, 'must be a real date (year 2000 or later)'),
    durationMinutes: z.number().int('must be a whole number').min(1, 'must be at least 1').max(LIMITS.sessionMinutes, 'must be at most a day'),
    summary: text(LIMITS.summary),
    idempotencyKey: idempotencyKey.nullish(),
  }),
  logJobSearchActivity: z.object({
    engagementId: uuid,
    channel,
    applications: count,
    interviews: count,
    offers: count.nullish(),
    note: text(LIMITS.note, 0).nullish(),
    idempotencyKey: idempotencyKey.nullish(),
  }),
  pauseEngagement: z.object({ engagementId: uuid, reason: text(LIMITS.reason), idempotencyKey: idempotencyKey.nullish() }),
  resumeEngagement: z.object({ engagementId: uuid, idempotencyKey: idempotencyKey.nullish() }),
  closeEngagement: z.object({
    engagementId: uuid,
    outcome: z.enum(['ROLE_ACCEPTED', 'GOALS_MET', 'CLIENT_WITHDREW', 'COACH_ENDED', 'OTHER']),
    note: text(LIMITS.note, 0).nullish(),
    idempotencyKey: idempotencyKey.nullish(),
  }),
  updatePracticeSettings: z.object({
    webhookUrl: z
      .string()
      .max(2_000, 'must be at most 2000 characters')
      .refine((s) => s === '' || isHttpUrl(s), 'must be an http(s) URL')
      .nullish(),
    webhookSecret: z
      .string()
      .max(256, 'must be at most 256 characters')
      .refine((s) => s === '' || (s.length >= 16 && /^[\x21-\x7e]+$/.test(s)), 'must be 16 to 256 printable characters')
      .nullish(),
    emailReminders: z.boolean().nullish(),
    dueSoonOffsetsMinutes: z
      .array(reminderMinutes())
      .max(LIMITS.dueSoonOffsets, `at most ${LIMITS.dueSoonOffsets} offsets`)
      .refine((a) => new Set(a).size === a.length, 'must not repeat an offset')
      .nullish(),
    overdueAfterMinutes: reminderMinutes().nullish(),
    feedbackWindowMinutes: reminderMinutes().nullish(),
  }),
  engagementFilter: z.object({
    status: z.array(z.enum(['INTAKE', 'ACTIVE', 'PAUSED', 'CLOSED'] as [EngagementStatus, ...EngagementStatus[]])).max(4).nullish(),
    coachId: externalId.nullish(),
    clientId: externalId.nullish(),
    hasOverdueHomework: z.boolean().nullish(),
    search: line(LIMITS.search).nullish(),
  }),
  practiceDashboard: z.object({ since: instant.nullish() }),
  pageSize: z.number().int().min(0, 'must be 0 or more').max(LIMITS.pageSize, `must be at most ${LIMITS.pageSize}`),
  id: uuid,
};

function reminderMinutes() {
  return z.number().int('must be a whole number').min(0, 'must be 0 or more').max(LIMITS.reminderMinutes, 'must be at most a year');
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && u.hostname.length > 0;
  } catch {
    return false;
  }
}

/** Parses `value` with `schema`, or throws BadUserInput naming the first bad field (e.g. `input.coach.name`). */
export function validate<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.infer<S> {
  const result = schema.safeParse(value);
  const issue = result.success ? loneSurrogateIssue(result.data) : result.error.issues[0]!;
  if (!issue) return result.data as z.infer<S>;
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  throw new BadUserInput(path, issue.message);
}

// A lone UTF-16 surrogate survives JSON.parse but not PostgreSQL's jsonb, where events are stored.
const LONE_SURROGATE = /\p{Cs}/u;

function loneSurrogateIssue(value: unknown, path: PropertyKey[] = []): { path: PropertyKey[]; message: string } | null {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? { path, message: 'must be well-formed Unicode text' } : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const issue = loneSurrogateIssue(item, [...path, i]);
      if (issue) return issue;
    }
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      const issue = loneSurrogateIssue(item, [...path, key]);
      if (issue) return issue;
    }
  }
  return null;
}
