import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '#event-store';
import { leaseReminders, type LeaseRequest, type SweepMark } from '../../libs/reminders/src/reminder-leasing.js';
import { migrateTestDatabase, pgPool, TEST_APP_DATABASE_URL } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { plansOf } from '../support/plans.js';

// Where a sweep starts. The oldest due rows are mostly those other batches hold while they wait for
// their time; a sweep from the oldest walked them all (thousands in the steady reminders bench, up to
// 146 ms a lease statement) to find the few free rows after them. A sweep now starts at the last row
// this process's previous sweep took, and that bound is an index condition.

let pool: pg.Pool;
const practiceId = uniqueId('sweep-mark');

beforeAll(async () => {
  await migrateTestDatabase();
  pool = pgPool(TEST_APP_DATABASE_URL, 2);
});

afterAll(async () => {
  if (pool) await inTransaction(pool, practiceId, (tx) => tx.query('DELETE FROM reminders WHERE practice_id = $1', [practiceId])).catch(() => undefined);
  await pool?.end();
});

/** `n` rows due at one past instant (a burst), on as many engagements, in the sweep's order. */
async function burst(n: number): Promise<{ id: string; engagementId: string }[]> {
  const at = new Date(Date.now() - 60_000);
  const rows = Array.from({ length: n }, () => ({ id: randomUUID(), engagementId: randomUUID() })).sort((a, b) => (a.engagementId < b.engagementId ? -1 : 1));
  await inTransaction(pool, practiceId, (tx) =>
    tx.query(
      `INSERT INTO reminders (id, practice_id, engagement_id, homework_id, kind, recipient_id, recipient_name, recipient_role, scheduled_for, status)
       SELECT id, $1, e, gen_random_uuid(), 'HOMEWORK_OVERDUE', 'client-1', 'Client', 'CLIENT', $2, 'SCHEDULED'
         FROM unnest($3::uuid[], $4::uuid[]) AS r(id, e)`,
      [practiceId, at, rows.map((r) => r.id), rows.map((r) => r.engagementId)],
    ),
  );
  return rows;
}

/** The ids a lease took (RETURNING keeps no order), sorted. */
const idsOf = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

const lease = (req: Pick<LeaseRequest, 'ids' | 'sweep' | 'from'>) =>
  inTransaction(pool, practiceId, (tx) => leaseReminders(tx, practiceId, { ...req, token: randomUUID(), seconds: 60, now: new Date(), timeNow: new Date() }));

it('starts a sweep after the rows the last one took, and leaves a row freed before them to its own job', async () => {
  const rows = await burst(12);
  const first = await lease({ ids: [], sweep: 4, from: null });
  expect(idsOf(first.rows)).toEqual(idsOf(rows.slice(0, 4)));
  expect(first.sweptTo).toEqual({ scheduledFor: expect.any(Date), engagementId: rows[3]!.engagementId });

  // a batch that held the second row failed and gave it back
  await inTransaction(pool, practiceId, (tx) =>
    tx.query('UPDATE reminders SET lease_until = NULL, lease_token = NULL WHERE practice_id = $1 AND id = $2', [practiceId, rows[1]!.id]),
  );
  const next = await lease({ ids: [], sweep: 4, from: first.sweptTo });
  expect(idsOf(next.rows)).toEqual(idsOf(rows.slice(4, 8)));
  // its job takes it when it fires
  expect((await lease({ ids: [rows[1]!.id], sweep: 0 })).rows.map((r) => r.id)).toEqual([rows[1]!.id]);
  // and a sweep from the oldest (a process without a mark) finds what is left
  expect(idsOf((await lease({ ids: [], sweep: 20, from: null })).rows)).toEqual(idsOf(rows.slice(8)));
});

it('bounds the index scan by the mark, so rows before it are not visited', async () => {
  const from: SweepMark = { scheduledFor: new Date(), engagementId: randomUUID() };
  const { statements } = await plansOf(
    pool,
    practiceId,
    (q) => leaseReminders(q, practiceId, { ids: [], token: randomUUID(), seconds: 60, sweep: 10, from, now: new Date(), timeNow: new Date() }),
    { seqScanOff: true },
  );
  // with the engagement, in the sweep's order (reminders_due_in_order)
  expect(statements[0]!.plan).toMatch(/"Index Cond":"[^"]*(scheduled_for >= |ROW\(scheduled_for, engagement_id\) >= )/);
});
