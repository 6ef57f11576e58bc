// Every way a caller can get it wrong, over HTTP: no or bad token, bad input,
// unknown ids, and every rule of PRODUCT.md that the API can reach. Each
// refusal has the promised code (and field or rule), is never an
// INTERNAL_SERVER_ERROR, leaks no stack trace, SQL or file path, and stores
// nothing.
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SignJWT } from 'jose';
import request from 'supertest';
import type { GraphQLResponse } from '../support/api.js';
import { TEST_JWT_SECRET } from '../support/env.js';
import { M, Q, Story, inAnHour, newCast, ok, person, type Cast } from '../support/engagements.js';
import { e2e } from '../support/e2e.js';

jest.setTimeout(30_000);

const the = e2e({ pool: 2 });

// A caller's mistake is the caller's: the operator's log gets no ERROR (with a stack) for any refusal of this
// file — Nest's exception handler used to log every error a resolver threw, FORBIDDEN and RULE_VIOLATED included.
const loggedErrors = jest.spyOn(Logger.prototype, 'error');
afterAll(() => {
  expect(loggedErrors.mock.calls.map((call) => String(call[0] instanceof Error ? call[0].message : call[0]))).toEqual([]);
  loggedErrors.mockRestore();
});

/** What no answer may show: a stack trace, a file path, SQL or PostgreSQL's own words. */
const LEAKS = [/\n\s+at /, /\bat .+:\d+:\d+/, /node_modules/, /\.(ts|js):\d+/, /\b(SELECT|INSERT|UPDATE|DELETE)\b/, /\bviolates\b|\bsyntax for type\b|relation "/];

function expectNoLeak(body: unknown): void {
  const text = JSON.stringify(body);
  for (const leak of LEAKS) expect(text).not.toMatch(leak);
}

/** The one error of a refused operation: its code and extensions, checked for leaks. */
function refusal(res: GraphQLResponse<unknown>): Record<string, unknown> {
  expectNoLeak(res.body);
  expect(res.errors).toHaveLength(1);
  const { extensions } = res.errors![0]!;
  expect(extensions.code).not.toBe('INTERNAL_SERVER_ERROR');
  return extensions;
}

describe('authentication', () => {
  const cast = newCast('errors-auth');
  const claims = { practice_id: cast.practiceId, role: 'COACH' };
  const sign = (secret: string, payload: Record<string, unknown> = claims, expires: number | null = 3600) => {
    const jwt = new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(cast.coach.id).setIssuedAt();
    if (expires !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expires);
    return jwt.sign(new TextEncoder().encode(secret));
  };
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

  const cases: [what: string, header: () => Promise<string | null>][] = [
    ['no Authorization header', async () => null],
    ['an expired token', async () => `Bearer ${await the.api.token(cast.coach, -60)}`],
    ['a token signed with another secret', async () => `Bearer ${await sign('a-different-secret-of-at-least-32-characters')}`],
    ['an unsigned token (alg none)', async () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub: cast.coach.id, exp: Math.floor(Date.now() / 1000) + 3600 })}.`],
    ['a token without exp', async () => `Bearer ${await sign(TEST_JWT_SECRET, claims, null)}`],
    ['a token with an unknown role', async () => `Bearer ${await sign(TEST_JWT_SECRET, { ...claims, role: 'SUPERUSER' })}`],
    ['a token without practice_id', async () => `Bearer ${await sign(TEST_JWT_SECRET, { role: 'ADMIN' })}`],
    ['a tampered payload', async () => {
      const [h, , s] = (await the.api.token(cast.coach)).split('.');
      return `Bearer ${h}.${b64({ ...claims, role: 'ADMIN', sub: cast.coach.id, exp: Math.floor(Date.now() / 1000) + 3600 })}.${s}`;
    }],
    ['a header that is not "Bearer <JWT>"', async () => `Basic ${Buffer.from('coach:secret').toString('base64')}`],
    ['"Bearer" and garbage', async () => 'Bearer not.a-jwt'],
    ['"Bearer" alone', async () => 'Bearer '],
    ['a token without "Bearer"', async () => the.api.token(cast.coach)],
  ];

  it.each(cases)('%s → UNAUTHENTICATED, HTTP 401, nothing stored', async (_what, header) => {
    const value = await header();
    const input = { input: { coach: person(cast.coach), client: person(cast.client), title: 'Should never exist' } };
    const res = await the.api.gql(M.openEngagement, input, value === null ? null : { authorization: value });
    expect(res.status).toBe(401);
    expect(refusal(res)).toEqual({ code: 'UNAUTHENTICATED' });
    expect(res.data ?? null).toBeNull();
    const query = await the.api.gql(Q.viewer, {}, value === null ? null : { authorization: value });
    expect([query.status, refusal(query)]).toEqual([401, { code: 'UNAUTHENTICATED' }]);
    expect(await the.log.countInPractice(cast.practiceId)).toBe(0);
  });

  it('accepts the same request with a valid token (the cases above fail for their token alone)', async () => {
    const res = await the.api.gql(M.openEngagement, { input: { coach: person(cast.coach), client: person(cast.client), title: 'Valid' } }, {
      authorization: `Bearer ${await sign(TEST_JWT_SECRET)}`,
    });
    ok(res);
    expect(await the.log.countInPractice(cast.practiceId)).toBe(1);
  });
});

describe('bad input', () => {
  const cast = newCast('errors-input');
  let engagementId: string;
  let homeworkId: string;
  let draftId: string;

  beforeAll(async () => {
    const f = await new Story(the.api, cast).withDraft();
    ({ homeworkId, draftId } = f);
    engagementId = f.engagement.id;
  });

  const open = (patch: Record<string, unknown>) => ({ input: { coach: person(cast.coach), client: person(cast.client), title: 'Job search', ...patch } });
  const intake = (patch: Record<string, unknown>) => ({
    input: {
      engagementId,
      presentingQuestion: 'What am I doing wrong?',
      background: '',
      goals: [],
      currentStrategy: '',
      baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8 }],
      ...patch,
    },
  });
  const homework = (patch: Record<string, unknown>) => ({ input: { engagementId, title: 'Articulate your hook', instructions: '', dueAt: inAnHour(), ...patch } });
  const baseline = (counts: Record<string, unknown>) => intake({ baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8, ...counts }] });

  // [what, operation, variables, the field the error must name]
  // (recordIntake runs against an ACTIVE engagement: input is checked before any rule)
  const cases: [string, string, () => Record<string, unknown>, string][] = [
    ['a 201-character title', M.openEngagement, () => open({ title: 'x'.repeat(201) }), 'input.title'],
    ['a blank title', M.openEngagement, () => open({ title: '   ' }), 'input.title'],
    ['a title with a line break', M.openEngagement, () => open({ title: 'Job\nsearch' }), 'input.title'],
    ['a title with a lone UTF-16 surrogate', M.openEngagement, () => open({ title: 'Job \ud800 search' }), 'input.title'],
    ['a coach id that looks like SQL', M.openEngagement, () => open({ coach: { id: "x'; drop table events; --", name: 'Mark' } }), 'input.coach.id'],
    ['a malformed client email', M.openEngagement, () => open({ client: { id: 'client-sam', name: 'Sam', email: 'sam at example' } }), 'input.client.email'],
    ['an unknown input field', M.openEngagement, () => open({ bogus: 1 }), 'input.bogus'],
    ['a missing required field', M.recordIntake, () => intake({ presentingQuestion: undefined }), 'input.presentingQuestion'],
    ['negative applications', M.recordIntake, () => baseline({ applications: -1 }), 'input.baseline.0.applications'],
    ['negative interviews', M.recordIntake, () => baseline({ interviews: -8 }), 'input.baseline.0.interviews'],
    ['fractional applications', M.recordIntake, () => baseline({ applications: 1.5 }), 'input.baseline.0.applications'],
    ['applications beyond a 32-bit integer', M.recordIntake, () => baseline({ applications: 2 ** 31 }), 'input.baseline.0.applications'],
    ['applications as text', M.recordIntake, () => baseline({ applications: '500' }), 'input.baseline.0.applications'],
    ['51 goals', M.recordIntake, () => intake({ goals: Array.from({ length: 51 }, (_, i) => `goal ${i}`) }), 'input.goals'],
    ['a 501-character goal', M.recordIntake, () => intake({ goals: ['ok', 'g'.repeat(501)] }), 'input.goals.1'],
    ['a channel twice in the baseline', M.recordIntake, () => intake({ baseline: [{ channel: 'JOB_BOARD', applications: 1, interviews: 0 }, { channel: 'JOB_BOARD', applications: 2, interviews: 0 }] }), 'input.baseline'],
    ['an engagement id that is not a UUID', M.assignHomework, () => homework({ engagementId: 'not-a-uuid' }), 'input.engagementId'],
    ['an engagement id that looks like SQL', M.assignHomework, () => homework({ engagementId: "' or '1'='1" }), 'input.engagementId'],
    ['10,001 characters of instructions', M.assignHomework, () => homework({ instructions: 'i'.repeat(10_001) }), 'input.instructions'],
    ['a due date that is not a date', M.assignHomework, () => homework({ dueAt: 'next "Tuesday"' }), 'input.dueAt'],
    ['a negative expectedVersion', M.assignHomework, () => homework({ expectedVersion: -1 }), 'input.expectedVersion'],
    ['an idempotency key with spaces', M.assignHomework, () => homework({ idempotencyKey: 'my key' }), 'input.idempotencyKey'],
    ['draft content of 50,001 characters', M.submitDraft, () => ({ input: { homeworkId, content: 'd'.repeat(50_001) } }), 'input.content'],
    ['draft content with a NUL character', M.submitDraft, () => ({ input: { homeworkId, content: 'My hook\u0000' } }), 'input.content'],
    ['a homework id that looks like SQL', M.submitDraft, () => ({ input: { homeworkId: '1; drop table homework', content: 'x' } }), 'input.homeworkId'],
    ['a draft id that is not a UUID', M.giveFeedback, () => ({ input: { draftId: '42', verdict: 'ACCEPTED', comments: '' } }), 'input.draftId'],
    ['10,001 characters of comments', M.giveFeedback, () => ({ input: { draftId, verdict: 'ACCEPTED', comments: 'c'.repeat(10_001) } }), 'input.comments'],
    ['an unknown verdict', M.giveFeedback, () => ({ input: { draftId, verdict: 'MAYBE', comments: '' } }), 'input.verdict'],
    ['a session held in 1970', M.logCoachingSession, () => ({ input: { engagementId, heldAt: '1970-01-01T00:00:00Z', durationMinutes: 30, summary: 's' } }), 'input.heldAt'],
    ['a session of 0 minutes', M.logCoachingSession, () => ({ input: { engagementId, heldAt: new Date().toISOString(), durationMinutes: 0, summary: 's' } }), 'input.durationMinutes'],
    ['negative offers', M.logJobSearchActivity, () => ({ input: { engagementId, channel: 'NETWORKING', applications: 1, interviews: 0, offers: -1 } }), 'input.offers'],
    ['an unknown channel', M.logJobSearchActivity, () => ({ input: { engagementId, channel: 'CARRIER_PIGEON', applications: 1, interviews: 0 } }), 'input.channel'],
    ['a blank pause reason', M.pauseEngagement, () => ({ input: { engagementId, reason: '' } }), 'input.reason'],
    ['a javascript: webhook URL', M.updatePracticeSettings, () => ({ input: { webhookUrl: 'javascript:alert(1)' } }), 'input.webhookUrl'],
    ['a negative reminder offset', M.updatePracticeSettings, () => ({ input: { dueSoonOffsetsMinutes: [60, -5] } }), 'input.dueSoonOffsetsMinutes.1'],
    ['a short webhook secret', M.updatePracticeSettings, () => ({ input: { webhookSecret: 'short' } }), 'input.webhookSecret'],
    ['an engagement id that looks like SQL (query)', Q.engagement, () => ({ id: "x' or 1=1 --" }), 'id'],
    ['a homework id that is not a UUID (query)', Q.homework, () => ({ id: 'homework-1' }), 'id'],
    ['a page of 201', Q.engagements, () => ({ first: 201 }), 'first'],
    ['a negative page size', Q.engagements, () => ({ first: -1 }), 'first'],
    ['a cursor this list never returned', Q.engagements, () => ({ after: "'; drop table engagements; --" }), 'after'],
    ['a coach filter that looks like SQL', Q.engagements, () => ({ filter: { coachId: "' or 1=1 --" } }), 'filter.coachId'],
    ['a 201-character search', Q.engagements, () => ({ filter: { search: 's'.repeat(201) } }), 'filter.search'],
  ];

  it.each(cases)('%s → BAD_USER_INPUT naming the field, nothing stored', async (_what, operation, variables, field) => {
    const before = { practice: await the.log.countInPractice(cast.practiceId), stream: await the.log.version(engagementId) };
    // each as a caller who may do it, so the input alone is at fault
    const caller = operation === M.submitDraft ? cast.client : operation === M.updatePracticeSettings ? cast.admin : cast.coach;
    const res = await the.api.gql(operation, variables(), caller);
    expect(refusal(res)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect({ practice: await the.log.countInPractice(cast.practiceId), stream: await the.log.version(engagementId) }).toEqual(before);
  });

  it('says plainly what is wrong with a due date that is no date', async () => {
    const res = await the.api.gql(M.assignHomework, homework({ dueAt: '2026-02-30T25:00:00Z' }), cast.coach);
    expect(refusal(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.dueAt' });
    expect(res.errors![0]!.message).toBe('input.dueAt: must be a valid date-time');
  });

  it('takes text right at its limits in full, never truncated', async () => {
    const title = 't'.repeat(200);
    const opened = ok(await the.api.gql<any>(M.openEngagement, open({ title }), cast.coach)).openEngagement;
    expect(opened.title).toBe(title);
    const draft = ok(await the.api.gql<any>(M.submitDraft, { input: { homeworkId: await newHomework(), content: '😀'.repeat(25_000) } }, cast.client)).submitDraft;
    const { rows } = await the.pool.query('SELECT length(content)::int AS n FROM drafts WHERE id = $1', [draft.id]);
    // 25,000 emoji are 50,000 UTF-16 units (the limit), 25,000 characters to PostgreSQL
    expect(rows[0].n).toBe(25_000);
  });

  async function newHomework(): Promise<string> {
    return ok(await the.api.gql<any>(M.assignHomework, homework({ title: 'Ask for help so people say yes' }), cast.coach)).assignHomework.id;
  }

  it('refuses a bad timeline cursor on a nested field with BAD_USER_INPUT', async () => {
    for (const after of ['not-a-cursor', "v:1' or 1=1 --", Buffer.from('v:-1').toString('base64url')]) {
      const res = await the.api.gql(Q.timeline, { id: engagementId, first: 5, after }, cast.coach);
      expect(refusal(res)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });

  it('answers a body that is not JSON, and one far too large, without a stack trace', async () => {
    const notJson = await request(the.api.url).post('/graphql').set('content-type', 'application/json').send('{"query": ');
    expect(notJson.status).toBe(400);
    expectNoLeak(notJson.text);
    const huge = await request(the.api.url)
      .post('/graphql')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ query: Q.viewer, variables: { pad: 'x'.repeat(2_000_000) } }));
    expect(huge.status).toBe(413);
    expectNoLeak(huge.text);
  });
});

describe('unknown ids', () => {
  const cast = newCast('errors-unknown');
  const nowhere = randomUUID();
  let engagementId: string;

  beforeAll(async () => {
    engagementId = (await new Story(the.api, cast).open()).id;
  });

  const cases: [string, string, Record<string, unknown>, 'coach' | 'client'][] = [
    ['engagement', Q.engagement, { id: nowhere }, 'coach'],
    ['homework', Q.homework, { id: nowhere }, 'coach'],
    ['recordIntake', M.recordIntake, { input: { engagementId: nowhere, presentingQuestion: 'q', background: '', goals: [], currentStrategy: '', baseline: [] } }, 'coach'],
    ['assignHomework', M.assignHomework, { input: { engagementId: nowhere, title: 't', instructions: '' } }, 'coach'],
    ['submitDraft', M.submitDraft, { input: { homeworkId: nowhere, content: 'c' } }, 'client'],
    ['giveFeedback', M.giveFeedback, { input: { draftId: nowhere, verdict: 'ACCEPTED', comments: '' } }, 'coach'],
    ['cancelHomework', M.cancelHomework, { input: { homeworkId: nowhere, reason: 'r' } }, 'coach'],
    ['logCoachingSession', M.logCoachingSession, { input: { engagementId: nowhere, heldAt: new Date().toISOString(), durationMinutes: 30, summary: 's' } }, 'coach'],
    ['logJobSearchActivity', M.logJobSearchActivity, { input: { engagementId: nowhere, channel: 'NETWORKING', applications: 1, interviews: 0 } }, 'client'],
    ['pauseEngagement', M.pauseEngagement, { input: { engagementId: nowhere, reason: 'r' } }, 'coach'],
    ['resumeEngagement', M.resumeEngagement, { input: { engagementId: nowhere } }, 'coach'],
    ['closeEngagement', M.closeEngagement, { input: { engagementId: nowhere, outcome: 'OTHER' } }, 'coach'],
  ];

  it.each(cases)('%s of a well-formed but unknown id → NOT_FOUND, nothing stored', async (_name, operation, variables, who) => {
    const res = await the.api.gql(operation, variables, cast[who]);
    expect(refusal(res)).toEqual({ code: 'NOT_FOUND' });
    expect(await the.log.version(nowhere)).toBe(0);
    expect(await the.log.countInPractice(cast.practiceId)).toBe(1);
    expect(await the.log.version(engagementId)).toBe(1);
  });
});

describe('rules a user will hit', () => {
  let cast: Cast;
  let story: Story;

  beforeEach(() => {
    cast = newCast('errors-rules');
    story = new Story(the.api, cast);
  });

  /** Runs a mutation that must break `rule`, and proves it stored nothing. */
  async function breaks(rule: string, streamId: string, operation: string, input: Record<string, unknown>, as = cast.coach): Promise<void> {
    const before = await the.log.countInPractice(cast.practiceId);
    const version = await the.log.version(streamId);
    const res = await the.api.gql(operation, { input }, as);
    expect(refusal(res)).toEqual({ code: 'RULE_VIOLATED', rule });
    expect(await the.log.countInPractice(cast.practiceId)).toBe(before);
    expect(await the.log.version(streamId)).toBe(version);
  }

  it('COACH_IS_CLIENT: a coach cannot be its own client', async () => {
    const res = await the.api.gql(M.openEngagement, { input: { coach: person(cast.coach), client: person(cast.coach), title: 'Self-help' } }, cast.coach);
    expect(refusal(res)).toEqual({ code: 'RULE_VIOLATED', rule: 'COACH_IS_CLIENT' });
    expect(await the.log.countInPractice(cast.practiceId)).toBe(0);
  });

  it('INTAKE_REQUIRED: no homework before the intake', async () => {
    const { id } = await story.open();
    await breaks('INTAKE_REQUIRED', id, M.assignHomework, { engagementId: id, title: 'Articulate your hook', instructions: '', dueAt: inAnHour() });
  });

  it('INTAKE_ALREADY_RECORDED: the intake is recorded once', async () => {
    const { id } = await story.open();
    await story.intake(id);
    await breaks('INTAKE_ALREADY_RECORDED', id, M.recordIntake, { engagementId: id, presentingQuestion: 'Again?', background: '', goals: [], currentStrategy: '', baseline: [] });
  });

  it('DUE_DATE_IN_PAST: a due time must be in the future', async () => {
    const { id } = await story.open();
    await story.intake(id);
    await breaks('DUE_DATE_IN_PAST', id, M.assignHomework, { engagementId: id, title: 'Late', instructions: '', dueAt: new Date(Date.now() - 60_000).toISOString() });
    const { rows } = await the.pool.query('SELECT count(*)::int AS n FROM homework WHERE engagement_id = $1', [id]);
    expect(rows[0].n).toBe(0);
  });

  it('ENGAGEMENT_PAUSED: a paused engagement takes no new homework', async () => {
    const { id } = await story.open();
    await story.intake(id);
    await story.pause(id);
    await breaks('ENGAGEMENT_PAUSED', id, M.assignHomework, { engagementId: id, title: 'Articulate your hook', instructions: '', dueAt: inAnHour() });
  });

  it('ENGAGEMENT_NOT_ACTIVE and ENGAGEMENT_NOT_PAUSED: pause only what is ACTIVE, resume only what is PAUSED', async () => {
    const { id } = await story.open();
    await breaks('ENGAGEMENT_NOT_ACTIVE', id, M.pauseEngagement, { engagementId: id, reason: 'Holiday' });
    await story.intake(id);
    await breaks('ENGAGEMENT_NOT_PAUSED', id, M.resumeEngagement, { engagementId: id });
  });

  it('HOMEWORK_NOT_OPEN: no draft while one awaits feedback, nor once accepted; no cancelling accepted homework', async () => {
    const { engagement, homeworkId, draftId } = await story.withDraft();
    await breaks('HOMEWORK_NOT_OPEN', engagement.id, M.submitDraft, { homeworkId, content: 'A second draft too soon' }, cast.client);
    await story.feedback(draftId, 'ACCEPTED');
    await breaks('HOMEWORK_NOT_OPEN', engagement.id, M.submitDraft, { homeworkId, content: 'After acceptance' }, cast.client);
    await breaks('HOMEWORK_NOT_OPEN', engagement.id, M.cancelHomework, { homeworkId, reason: 'Too late' });
  });

  it('HOMEWORK_NOT_OPEN: no feedback on a draft of cancelled homework', async () => {
    const { engagement, homeworkId, draftId } = await story.withDraft();
    ok(await the.api.gql(M.cancelHomework, { input: { homeworkId, reason: 'Not needed any more' } }, cast.coach));
    await breaks('HOMEWORK_NOT_OPEN', engagement.id, M.giveFeedback, { draftId, verdict: 'ACCEPTED', comments: '' });
  });

  // NOT_LATEST_DRAFT cannot be reached over the API: a homework takes a new
  // draft only after its latest one got feedback, so feedback on an older
  // draft is FEEDBACK_ALREADY_GIVEN first. (The decider's tests cover it.)
  it('FEEDBACK_ALREADY_GIVEN: feedback once per draft, the latest or an older one', async () => {
    const { engagement, homeworkId, draftId } = await story.withDraft();
    await story.feedback(draftId, 'CHANGES_REQUESTED');
    await breaks('FEEDBACK_ALREADY_GIVEN', engagement.id, M.giveFeedback, { draftId, verdict: 'ACCEPTED', comments: 'Changed my mind' });
    await story.submit(homeworkId, 'Second draft');
    await breaks('FEEDBACK_ALREADY_GIVEN', engagement.id, M.giveFeedback, { draftId, verdict: 'ACCEPTED', comments: 'On the old one' });
  });

  it('SESSION_IN_FUTURE: a session is logged once held', async () => {
    const { id } = await story.open();
    await breaks('SESSION_IN_FUTURE', id, M.logCoachingSession, { engagementId: id, heldAt: inAnHour(), durationMinutes: 60, summary: 'Not yet' });
  });

  it('ENGAGEMENT_CLOSED: nothing but reads on a closed engagement', async () => {
    const { engagement, homeworkId, draftId } = await story.withDraft();
    await story.close(engagement.id);
    await breaks('ENGAGEMENT_CLOSED', engagement.id, M.giveFeedback, { draftId, verdict: 'ACCEPTED', comments: '' });
    await breaks('ENGAGEMENT_CLOSED', engagement.id, M.cancelHomework, { homeworkId, reason: 'Closed' });
    await breaks('ENGAGEMENT_CLOSED', engagement.id, M.closeEngagement, { engagementId: engagement.id, outcome: 'OTHER' });
    // the closed check comes after who may act: a stranger learns nothing about the state
    const res = await the.api.gql(M.closeEngagement, { input: { engagementId: engagement.id, outcome: 'OTHER' } }, cast.otherCoach);
    expect(refusal(res)).toEqual({ code: 'FORBIDDEN' });
  });
});
