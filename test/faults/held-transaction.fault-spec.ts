import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { PostgresEventStore } from '#event-store';
import { migrateTestDatabase, pgPool, TEST_APP_DATABASE_URL, testPool } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { AppProcess } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { testEventStore } from '../support/env.js';
import { freePort, loadMetadata } from './shared.js';
import { getJson, sample } from '../ops/support.js';

// A writer's transaction stays open for FAULT_HOLD_SECONDS (60 by default)
// while others keep appending. Its event takes a position *below* everything
// written after it, the case that makes sequence-following readers skip
// events. The worker must show the stall (lag metric, readiness 503), skip
// nothing once the transaction commits, and count every event exactly once.

const HOLD_SECONDS = Number(process.env.FAULT_HOLD_SECONDS ?? 60);
const MAX_LAG_SECONDS = 3;
const METRICS_TOKEN = `metrics-${randomUUID()}`;

let owner: pg.Pool;
let appPool: pg.Pool;
let store: PostgresEventStore;

beforeAll(async () => {
  await migrateTestDatabase();
  owner = testPool(3);
  appPool = pgPool(TEST_APP_DATABASE_URL, 8);
  store = testEventStore(appPool);
});
afterAll(async () => {
  await store?.notifier.close();
  await appPool?.end();
  await owner?.end();
});

it(`shows a transaction held open ${HOLD_SECONDS} s in lag and readiness, and skips nothing after it commits`, async () => {
  const practiceId = uniqueId('fault-held');
  const meta = () => loadMetadata(practiceId);
  const port = await freePort();
  const worker = await new AppProcess('worker', {
    QUEUE_PREFIX: `fault-${randomUUID().slice(0, 8)}`,
    WORKER_HTTP_PORT: String(port),
    METRICS_TOKEN,
    SUBSCRIPTION_MAX_LAG_SECONDS: String(MAX_LAG_SECONDS),
  }).start();
  const url = `http://127.0.0.1:${port}`;
  const lag = async () => {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    return sample(await res.text(), 'coaching_subscriber_lag_seconds', { subscriber: 'activity-by-day' }) ?? -1;
  };
  await waitFor('the worker to be ready', async () => (await getJson(`${url}/health/ready`).catch(() => ({ status: 0 }))).status === 200, {
    timeoutMs: 30_000,
    intervalMs: 100,
  });

  // the slow writer: a transaction of the application's role with one event in it, left open
  const slow = new pg.Client({ connectionString: TEST_APP_DATABASE_URL });
  await slow.connect();
  await slow.query('BEGIN');
  await store.append(`${practiceId}-slow`, [{ type: 'SlowWriter', data: {}, metadata: meta() }], { expectedVersion: 'no_stream', tx: slow });

  // everyone else keeps writing while it is open
  let stop = false;
  let appended = 0;
  const load = Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      for (let v = 0; !stop; v++) {
        await store.append(`${practiceId}-fast-${w}`, [{ type: 'FastWriter', data: { v }, metadata: meta() }], { expectedVersion: v === 0 ? 'no_stream' : v });
        appended += 1;
        await new Promise((r) => setTimeout(r, 10));
      }
    }),
  );

  let maxLag = 0;
  let sawNotReady = false;
  const heldUntil = Date.now() + HOLD_SECONDS * 1_000;
  while (Date.now() < heldUntil) {
    maxLag = Math.max(maxLag, await lag());
    const ready = await getJson(`${url}/health/ready`, { authorization: `Bearer ${METRICS_TOKEN}` });
    if (ready.status === 503) {
      sawNotReady = true;
      expect(ready.body.error.subscribers.behind).toContain('activity-by-day');
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  // the stall shows for as long as the transaction is open
  expect(maxLag).toBeGreaterThan(HOLD_SECONDS - 5);
  expect(sawNotReady).toBe(true);
  await slow.query('COMMIT');
  await slow.end();
  stop = true;
  await load;

  const counted = async () => {
    const { rows } = await owner.query<{ event_type: string; n: string }>(
      'SELECT event_type, sum(events)::text AS n FROM activity_by_day WHERE practice_id = $1 GROUP BY 1 ORDER BY 1',
      [practiceId],
    );
    return Object.fromEntries(rows.map((r) => [r.event_type, Number(r.n)]));
  };
  await waitFor('the projection to catch up', async () => (await counted()).FastWriter === appended, { timeoutMs: 30_000, intervalMs: 200 });
  await waitFor('readiness to come back', async () => (await getJson(`${url}/health/ready`)).status === 200, { timeoutMs: 15_000 });
  // the slow writer's event, below every fast one, was not skipped, and nothing was counted twice
  expect(await counted()).toEqual({ FastWriter: appended, SlowWriter: 1 });
  expect(appended).toBeGreaterThan(HOLD_SECONDS * 10);
  console.log(`held transaction: ${HOLD_SECONDS} s open, max lag ${maxLag.toFixed(1)} s, ${appended} events written meanwhile, all projected once`);
  await worker.stop();
}, (HOLD_SECONDS + 120) * 1_000);
