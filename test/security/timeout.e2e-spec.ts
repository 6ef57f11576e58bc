// The execution timeout (GRAPHQL_TIMEOUT_MS, 300 ms here): a query whose reads
// cannot finish in time is answered with an error, promptly, instead of
// hanging. Made slow for real: a transaction of the test holds an ACCESS
// EXCLUSIVE lock on a read-model table, so the API's read waits on it; the
// answer must come while the lock is still held.
import type pg from 'pg';
import { TestApi } from '../support/api.js';
import { testPool } from '../support/db.js';
import { M, Q, Story, newCast, ok } from '../support/engagements.js';
import { uniqueId } from '../support/ids.js';
import { subscribe, wsClient } from '../support/subscriptions.js';
import { waitFor } from '../support/wait.js';

let api: TestApi;
let owner: pg.Pool;
const cast = newCast('timeout');
let engagementId: string;

beforeAll(async () => {
  api = await TestApi.start({ GRAPHQL_TIMEOUT_MS: '300', RATE_LIMIT_PREFIX: uniqueId('timeout') });
  owner = testPool(2);
  const story = new Story(api, cast);
  engagementId = (await story.open()).id;
  await story.intake(engagementId);
  await story.assign(engagementId);
});
afterAll(async () => {
  await owner?.end();
  await api?.close();
});

/** Runs `fn` while another transaction holds `table` locked against every reader. */
async function whileLocked<T>(table: string, fn: () => Promise<T>): Promise<T> {
  const holder = await owner.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    return await fn();
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
  }
}

it('answers a query stuck on a read with BAD_USER_INPUT (EXECUTION_TIMEOUT) while the read is still blocked', async () => {
  const res = await whileLocked('engagements', () => api.gql(Q.engagement, { id: engagementId }, cast.coach));
  expect(res.status).toBeLessThan(500);
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EXECUTION_TIMEOUT', limit: 'timeout' });
  expect(res.errors![0]!.message).toMatch(/300 ms/);
  // and the connection it used is healthy again: the same read answers once nothing blocks it
  expect(ok(await api.gql<{ engagement: { id: string } }>(Q.engagement, { id: engagementId }, cast.coach)).engagement.id).toBe(engagementId);
});

it('stops a query whose later reads would wait: what was read stays read, the rest is the timeout', async () => {
  const query = `query ($id: ID!) { viewer { id } engagement(id: $id) { id homework { id } } }`;
  const res = await whileLocked('homework', () => api.gql<any>(query, { id: engagementId }, cast.coach));
  expect(res.status).toBeLessThan(500);
  expect(res.data.viewer.id).toBe(cast.coach.id);
  expect(res.errors?.map((e) => e.extensions.reason)).toEqual(['EXECUTION_TIMEOUT']);
  expect(res.errors![0]!.path).toEqual(['engagement', 'homework']);
});

it('gives a subscription set up over the websocket the same budget: its read is cut off, the socket stays usable', async () => {
  const socket = await wsClient(api, cast.coach);
  try {
    const events = `subscription ($id: ID!) { engagementEvents(engagementId: $id) { version } }`;
    const live = await whileLocked('engagements', async () => {
      const s = subscribe(socket, events, { id: engagementId });
      await waitFor('the subscription to be refused', () => s.completed);
      return s;
    });
    expect(live.results[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EXECUTION_TIMEOUT', limit: 'timeout' });
    // nothing held: the same subscription is set up once nothing blocks it
    const again = subscribe(socket, events, { id: engagementId });
    await waitFor('the subscription to be live', async () => {
      if (again.results.length > 0) return true;
      ok(await api.gql(M.logJobSearchActivity, { input: { engagementId, channel: 'OTHER', applications: 0, interviews: 0 } }, cast.coach));
      return false;
    }, { intervalMs: 100 });
    expect(again.results[0]?.errors).toBeUndefined();
    again.unsubscribe();
  } finally {
    await socket.dispose();
  }
});
