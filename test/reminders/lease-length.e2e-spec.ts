import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '#event-store';
import { leaseReminders } from '../../libs/reminders/src/reminder-leasing.js';
import { LeaseKeeper } from '../../libs/reminders/src/reminder-lease-keeper.js';
import { migrateTestDatabase, pgPool, TEST_APP_DATABASE_URL } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';

// How long a lease runs, and which leases the keeper renews. A batch takes rows up to
// REMINDER_LEAD_MS before their time and waits for it under its lease: the lease runs
// REMINDER_LEASE_SECONDS past the row's time, so the wait needs no renewal, and the keeper renews
// only leases near their end (before, it rewrote every held row every few seconds: 71,410 rows in a
// minute of one worker in the steady reminders bench).

let pool: pg.Pool;
const practiceId = uniqueId('lease-length');

beforeAll(async () => {
  await migrateTestDatabase();
  pool = pgPool(TEST_APP_DATABASE_URL, 2);
});

afterAll(async () => {
  if (pool) await inTransaction(pool, practiceId, (tx) => tx.query('DELETE FROM reminders WHERE practice_id = $1', [practiceId])).catch(() => undefined);
  await pool?.end();
});

async function insertRow(at: Date): Promise<string> {
  const id = randomUUID();
  await inTransaction(pool, practiceId, (tx) =>
    tx.query(
      `INSERT INTO reminders (id, practice_id, engagement_id, homework_id, kind, recipient_id, recipient_name, recipient_role, scheduled_for, status)
       VALUES ($1, $2, $3, $4, 'HOMEWORK_DUE_SOON', 'client-1', 'Client', 'CLIENT', $5, 'SCHEDULED')`,
      [id, practiceId, randomUUID(), randomUUID(), at],
    ),
  );
  return id;
}

const leaseOf = (id: string) =>
  inTransaction(pool, practiceId, async (tx) =>
    (await tx.query<{ lease_until: Date; lease_token: string | null }>('SELECT lease_until, lease_token FROM reminders WHERE id = $1', [id])).rows[0]!,
  );

it('leases a row taken up ahead of its time for the lease’s length past its time, and a due row past now', async () => {
  const timeNow = new Date();
  const due = await insertRow(new Date(timeNow.getTime() - 1_000));
  const ahead = await insertRow(new Date(timeNow.getTime() + 4_000));
  const token = randomUUID();
  const { leased, dbNow } = await inTransaction(pool, practiceId, async (tx) => {
    const leased = await leaseReminders(tx, practiceId, { ids: [due, ahead], token, seconds: 15, sweep: 0, now: new Date(timeNow.getTime() + 5_000), timeNow });
    // the transaction's now(), which the lease statement used
    const { rows } = await tx.query<{ now: Date }>('SELECT now() AS now');
    return { leased, dbNow: rows[0]!.now };
  });
  expect(leased.rows.map((r) => r.id).sort()).toEqual([due, ahead].sort());
  // ReminderRow leaves the lease out (the processor never reads it back); the statement returns r.*
  const leaseUntil = new Map(leased.rows.map((r) => [r.id, (r as unknown as { lease_until: Date }).lease_until]));
  // a millisecond of room: now() has microseconds, a JS Date has not
  expect(Math.abs(leaseUntil.get(due)!.getTime() - (dbNow.getTime() + 15_000))).toBeLessThanOrEqual(1);
  expect(Math.abs(leaseUntil.get(ahead)!.getTime() - (dbNow.getTime() + 15_000 + 4_000))).toBeLessThanOrEqual(1);
});

it('renews only the held leases near their end, and none it does not hold', async () => {
  const errors: string[] = [];
  const keeper = new LeaseKeeper({ connectionString: TEST_APP_DATABASE_URL, seconds: 6, onError: (err) => errors.push(err.message) });
  try {
    const token = randomUUID();
    const [far, near, notHeld] = [await insertRow(new Date()), await insertRow(new Date()), await insertRow(new Date())];
    await inTransaction(pool, practiceId, (tx) =>
      tx.query(
        `UPDATE reminders SET lease_token = $2,
                lease_until = now() + CASE WHEN id = $3 THEN interval '60 seconds' ELSE interval '2 seconds' END
          WHERE practice_id = $1 AND id = ANY($4::uuid[])`,
        [practiceId, token, far, [far, near, notHeld]],
      ),
    );
    const before = new Map(await Promise.all([far, near, notHeld].map(async (id) => [id, (await leaseOf(id)).lease_until.getTime()] as const)));
    keeper.hold(token, practiceId, new Set([far, near]));

    // the keeper looks every second (a sixth of 6 s) and renews leases with less than 5 s left
    const renewed = await waitFor('the near lease to be renewed', async () => {
      const l = await leaseOf(near);
      return l.lease_until.getTime() > before.get(near)! ? l : null;
    });
    expect(renewed.lease_token).toBe(token);
    await keeper.renew();
    expect((await leaseOf(far)).lease_until.getTime()).toBe(before.get(far));
    expect((await leaseOf(notHeld)).lease_until.getTime()).toBe(before.get(notHeld));
    expect(errors).toEqual([]);
  } finally {
    await keeper.close();
  }
});
