import { Int } from '@nestjs/graphql';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { BadUserInput, EXTERNAL_ID } from '#platform';
import { LIMITS } from '../domain/limits.js';
import { JOB_SEARCH_CHANNELS, type JobSearchChannel } from '../domain/types.js';
import { field } from './types/input-type.js';

// The building blocks of input validation (every input type's fields use
// them, types/inputs.ts) and `validate`: checked at the edge, before anything
// reaches a command or the database. A breach is BAD_USER_INPUT naming the field.

// Control characters other than tab, newline and carriage return.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const EMAIL = /^[^\s@<>()",;:\\]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$/;

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
export const count = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(LIMITS.count, `must be at most ${LIMITS.count}`);
export const version = z.number().int('must be a whole number').min(0, 'must be 0 or more');
export const idempotencyKey = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.idempotencyKey, `must be at most ${LIMITS.idempotencyKey} characters`)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
/** A date-time PostgreSQL and ISO-8601 agree on: a real instant of the years 0001 to 9999 (no `+100000-…`). */
export const instant = z
  .date({ error: 'must be a valid date-time' })
  .refine((d) => !Number.isNaN(d.getTime()), 'must be a valid date-time')
  .refine((d) => Number.isNaN(d.getTime()) || (d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999), 'must be a date-time of the years 0001 to 9999');
/** The input fields of the options every engagement mutation may carry (`WriteOptions`), declared once for every slice's input. */
export const optionalKey = field(() => String, idempotencyKey.nullish());
export const optionalVersion = field(() => Int, version.nullish());
export const channel = z.enum(JOB_SEARCH_CHANNELS as readonly JobSearchChannel[] as [JobSearchChannel, ...JobSearchChannel[]]);

// The schemas of query arguments that are not input types. Every input type
// is declared once, fields and their schemas together, in types/inputs.ts.
export const inputs = {
  practiceDashboard: z.object({ since: instant.nullish() }),
  pageSize: z.number().int().min(0, 'must be 0 or more').max(LIMITS.pageSize, `must be at most ${LIMITS.pageSize}`),
  id: uuid,
};

export function reminderMinutes() {
  return z.number().int('must be a whole number').min(0, 'must be 0 or more').max(LIMITS.reminderMinutes, 'must be at most a year');
}

/** An IANA time zone name this runtime knows (Luxon asks Intl), e.g. "Pacific/Auckland". */
export const timeZone = z
  .string()
  .max(64, 'must be at most 64 characters')
  // a name, not an offset ("+13:00" has no DST rules), that this runtime's zone data knows
  .refine((s) => /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(s) && IANAZone.isValidZone(s), 'must be an IANA time zone, e.g. Europe/London');

export function isHttpUrl(s: string): boolean {
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
