import pg from 'pg';
import { SubscriptionHost } from '#platform';
import { activeEngagement, assignHomework, inSeconds, ReminderRig, waitForRows } from '../reminders/harness.js';
import { resetSubscriberSplits } from '../support/checkpoints.js';
import { migrateTestDatabase, pgPool, TEST_DATABASE_URL } from '../support/db.js';
import { waitFor } from '../support/wait.js';

// The worker app with SUBSCRIPTION_PARTITIONS=4 (not the default 8, which every other file runs): the reminder scheduler and the activity projection
// run as 4 partitions each (one worker here holds them all), checkpointed per partition, and do
// their work as before: the reminder is scheduled and delivered once, the activity counted once.

let rig: ReminderRig;
let owner: pg.Pool;
beforeAll(async () => {
  owner = pgPool(TEST_DATABASE_URL, 2);
  // earlier files ran the default split (8): a worker with 4 would refuse their checkpoints
  await migrateTestDatabase();
  await resetSubscriberSplits(owner);
  rig = await ReminderRig.start({ SUBSCRIPTION_PARTITIONS: '4' });
});
afterAll(async () => {
  await rig?.close();
  // later files run the default split
  if (owner) await resetSubscriberSplits(owner);
  await owner?.end();
});

it('runs each subscriber as 4 partitions with a checkpoint each, and schedules, delivers and counts as before', async () => {
  const host = rig.worker.get(SubscriptionHost);
  await waitFor('every subscriber owned here', () => host.status().every((s) => s.leader));
  const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
  const dueAt = inSeconds(2);
  await assignHomework(rig, s, 'Partitioned', dueAt);
  const [row] = await waitForRows(rig, 'the due-soon reminder SENT', s.engagementId, (r) => r.some((x) => x.kind === 'HOMEWORK_DUE_SOON' && x.status === 'SENT'), {
    timeoutMs: 20_000,
  }).then((rows) => rows.filter((x) => x.kind === 'HOMEWORK_DUE_SOON'));
  expect(rig.deliveriesOf(row!.id)).toHaveLength(1);
  const { rows: checkpoints } = await owner.query<{ name: string }>(
    `SELECT name FROM subscription_checkpoints WHERE name LIKE 'reminder-scheduler#%' OR name LIKE 'activity-by-day#%' ORDER BY name`,
  );
  expect(checkpoints.map((c) => c.name)).toEqual([
    ...[0, 1, 2, 3].map((p) => `activity-by-day#${p}/4`),
    ...[0, 1, 2, 3].map((p) => `reminder-scheduler#${p}/4`),
  ]);
  await waitFor('the activity of the practice counted once', async () => {
    const { rows } = await owner.query<{ n: number }>(
      `SELECT sum(events)::int AS n FROM activity_by_day WHERE practice_id = $1 AND event_type = 'HomeworkAssigned'`,
      [s.practiceId],
    );
    return rows[0]!.n === 1;
  }, { timeoutMs: 30_000 });
});
