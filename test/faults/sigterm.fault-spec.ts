import pg from 'pg';
import { migrateTestDatabase, testPool } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { AppProcess } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { ASSIGN, freePort, openActiveEngagement, post } from './shared.js';

// SIGTERM while the API is busy: requests already in flight finish with their
// answer, every acknowledged mutation is stored, nothing half-done.

let owner: pg.Pool;
beforeAll(async () => {
  await migrateTestDatabase();
  owner = testPool(2);
});
afterAll(async () => {
  await owner?.end();
});

it('finishes in-flight mutations on SIGTERM and loses none it acknowledged', async () => {
  const port = await freePort();
  const api = await new AppProcess('api', { PORT: String(port) }).start();
  const practiceId = uniqueId('fault-term');
  const engagements = await Promise.all(Array.from({ length: 8 }, () => openActiveEngagement(port, practiceId)));

  // a steady stream of mutations from 32 clients; SIGTERM lands in the middle of it
  const results: Awaited<ReturnType<typeof post>>[] = [];
  let stop = false;
  const load = Promise.all(
    Array.from({ length: 32 }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        const e = engagements[(c + i) % engagements.length]!;
        const r = await post(port, e.coach, ASSIGN, { i: { engagementId: e.id, title: `T ${c}-${i}`, instructions: '' } });
        results.push(r);
        if (r.status === null) return; // the server is gone: this client stops
      }
    }),
  );
  // the load is flowing (a condition, not a fixed pause)
  await waitFor('more than 10 acknowledged mutations', () => results.filter((r) => r.body?.data?.assignHomework).length > 10, { timeoutMs: 30_000 });
  const acknowledgedBefore = results.filter((r) => r.body?.data?.assignHomework).length;
  expect(acknowledgedBefore).toBeGreaterThan(10);
  await api.kill('SIGTERM');
  stop = true;
  await load;

  // Nest closes the app, then re-raises the signal: a clean exit by SIGTERM (never a crash code)
  const exit = api.exits.at(-1)!;
  expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
  // every answer is either a complete success or a refused connection: no 5xx, no error mid-flight
  for (const r of results) {
    if (r.status === null) continue;
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
  }
  const acknowledged = results.filter((r) => r.body?.data?.assignHomework).map((r) => r.body.data.assignHomework.id as string);
  const { rows } = await owner.query<{ id: string }>('SELECT id FROM homework WHERE practice_id = $1', [practiceId]);
  const stored = new Set(rows.map((r) => r.id));
  for (const id of acknowledged) expect(stored.has(id)).toBe(true);
  // and nothing stored that nobody was told about, beyond requests cut at the socket (the event and the row agree)
  const { rows: events } = await owner.query<{ n: string }>(
    "SELECT count(*) AS n FROM events WHERE practice_id = $1 AND type = 'HomeworkAssigned'",
    [practiceId],
  );
  expect(Number(events[0]!.n)).toBe(stored.size);
  expect(stored.size - acknowledged.length).toBeLessThanOrEqual(32);
});
