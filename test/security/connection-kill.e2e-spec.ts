// A PostgreSQL session ended under the service (an administrator's
// pg_terminate_backend, a failover, idle_in_transaction_session_timeout) must
// never end the process. For each kind of connection the API and the worker
// hold — a pooled connection in the middle of a transaction, an idle pooled
// connection, the live feed's LISTEN connection, a subscriber's lock-holding
// connection — this kills exactly that session (found in pg_stat_activity of
// this run's database) and checks the service keeps answering and gets the
// connection back. An unhandled 'error' event in this process fails the test
// run (Jest reports it), so "keeps answering" also means "did not crash".
import { jest } from '@jest/globals';
import type pg from 'pg';
import request from 'supertest';
import type { Client } from 'graphql-ws';
import { SubscriptionHost } from '#platform';
import { TestApi } from '../support/api.js';
import { backends, idleInTransaction, terminate } from '../support/backends.js';
import { testPool } from '../support/db.js';
import { M, Q, Story, newCast, ok, type Cast } from '../support/engagements.js';
import { subscribe, wsClient } from '../support/subscriptions.js';
import { waitFor } from '../support/wait.js';
import { TestWorker } from '../support/worker.js';

jest.setTimeout(60_000);

let api: TestApi;
let worker: TestWorker;
let owner: pg.Pool;
const sockets: Client[] = [];
const cast: Cast = newCast('conn-kill');
const other: Cast = newCast('conn-kill-other');
let engagementId: string;

beforeAll(async () => {
  api = await TestApi.start({ DATABASE_POOL_SIZE: '4' });
  worker = await TestWorker.start({ DATABASE_POOL_SIZE: '3' });
  owner = testPool(3);
  const story = new Story(api, cast);
  engagementId = (await story.open()).id;
  await story.intake(engagementId);
  await new Story(api, other).open();
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await worker?.close();
  await api?.close();
  await owner?.end();
});

/** The service still serves: another practice's query, /health/live, and nothing left inside a transaction. */
async function stillServing(): Promise<void> {
  const res = await api.gql<any>(Q.engagements, { first: 5 }, other.admin);
  expect(ok(res).engagements.totalCount).toBe(1);
  expect((await request(api.url).get('/health/live')).status).toBe(200);
  await waitFor('no session idle in transaction', async () => (await idleInTransaction(owner)).length === 0);
}

const logActivity = (as = cast.coach) =>
  api.gql<any>(M.logJobSearchActivity, { input: { engagementId, channel: 'OTHER', applications: 1, interviews: 0 } }, as);

it('a pooled connection killed in the middle of a transaction: that request fails, the service does not', async () => {
  // hold the engagement's stream lock, so the next mutation waits inside its transaction (BEGIN; ...; pg_advisory_xact_lock)
  const holder = await owner.connect();
  let answer: Promise<Awaited<ReturnType<typeof logActivity>>>;
  try {
    await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`stream:${engagementId}`]);
    answer = logActivity();
    const waiting = await waitFor('the mutation to wait on the lock', async () =>
      (await backends(owner, 'coaching')).find((b) => b.wait_event === 'advisory'),
    );
    await terminate(owner, waiting.pid);
    const res = await answer;
    expect(res.errors?.[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(res.body)).not.toMatch(/terminat|57P01/i); // no database detail leaks
  } finally {
    await holder.query('SELECT pg_advisory_unlock_all()');
    holder.release();
  }
  await stillServing();
  // and the same write goes through on a fresh connection
  expect(ok(await logActivity()).logJobSearchActivity.id).toBe(engagementId);
});

it('an idle pooled connection killed: the pool drops it and serves from another', async () => {
  await stillServing();
  const idle = await waitFor('an idle pooled connection of the API', async () =>
    (await backends(owner, 'coaching')).find((b) => b.state === 'idle'),
  );
  await terminate(owner, idle.pid);
  await waitFor('the session to be gone', async () => !(await backends(owner, 'coaching')).some((b) => b.pid === idle.pid));
  await stillServing();
});

it("the live feed's LISTEN connection killed: the feed listens again and subscriptions keep receiving", async () => {
  // sessions of that name already there belong to APIs of other test files in this database, not to ours
  const others = new Set((await backends(owner, 'engagement-event-feed')).map((b) => b.pid));
  const socket = await wsClient(api, cast.coach);
  sockets.push(socket);
  const live = subscribe<any>(socket, `subscription ($id: ID!) { engagementEvents(engagementId: $id) { version type } }`, { id: engagementId });
  const until = async (what: string) =>
    waitFor(what, async () => {
      if (live.results.length > 0) return true;
      ok(await logActivity());
      return false;
    }, { intervalMs: 100 });
  await until('the subscription to be live');
  const listener = await waitFor('our LISTEN session', async () =>
    (await backends(owner, 'engagement-event-feed')).find((b) => !others.has(b.pid) && /LISTEN/i.test(b.query)),
  );
  await terminate(owner, listener.pid);
  const again = await waitFor('a new LISTEN session', async () =>
    (await backends(owner, 'engagement-event-feed')).find((b) => !others.has(b.pid) && b.pid !== listener.pid && /LISTEN/i.test(b.query)),
  );
  expect(again.pid).not.toBe(listener.pid);
  live.results.length = 0;
  await until('events after the LISTEN session was killed');
  expect(live.error).toBeUndefined();
  live.unsubscribe();
  await stillServing();
});

it("a subscriber's lock-holding connection killed: the worker takes the lock again and goes on processing", async () => {
  const host = worker.get(SubscriptionHost);
  const runner = { status: () => host.status().find((s) => s.name === 'activity-by-day')! };
  await waitFor('the worker to own activity-by-day', () => runner.status().leader);
  const [holder] = await backends(owner, 'subscriber:activity-by-day');
  expect(holder).toBeDefined();
  await terminate(owner, holder!.pid);
  const successor = await waitFor('a new lock-holding session', async () => {
    const { rows } = await owner.query<{ pid: number }>(
      `SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
        WHERE a.datname = current_database() AND a.application_name = 'subscriber:activity-by-day'`,
    );
    return rows.find((r) => r.pid !== holder!.pid);
  });
  expect(successor.pid).not.toBe(holder!.pid);
  await waitFor('the runner to lead again', () => runner.status().leader);
  const before = runner.status().processedEvents;
  ok(await logActivity());
  await waitFor('the runner to process the new event', () => runner.status().processedEvents > before);
  expect((await request(api.url).get('/health/live')).status).toBe(200);
  await stillServing();
});
