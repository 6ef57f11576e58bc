import pg from 'pg';
import { migrateTestDatabase, testPool } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { AppProcess } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { restartPostgres } from './services.js';
import { ASSIGN, freePort, openActiveEngagement, post } from './shared.js';

// PostgreSQL restarts under load: the API answers errors while it is down
// (never hangs, never crashes), recovers by itself, and every mutation it
// acknowledged is stored.

let owner: pg.Pool | null = null;
beforeAll(async () => {
  await migrateTestDatabase();
});
afterAll(async () => {
  await owner?.end();
});

it('answers errors while PostgreSQL is down, recovers by itself, and keeps every acknowledged mutation', async () => {
  const port = await freePort();
  const api = await new AppProcess('api', { PORT: String(port) }).start();
  const practiceId = uniqueId('fault-pg');
  const engagements = await Promise.all(Array.from({ length: 4 }, () => openActiveEngagement(port, practiceId)));

  const results: Awaited<ReturnType<typeof post>>[] = [];
  let stop = false;
  const load = Promise.all(
    Array.from({ length: 8 }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        const e = engagements[(c + i) % engagements.length]!;
        results.push(await post(port, e.coach, ASSIGN, { i: { engagementId: e.id, title: `T ${c}-${i}`, instructions: '' } }));
        await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  await waitFor('some acknowledged mutations', () => results.filter((r) => r.body?.data?.assignHomework).length > 20);
  const before = results.length;
  restartPostgres();
  const restartedAt = results.length;
  // it recovers by itself: mutations succeed again
  await waitFor(
    'mutations to succeed again',
    () => results.slice(restartedAt).some((r) => r.body?.data?.assignHomework),
    { timeoutMs: 60_000 },
  );
  const recoveredAt = results.length;
  await waitFor('more successes after recovery', () => results.slice(recoveredAt).filter((r) => r.body?.data?.assignHomework).length > 20);
  stop = true;
  await load;

  expect(api.running).toBe(true);
  const duringOutage = results.slice(before, recoveredAt);
  const failed = duringOutage.filter((r) => !r.body?.data?.assignHomework);
  // some requests saw the outage; each got an answer with a code, not a hang or a stack trace
  for (const r of failed) {
    expect(r.status).not.toBeNull();
    expect(r.status!).toBeLessThan(600);
    const codes = (r.body.errors ?? []).map((e: any) => e.extensions?.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.js:\d+|node_modules|SELECT|INSERT/);
  }

  owner = testPool(2);
  const acknowledged = results.filter((r) => r.body?.data?.assignHomework).map((r) => r.body.data.assignHomework.id as string);
  const { rows } = await owner.query<{ id: string }>('SELECT id FROM homework WHERE practice_id = $1', [practiceId]);
  const stored = new Set(rows.map((r) => r.id));
  expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
  const { rows: events } = await owner.query<{ n: string }>(
    "SELECT count(*) AS n FROM events WHERE practice_id = $1 AND type = 'HomeworkAssigned'",
    [practiceId],
  );
  expect(Number(events[0]!.n)).toBe(stored.size);
  await api.stop();
});
