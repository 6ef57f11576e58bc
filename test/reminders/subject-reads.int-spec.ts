import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { loadReminderSubjects } from '../../libs/reminders/src/reminder-state.js';
import { migrateTestDatabase, pgPool, TEST_APP_DATABASE_URL } from '../support/db.js';
import { uniqueId } from '../support/ids.js';

// The reminder worker reads its batches' engagements and homework as the service role, scoped to
// the practice by the transaction (app.practice_id) rather than by a parameter. Under row-level
// security that practice must still reach the index: written as coalesce(null, current_setting(…))
// it did not, and each batch scanned every engagement and homework row of every practice (150–190 ms
// a batch at 12,000 engagements in the steady reminders bench). See libs/event-store/src/practice-scope.ts.

let pool: pg.Pool;
const practiceId = uniqueId('subject-reads');

beforeAll(async () => {
  await migrateTestDatabase();
  pool = pgPool(TEST_APP_DATABASE_URL, 1);
});

afterAll(async () => {
  await pool?.end();
});

it("probes engagements and homework by (practice_id, …) when the transaction's practice is the scope", async () => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('app.practice_id', $1, true)", [practiceId]);
    // a small test table would be scanned whole whatever the condition: this asks which condition the index gets
    await client.query('SET LOCAL enable_seqscan = off');
    const sent: [string, unknown[]][] = [];
    const recording = { query: (text: string, values?: unknown[]) => (sent.push([text, values ?? []]), client.query(text, values)) } as unknown as pg.PoolClient;
    const subjects = await loadReminderSubjects(recording, [randomUUID(), randomUUID()], [randomUUID()]);
    expect(subjects.size).toBe(0);
    expect(sent.map(([text]) => /FROM (engagements|homework)/.exec(text)?.[1])).toEqual(['engagements', 'homework']);
    for (const [text, values] of sent) {
      const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
      const plan = JSON.stringify(rows[0]!['QUERY PLAN']);
      expect(plan).toMatch(/"Index Cond":"\(+practice_id = /);
      expect(plan).not.toContain('Seq Scan');
    }
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});
