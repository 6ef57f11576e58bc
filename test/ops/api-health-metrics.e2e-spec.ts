import { randomUUID } from 'node:crypto';
import { TestApi } from '../support/api.js';
import { testPool } from '../support/db.js';
import { M, newCast, ok, person } from '../support/engagements.js';
import { getJson, sample } from './support.js';

// The API's operational face: /health/live, /health/ready, /metrics (behind
// METRICS_TOKEN), GraphQL metrics by operation and error code, and the
// request id that becomes the correlation id of the events a mutation stores.

const METRICS_TOKEN = `metrics-${randomUUID()}`;
let api: TestApi;
const cast = newCast('ops-api');
const owner = testPool(2);

beforeAll(async () => {
  api = await TestApi.start({ METRICS_TOKEN, QUEUE_PREFIX: `ops-api-${randomUUID().slice(0, 8)}` });
});
afterAll(async () => {
  await owner.end();
  await api?.close();
});

const metrics = async () => {
  const res = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
};

describe('health', () => {
  it('/health/live answers without looking at any dependency', async () => {
    expect(await getJson(`${api.url}/health/live`)).toEqual({ status: 200, body: { status: 'ok', info: {}, error: {}, details: {} } });
  });

  it('/health/ready checks PostgreSQL and Redis and reports the subscribers\' lag without enforcing it', async () => {
    const { status, body } = await getJson(`${api.url}/health/ready`, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.details.postgres.status).toBe('up');
    expect(body.details.redis.status).toBe('up');
    expect(body.details.subscribers).toMatchObject({ status: 'up', maxLagSeconds: 60 });
  });
});

describe('/metrics', () => {
  it('wants the metrics token', async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${api.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(await metrics()).toContain('# TYPE coaching_graphql_operation_duration_seconds histogram');
  });

  it('counts GraphQL operations by root field and errors by the code the caller saw; commands and appends', async () => {
    const before = await metrics();
    const errors = (text: string, code: string) => sample(text, 'coaching_graphql_errors_total', { code }) ?? 0;
    const ops = (text: string, type: string, name: string) => sample(text, 'coaching_graphql_operation_duration_seconds_count', { type, name }) ?? 0;

    await api.gql('{ viewer { id } }'); // no token: UNAUTHENTICATED
    await api.gql('{ noSuchField }', {}, cast.admin); // validation: BAD_USER_INPUT
    ok(await api.gql(M.openEngagement, { input: { coach: person(cast.coach), client: person(cast.client), title: 'Measured' } }, cast.coach));

    const after = await metrics();
    expect(errors(after, 'UNAUTHENTICATED') - errors(before, 'UNAUTHENTICATED')).toBe(1);
    expect(errors(after, 'BAD_USER_INPUT') - errors(before, 'BAD_USER_INPUT')).toBe(1);
    expect(ops(after, 'query', 'viewer') - ops(before, 'query', 'viewer')).toBe(1);
    expect(ops(after, 'invalid', '(none)') - ops(before, 'invalid', '(none)')).toBe(1);
    expect(ops(after, 'mutation', 'openEngagement') - ops(before, 'mutation', 'openEngagement')).toBe(1);
    expect(sample(after, 'coaching_command_duration_seconds_count', { command: 'openEngagement', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'coaching_events_appended_total', { type: 'EngagementOpened' })).toBeGreaterThanOrEqual(1);
    // read from Redis and PostgreSQL at the scrape
    expect(sample(after, 'coaching_queue_jobs', { queue: 'reminders', state: 'delayed' })).toBeGreaterThanOrEqual(0);
    expect(after).toMatch(/^coaching_process_cpu_user_seconds_total /m);
  });
});

describe('correlation id', () => {
  it('the caller\'s X-Request-Id comes back and is the correlation id of the events the mutation stored', async () => {
    const requestId = `ops-corr-${randomUUID()}`;
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId, authorization: `Bearer ${await api.token(cast.coach)}` },
      body: JSON.stringify({
        query: M.openEngagement,
        variables: { input: { coach: person(cast.coach), client: person(cast.client), title: 'Correlated' } },
      }),
    });
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const { data } = (await res.json()) as { data: { openEngagement: { id: string } } };
    const { rows } = await owner.query<{ correlation: string; causation: string }>(
      `SELECT metadata->>'correlationId' AS correlation, metadata->>'causationId' AS causation FROM events WHERE stream_id = $1`,
      [data.openEngagement.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.correlation).toBe(requestId);
  });
});
