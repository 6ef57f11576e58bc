// Property-based fuzz of every mutation's input, over HTTP against the real API
// (fast-check): arbitrary strings (unicode, control characters, lone
// surrogates, empty, blank, at and past every limit), huge, negative and
// fractional numbers, wrong types through variables, missing fields, random
// and real ids, by an ADMIN, the coach or the client. Whatever arrives: never a
// 5xx, never INTERNAL_SERVER_ERROR, only the codes PRODUCT.md promises, and a
// refused mutation leaves every row of the practice as it was (events,
// idempotency records, read models, snapshots, settings), compared by checksum.
//
// Fixed seed (FUZZ_SEED to change it, FUZZ_RUNS for more runs); on a failure
// fast-check prints the seed, the path and the counterexample to replay.
import fc from 'fast-check';
import type pg from 'pg';
import type { Caller } from '../support/api.js';
import { TestApi } from '../support/api.js';
import { testPool } from '../support/db.js';
import { M, Story, newCast, type Cast } from '../support/engagements.js';
import { uniqueId } from '../support/ids.js';
import { PRACTICE_TABLES } from '../../libs/platform/src/database/migrations/1764000000004-row-level-security.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_105);
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RULE_VIOLATED', 'RATE_LIMITED'];

/** Every table holding a practice's data, checksummed (row count and md5 of the rows in a stable order). */
const TABLES = PRACTICE_TABLES;

let api: TestApi;
let owner: pg.Pool;

beforeAll(async () => {
  api = await TestApi.start({ RATE_LIMIT_PREFIX: uniqueId('fuzz'), RATE_LIMIT_PER_WINDOW: '100000' });
  owner = testPool(2);
});
afterAll(async () => {
  await owner?.end();
  await api?.close();
});

async function checksum(practiceId: string): Promise<Record<string, string>> {
  const union = TABLES.map((t) => `SELECT '${t}' AS t, x::text AS r FROM ${t} x WHERE practice_id = $1`).join(' UNION ALL ');
  const { rows } = await owner.query<{ t: string; n: number; h: string }>(
    `SELECT t, count(*)::int AS n, md5(string_agg(r, '|' ORDER BY r)) AS h FROM (${union}) s GROUP BY t`,
    [practiceId],
  );
  return Object.fromEntries(rows.map((r) => [r.t, `${r.n}:${r.h}`]));
}

// ---- arbitraries ---------------------------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => `draft ${String.fromCharCode(c)} text`);
const control = fc.constantFrom('\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u001b', '\u007f', '\u202e', '\ufeff', '\r\n', '\t');
const around = (n: number) => fc.constantFrom(n - 1, n, n + 1).map((k) => 'é'.repeat(Math.max(0, k)));
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  loneSurrogate,
  fc.tuple(fc.string({ maxLength: 10 }), control, fc.string({ maxLength: 10 })).map(([a, c, b]) => a + c + b),
  fc.constantFrom('', ' ', '   \n\t ', "'; DROP TABLE events; --", '${jndi:ldap://x}', '<script>alert(1)</script>', '%s%n', '../../etc/passwd', 'null', 'undefined'),
  around(200),
  around(10_000),
  fc.constantFrom(50_001, 70_000).map((n) => 'x'.repeat(n)),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(), // NaN and ±Infinity travel as null in JSON
  fc.constantFrom(-1, 0, -0, 0.5, 1.5, 999_999, 1_000_000, 1_000_001, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e308, -1e308),
);
const wrongType = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
const anything: fc.Arbitrary<unknown> = fc.oneof(hostileString, hostileNumber, wrongType);

const text = (...valid: string[]) => fc.oneof(fc.constantFrom(...valid), anything);
const int = (...valid: number[]) => fc.oneof(fc.constantFrom(...valid), fc.integer({ min: -5, max: 100 }), anything);
const oneOf = (...values: string[]) => fc.oneof(fc.constantFrom(...values), anything);
const list = <T>(item: fc.Arbitrary<T>) => fc.oneof(fc.array(item, { maxLength: 8 }), anything);
const dateTime = fc.oneof(
  fc.integer({ min: -400, max: 400 }).map((days) => new Date(Date.now() + days * 86_400_000).toISOString()),
  fc.constantFrom('2026-13-45T25:61:00Z', '0000-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '9999-12-31T23:59:59Z', 'tomorrow', ''),
  anything,
);
const idempotencyKey = fc.oneof(fc.constant(undefined), fc.uuid(), anything);
const channel = oneOf('JOB_BOARD', 'NETWORKING', 'REFERRAL', 'RECRUITER', 'DIRECT_APPLICATION', 'OTHER');

/** An input object whose every field may be missing; sometimes not an object at all. */
function input<T extends Record<string, fc.Arbitrary<unknown>>>(fields: T): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 9, arbitrary: fc.record(fields, { requiredKeys: [] }) }, { weight: 1, arbitrary: anything });
}

interface Target {
  cast: Cast;
  engagementId: string;
  /** SUBMITTED (a draft awaits feedback) and ASSIGNED */
  homeworkIds: [string, string];
  draftId: string;
}

