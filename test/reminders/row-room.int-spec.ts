import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { migrateTestDatabase, testPool } from '../support/db.js';
import { uniqueId } from '../support/ids.js';

// A reminder's row is written three times on its way out: leased, its webhook body stored, SENT. The
// lease changes no indexed column, so when its page has room PostgreSQL writes the new version beside
// the old one and adds no index entry (a HOT update); on full pages every lease is a new entry in each
// index, which the sweep walks past until a vacuum. The table keeps room on its pages (fillfactor 70,
// migration 1764000000490): here a batch's lease of 400 freshly written rows, counted by PostgreSQL
// for this transaction. On full pages (fillfactor 100) the same statement made none of the 400 HOT.

let pool: pg.Pool;
const practiceId = uniqueId('row-room');

beforeAll(async () => {
  await migrateTestDatabase();
  pool = testPool(1);
});

afterAll(async () => {
  await pool?.query('DELETE FROM reminders WHERE practice_id = $1', [practiceId]).catch(() => undefined);
  await pool?.end();
});

it("leases a batch of reminder rows mostly in place, without new index entries", async () => {
  await pool.query(
    `INSERT INTO reminders (id, practice_id, engagement_id, homework_id, kind, recipient_id, recipient_name, recipient_role, scheduled_for, status)
     SELECT gen_random_uuid(), $1, $2, gen_random_uuid(), 'HOMEWORK_DUE_SOON', 'client-1', 'Client', 'CLIENT', now() + n * interval '1 second', 'SCHEDULED'
       FROM generate_series(1, 400) AS n`,
    [practiceId, randomUUID()],
  );
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rowCount } = await client.query(
      `UPDATE reminders SET lease_until = now() + interval '1 minute', lease_token = $2 WHERE practice_id = $1 AND status = 'SCHEDULED'`,
      [practiceId, randomUUID()],
    );
    const { rows } = await client.query<{ hot: string }>(`SELECT pg_stat_get_xact_tuples_hot_updated('reminders'::regclass) AS hot`);
    await client.query('ROLLBACK');
    expect(rowCount).toBe(400);
    // about 40 % fit beside their rows when a whole page is leased at once (~2.4 kB free of 8 kB)
    expect(Number(rows[0]!.hot)).toBeGreaterThanOrEqual(100);
  } finally {
    client.release();
  }
});
