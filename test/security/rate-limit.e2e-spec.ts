// The per-principal rate limit, kept in Redis, with a short window (2 s, 5
// requests; 3 for callers without a valid token, per address) so the test can
// wait for it to pass. Past the threshold: RATE_LIMITED, HTTP 429, Retry-After,
// nothing executed; other principals unaffected; back once the window slides;
// and a Redis the limiter cannot reach lets requests through instead of failing them.
import request from 'supertest';
import { ExecutionCounter } from '../../apps/api/src/security/graphql-security.js';
import { RateLimiter } from '../../apps/api/src/security/rate-limiter.js';
import { TestApi, type Caller } from '../support/api.js';
import { Q, newCast } from '../support/engagements.js';
import { uniqueId } from '../support/ids.js';
import { subscribe, wsClient } from '../support/subscriptions.js';
import { waitFor } from '../support/wait.js';

const LIMIT = 5;
const ANONYMOUS_LIMIT = 3;

let api: TestApi;
let counter: ExecutionCounter;
const cast = newCast('rate-limit');

beforeAll(async () => {
  api = await TestApi.start({
    RATE_LIMIT: 'on',
    RATE_LIMIT_WINDOW_MS: '2000',
    RATE_LIMIT_PER_WINDOW: String(LIMIT),
    RATE_LIMIT_ANONYMOUS_PER_WINDOW: String(ANONYMOUS_LIMIT),
    RATE_LIMIT_PREFIX: uniqueId('rl-test'),
  });
  counter = api.app.get(ExecutionCounter);
});
afterAll(async () => {
  await api?.close();
});

/** One viewer query as `caller`, with the raw answer (status, headers). */
async function viewer(caller: Caller | null) {
  const req = request(api.url).post('/graphql').set('content-type', 'application/json');
  if (caller) req.set('authorization', `Bearer ${await api.token(caller)}`);
  const res = await req.send({ query: Q.viewer });
  const body = JSON.parse(res.text) as { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[] };
  return { status: res.status, retryAfter: res.headers['retry-after'] as string | undefined, body, code: body.errors?.[0]?.extensions.code };
}

function expectRateLimited(res: Awaited<ReturnType<typeof viewer>>): void {
  expect(res.status).toBe(429);
  expect(res.code).toBe('RATE_LIMITED');
  expect(res.body.data ?? null).toBeNull();
  const seconds = res.body.errors![0]!.extensions.retryAfterSeconds;
  expect(Number.isInteger(seconds)).toBe(true);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(4); // at most two windows of 2 s
  expect(res.retryAfter).toBe(String(seconds));
}

it('refuses a principal past its threshold, before anything runs, and lets it back once the window has slid by', async () => {
  const coach = { ...cast.coach, id: 'coach-busy' };
  for (let i = 0; i < LIMIT; i++) expect((await viewer(coach)).status).toBe(200);

  const before = counter.executions;
  expectRateLimited(await viewer(coach));
  expectRateLimited(await viewer(coach));
  expect(counter.executions).toBe(before);

  // refused requests do not count: the coach gets in as soon as the earlier ones have slid out
  const back = await waitFor('the busy coach to be let in again', async () => ((await viewer(coach)).status === 200 ? true : null), {
    timeoutMs: 10_000,
    intervalMs: 100,
  });
  expect(back).toBe(true);
});

it('counts each principal (subject within its practice) on its own', async () => {
  const coach = { ...cast.coach, id: 'coach-flooding' };
  for (let i = 0; i < LIMIT; i++) await viewer(coach);
  expectRateLimited(await viewer(coach));

  // another person of the same practice, and the same subject id in another practice
  const colleague = await viewer({ ...cast.otherCoach, id: 'coach-calm' });
  expect(colleague.status).toBe(200);
  const namesake = await viewer({ ...cast.foreignCoach, id: 'coach-flooding' });
  expect(namesake.status).toBe(200);
  expect((namesake.body.data as { viewer: { practiceId: string } }).viewer.practiceId).toBe(cast.foreignCoach.practiceId);
});

it('counts requests without a valid token per address, with a lower threshold', async () => {
  for (let i = 0; i < ANONYMOUS_LIMIT; i++) expect((await viewer(null)).code).toBe('UNAUTHENTICATED');
  expectRateLimited(await viewer(null));
  const forged = request(api.url).post('/graphql').set('content-type', 'application/json').set('authorization', 'Bearer not.a.token');
  expect((await forged.send({ query: Q.viewer })).status).toBe(429);
  // a principal from the same address is not held back
  expect((await viewer({ ...cast.admin, id: 'admin-anon-test' })).status).toBe(200);
});

it('lets requests through (and does not fail them) while Redis is out of reach', async () => {
  const limiter = api.app.get(RateLimiter);
  const coach = { ...cast.coach, id: 'coach-redis-outage' };
  for (let i = 0; i < LIMIT; i++) await viewer(coach);
  expectRateLimited(await viewer(coach));

  const redis = limiter.connection!;
  redis.disconnect();
  await waitFor('the connection to close', () => redis.status === 'end'); // disconnect() takes effect a moment later
  try {
    for (let i = 0; i < 3; i++) {
      const res = await viewer(coach);
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
    }
  } finally {
    await redis.connect();
  }
  // and limits again once it is back (the window may have slid meanwhile: fill it again)
  for (let i = 0; i < LIMIT; i++) await viewer(coach);
  expectRateLimited(await viewer(coach));
});

it('counts websocket subscriptions against the same limit', async () => {
  const caller = { ...cast.coach, id: 'coach-websocket' };
  const client = await wsClient(api, caller);
  try {
    const query = 'subscription ($id: ID!) { engagementEvents(engagementId: $id) { version } }';
    // an engagement that exists nowhere: an admitted subscription ends at once with NOT_FOUND
    const subs = Array.from({ length: LIMIT + 2 }, () => subscribe(client, query, { id: '00000000-0000-4000-8000-000000000000' }));
    await waitFor('every subscription to be answered', () => subs.every((s) => s.completed));
    const codes = subs.map((s) => {
      const refused = Array.isArray(s.error) ? (s.error as { extensions?: { code?: string } }[]) : [];
      return s.results[0]?.errors?.[0]?.extensions?.code ?? refused[0]?.extensions?.code;
    });
    expect(codes.filter((c) => c === 'NOT_FOUND')).toHaveLength(LIMIT);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(2);
  } finally {
    await client.dispose();
  }
});
