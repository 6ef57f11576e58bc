import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { loadReminderSubjects } from '../../libs/reminders/src/reminder-state.js';
import { migrateTestDatabase, pgPool, TEST_APP_DATABASE_URL } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { plansOf } from '../support/plans.js';

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
  const { result, statements } = await plansOf(pool, practiceId, (q) => loadReminderSubjects(q, [randomUUID(), randomUUID()], [randomUUID()]), { seqScanOff: true });
  expect(result.size).toBe(0);
  expect(statements.map(({ text }) => /FROM (engagements|homework)/.exec(text)?.[1])).toEqual(['engagements', 'homework']);
  for (const { plan } of statements) {
    expect(plan).toMatch(/"Index Cond":"\(+practice_id = /);
    expect(plan).not.toContain('Seq Scan');
  }
});
