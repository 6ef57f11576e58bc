import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { existingReminders } from '../../libs/reminders/src/reminder-scheduler.js';
import { loadReminderSubjects } from '../../libs/reminders/src/reminder-state.js';
import { inTransaction } from '#event-store';
import { migrateTestDatabase, pgPool, TEST_APP_DATABASE_URL, TEST_DATABASE_URL } from '../support/db.js';
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
  if (pool) await inTransaction(pool, practiceId, (tx) => tx.query('DELETE FROM reminders WHERE practice_id = $1', [practiceId])).catch(() => undefined);
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

// The scheduler reads the reminder rows of a batch's engagements, of every status. With an index on
// the waiting rows alone that read scanned the whole table (every practice's rows and their history,
// once per batch of events); it probes (practice_id, engagement_id) now. On an empty table every
// index costs the same, so the practice gets a history first: 40 engagements of 25 rows.
it('reads the existing reminders of whole engagements by (practice_id, engagement_id), of single homework by homework_id', async () => {
  const engagementIds = Array.from({ length: 40 }, () => randomUUID());
  await inTransaction(pool, practiceId, (tx) =>
    tx.query(
      `INSERT INTO reminders (id, practice_id, engagement_id, homework_id, kind, recipient_id, recipient_name, recipient_role, scheduled_for, status)
       SELECT gen_random_uuid(), $1, e, gen_random_uuid(), 'HOMEWORK_OVERDUE', 'client-1', 'Client', 'CLIENT', now() - n * interval '1 day',
              CASE WHEN n % 5 = 0 THEN 'SCHEDULED' ELSE 'SENT' END
         FROM unnest($2::uuid[]) AS e, generate_series(1, 25) AS n`,
      [practiceId, engagementIds],
    ),
  );
  const owner = pgPool(TEST_DATABASE_URL, 1);
  try {
    await owner.query('ANALYZE reminders');
  } finally {
    await owner.end();
  }
  const { rows: one } = await inTransaction(pool, practiceId, (tx) =>
    tx.query<{ homework_id: string }>('SELECT homework_id FROM reminders WHERE practice_id = $1 AND engagement_id = $2 LIMIT 1', [practiceId, engagementIds[2]]),
  );
  // two engagements whole (25 rows each) and one homework of a third (one row)
  const of = { engagements: engagementIds.slice(0, 2), homework: [one[0]!.homework_id] };
  const { result, statements } = await plansOf(pool, practiceId, (q) => existingReminders(q, practiceId, of), { seqScanOff: true });
  expect(result).toHaveLength(51);
  expect(statements).toHaveLength(1);
  expect(statements[0]!.plan).toMatch(/"Index Cond":"\(+practice_id = [^"]*engagement_id = ANY/);
  expect(statements[0]!.plan).toMatch(/"Index Cond":"\(homework_id = ANY/);
  expect(statements[0]!.plan).not.toContain('Seq Scan');
});