const id = (real: string) => fc.oneof(fc.constant(real), fc.uuid(), anything);
const person = (ids: string[]) =>
  fc.oneof(
    { weight: 9, arbitrary: fc.record({ id: fc.oneof(fc.constantFrom(...ids), anything), name: text('Mark Coach', 'Sam'), email: fc.oneof(fc.constantFrom('mark@example.com', 'a@b', null), anything) }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: anything },
  );

/** Per mutation: its arbitrary input, given the target engagement's ids. */
const INPUTS: Record<keyof typeof M, (t: Target) => fc.Arbitrary<unknown>> = {
  openEngagement: (t) =>
    input({ coach: person([t.cast.coach.id, 'coach-x']), client: person([t.cast.client.id, 'client-x']), title: text('Job search'), idempotencyKey }),
  recordIntake: (t) =>
    input({
      engagementId: id(t.engagementId),
      presentingQuestion: text('What am I doing wrong?'),
      background: text('', 'Senior IT'),
      goals: list(text('Interviews')),
      currentStrategy: text('', 'Job boards'),
      baseline: list(fc.record({ channel, applications: int(500), interviews: int(8), offers: fc.oneof(int(0), fc.constant(null)) }, { requiredKeys: [] })),
      expectedVersion: fc.oneof(int(0, 2, 5), fc.constant(null)),
      idempotencyKey,
    }),
  assignHomework: (t) =>
    input({
      engagementId: id(t.engagementId),
      title: text('Ask for help'),
      instructions: text('', 'Script it'),
      dueAt: fc.oneof(dateTime, fc.constant(null)),
      expectedVersion: fc.oneof(int(0, 5), fc.constant(null)),
      idempotencyKey,
    }),
  submitDraft: (t) => input({ homeworkId: fc.oneof(id(t.homeworkIds[1]), id(t.homeworkIds[0])), content: text('My hook'), idempotencyKey }),
  giveFeedback: (t) => input({ draftId: id(t.draftId), verdict: oneOf('CHANGES_REQUESTED', 'ACCEPTED'), comments: text('', 'Shorter'), idempotencyKey }),
  cancelHomework: (t) => input({ homeworkId: fc.oneof(id(t.homeworkIds[1]), id(t.homeworkIds[0])), reason: text('No longer needed'), idempotencyKey }),
  logCoachingSession: (t) =>
    input({ engagementId: id(t.engagementId), heldAt: dateTime, durationMinutes: int(45, 1440, 1441), summary: text('Talked'), idempotencyKey }),
  logJobSearchActivity: (t) =>
    input({
      engagementId: id(t.engagementId),
      channel,
      applications: int(3),
      interviews: int(1),
      offers: fc.oneof(int(0), fc.constant(null)),
      note: fc.oneof(text('Coffee chats'), fc.constant(null)),
      idempotencyKey,
    }),
  pauseEngagement: (t) => input({ engagementId: id(t.engagementId), reason: text('Holiday'), idempotencyKey }),
  resumeEngagement: (t) => input({ engagementId: id(t.engagementId), idempotencyKey }),
  closeEngagement: (t) =>
    input({
      engagementId: id(t.engagementId),
      outcome: oneOf('ROLE_ACCEPTED', 'GOALS_MET', 'CLIENT_WITHDREW', 'COACH_ENDED', 'OTHER'),
      note: fc.oneof(text('Done'), fc.constant(null)),
      idempotencyKey,
    }),
  updatePracticeSettings: () =>
    input({
      webhookUrl: fc.oneof(fc.constantFrom('https://hooks.example.com/x', 'http://user:pw@example.com', 'ftp://x', 'javascript:alert(1)', ''), anything),
      webhookSecret: fc.oneof(fc.constantFrom('0123456789abcdef', 'short', ''), anything),
      emailReminders: fc.oneof(fc.boolean(), anything),
      dueSoonOffsetsMinutes: list(int(60, 1440, 525_600, 525_601)),
      overdueAfterMinutes: int(1440, 525_601),
      feedbackWindowMinutes: int(2880),
    }),
};

/** A practice with one ACTIVE engagement: homework with a draft awaiting feedback, and homework just assigned. */
async function target(): Promise<Target> {
  const cast = newCast('fuzz');
  const story = new Story(api, cast);
  const { engagement, homeworkId, draftId } = await story.withDraft();
  const second = await story.assign(engagement.id, 'Ask for help so people say yes');
  return { cast, engagementId: engagement.id, homeworkIds: [homeworkId, second.id], draftId };
}

describe.each(Object.keys(M) as (keyof typeof M)[])('%s', (mutation) => {
  it(`never answers 5xx or INTERNAL_SERVER_ERROR, and a refusal writes nothing (${RUNS} runs)`, async () => {
    const t = await target();
    const callers: Caller[] = [t.cast.admin, t.cast.coach, t.cast.client];
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(INPUTS[mutation](t), fc.constantFrom(...callers), async (value, caller) => {
        const before = await checksum(t.cast.practiceId);
        const res = await api.gql(M[mutation], { input: value }, caller);
        expect(res.status).toBeLessThan(500);
        expect(res.body).toBeInstanceOf(Object); // JSON, whatever the input
        for (const error of res.errors ?? []) expect(CODES).toContain(error.extensions.code);
        if (res.errors?.length) {
          refused += 1;
          expect(await checksum(t.cast.practiceId)).toEqual(before);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // the fuzz is mostly refusals, as it should be: most of its inputs are wrong somewhere
    expect(refused).toBeGreaterThan(RUNS / 2);
  });
});
