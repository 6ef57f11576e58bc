import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { writeSchedule, type Writes } from '../../libs/reminders/src/reminder-scheduler.js';
import { inPracticeTransaction, migrateTestDatabase, pgPool, TEST_APP_DATABASE_URL } from '../support/db.js';
import { uniqueId } from '../support/ids.js';

// The scheduler plans from the rows it read at the start of its transaction; a worker may record
// one of them SENT before the plan's writes run. The writes must not move such a row back to
// SCHEDULED (it would be sent twice) nor cancel it. Each case runs in the service role's
// transaction, rolled back.

let pool: pg.Pool;

beforeAll(async () => {
  await migrateTestDatabase();
  pool = pgPool(TEST_APP_DATABASE_URL, 2);
});

afterAll(async () => {
  await pool?.end();
});

const practiceId = uniqueId('practice');
const engagementId = randomUUID();
const recipient = { id: 'client-1', name: 'Client', email: null };

async function insertRow(c: pg.PoolClient, status: string): Promise<string> {
  const id = randomUUID();
  await c.query(
    `INSERT INTO reminders (id, practice_id, engagement_id, homework_id, kind, recipient_id, recipient_name, recipient_role, scheduled_for, status, sent_at)
     VALUES ($1, $2, $3, $4, 'HOMEWORK_DUE_SOON', 'client-1', 'Client', 'CLIENT', '2030-01-01T09:00:00Z', $5, CASE WHEN $5 = 'SENT' THEN now() END)`,
    [id, practiceId, engagementId, randomUUID(), status],
  );
  return id;
}

const moveTo = (id: string, at: Date): Writes => ({
  inserts: [],
  moves: [{ id, at, recipient, role: 'CLIENT', correlationId: 'test' }],
  cancels: [],
});

const rowOf = async (c: pg.PoolClient, id: string) =>
  (await c.query<{ status: string; scheduled_for: Date }>('SELECT status, scheduled_for FROM reminders WHERE id = $1', [id])).rows[0];

it('a move planned from a stale read leaves a row the worker recorded SENT meanwhile as it is', async () => {
  await inPracticeTransaction(pool, practiceId, async (c) => {
    const sent = await insertRow(c, 'SENT');
    await writeSchedule(c, practiceId, moveTo(sent, new Date('2030-01-02T09:00:00Z')));
    expect(await rowOf(c, sent)).toEqual({ status: 'SENT', scheduled_for: new Date('2030-01-01T09:00:00Z') });
  });
});

it('a move still revives a CANCELLED row and moves a SCHEDULED one', async () => {
  await inPracticeTransaction(pool, practiceId, async (c) => {
    const at = new Date('2030-01-03T09:00:00Z');
    for (const status of ['CANCELLED', 'SCHEDULED']) {
      const id = await insertRow(c, status);
      await writeSchedule(c, practiceId, moveTo(id, at));
      expect(await rowOf(c, id)).toEqual({ status: 'SCHEDULED', scheduled_for: at });
    }
  });
});

it('a cancel planned from a stale read leaves a SENT row SENT', async () => {
  await inPracticeTransaction(pool, practiceId, async (c) => {
    const sent = await insertRow(c, 'SENT');
    await writeSchedule(c, practiceId, { inserts: [], moves: [], cancels: [{ id: sent, reason: 'homework cancelled' }] });
    expect((await rowOf(c, sent))?.status).toBe('SENT');
  });
});
