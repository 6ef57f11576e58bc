import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { PostgresEventStore } from '#event-store';
import { migrateTestDatabase, pgPool, TEST_APP_DATABASE_URL, testPool } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { AppProcess } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { testEventStore } from '../support/env.js';
import { loadMetadata } from './shared.js';

// kill -9 the worker at 20 random moments during a 20,000-event load: the
// asynchronous projection must end equal to a fresh rebuild from the log
// (each event counted exactly once), and the subscriber's checkpoint at the end.

const EVENTS = Number(process.env.FAULT_EVENTS ?? 20_000);
const KILLS = Number(process.env.FAULT_KILLS ?? 20);

let owner: pg.Pool;
let appPool: pg.Pool;
let store: PostgresEventStore;
const env = { QUEUE_PREFIX: `fault-${randomUUID().slice(0, 8)}` };

beforeAll(async () => {
  await migrateTestDatabase();
  owner = testPool(4);
  appPool = pgPool(TEST_APP_DATABASE_URL, 16);
  store = testEventStore(appPool);
});
afterAll(async () => {
  await store?.notifier.close();
  await appPool?.end();
  await owner?.end();
});

async function workerOwnsProjection(): Promise<boolean> {
  const { rows } = await owner.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
      WHERE a.application_name = 'subscriber:activity-by-day' AND l.locktype = 'advisory' AND l.granted`,
  );
  return Number(rows[0]!.n) > 0;
}

it(`keeps the activity projection exact through ${KILLS} kill -9 of the worker during a ${EVENTS}-event load`, async () => {
  const practiceId = uniqueId('fault-kill');
  let worker = await new AppProcess('worker', env).start();
  await waitFor('the worker to own the projection', workerOwnsProjection, { timeoutMs: 30_000 });

  const meta = () => loadMetadata(practiceId);
  const streams = 100;
  const perStream = Math.ceil(EVENTS / streams);
  let appended = 0;
  const load = Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let s = w; s < streams; s += 8) {
        for (let v = 0; v < perStream && appended < EVENTS; v++) {
          appended += 1;
          await store.append(`${practiceId}-s${s}`, [{ type: v % 3 === 0 ? 'LoadA' : 'LoadB', data: { v }, metadata: meta() }], { expectedVersion: v });
        }
      }
    }),
  );

  let kills = 0;
  const killer = (async () => {
    while (kills < KILLS) {
      // let the new worker take the projection over and work a little, then kill it mid-stride
      await waitFor('the worker to own the projection', workerOwnsProjection, { timeoutMs: 30_000, intervalMs: 25 });
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 500));
      await worker.kill('SIGKILL');
      kills += 1;
      worker = await new AppProcess('worker', env).start();
    }
  })();
  await Promise.all([load, killer]);
  expect(kills).toBe(KILLS);

  const fromLog = async () =>
    (
      await owner.query<{ day: string; event_type: string; n: string }>(
        `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, type AS event_type, count(*) AS n
           FROM events WHERE practice_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
        [practiceId],
      )
    ).rows.map((r) => `${r.day} ${r.event_type} ${r.n}`);
  const projected = async () =>
    (
      await owner.query<{ day: string; event_type: string; n: string }>(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, event_type, events AS n FROM activity_by_day WHERE practice_id = $1 ORDER BY 1, 2`,
        [practiceId],
      )
    ).rows.map((r) => `${r.day} ${r.event_type} ${r.n}`);

  const expected = await fromLog();
  expect(expected.reduce((n, line) => n + Number(line.split(' ')[2]), 0)).toBe(EVENTS);
  await waitFor('the projection to catch up with the log', async () => (await projected()).join('|') === expected.join('|'), {
    timeoutMs: 120_000,
    intervalMs: 250,
  });
  // and it stays there: nothing applied twice later. A marker event appended now is counted only
  // after everything before it was handled, so once it shows, a late double count would show too.
  await store.append(`${practiceId}-marker`, [{ type: 'LoadMarker', data: {}, metadata: meta() }], { expectedVersion: 'no_stream' });
  const withMarker = await fromLog();
  expect(withMarker).toEqual(expect.arrayContaining(expected.concat([expect.stringMatching(/ LoadMarker 1$/)])));
  await waitFor('the projection to count the marker', async () => (await projected()).join('|') === withMarker.join('|'), {
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  expect(await projected()).toEqual(withMarker);
  await worker.stop();
  // a ceiling for 20 restarts of a worker that now runs three log subscribers, on a shared machine; its waits
  // inside go up to 120 s each, so the file's 60 s default would cut it short
}, 300_000);
