import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import pg from 'pg';
import { REMINDER_QUEUE } from '#reminders';
import { migrateTestDatabase, testPool } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { startHttpReceiver } from '../support/http-receiver.js';
import { AppProcess } from '../support/processes.js';
import { runScopedPrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';
import { ASSIGN, freePort, openActiveEngagement, post, tokens } from './shared.js';

// Two workers share the reminders; one is killed with SIGKILL while they are
// being delivered. Every reminder is still delivered and recorded exactly once
// (one SENT row, one ReminderSent event); a webhook the dead worker had sent
// but not yet recorded may be sent again, always with the same X-Delivery-Id,
// so the receiver can drop it.

const REMINDERS = Number(process.env.FAULT_REMINDERS ?? 200);

let owner: pg.Pool;
beforeAll(async () => {
  await migrateTestDatabase();
  owner = testPool(2);
});
afterAll(async () => {
  await owner?.end();
});

const count = async (sql: string, practiceId: string) => Number((await owner.query<{ n: string }>(sql, [practiceId])).rows[0]!.n);

it(`delivers and records each of ${REMINDERS} reminders once when one of two workers is killed mid-delivery`, async () => {
  const receiver = await startHttpReceiver(204);
  const hook = `${receiver.url}/hook`;
  /** the X-Delivery-Id of every webhook received, in order */
  const deliveries = () => receiver.requests.map((r) => String(r.headers['x-delivery-id']));
  const env = { QUEUE_PREFIX: `fault-${randomUUID().slice(0, 8)}`, REMINDER_RECONCILE_MS: '1000', REMINDER_BACKOFF_MS: '200' };
  const port = await freePort();
  const api = await new AppProcess('api', { ...env, PORT: String(port) }).start();
  // (a worker whose start fails is killed by the test environment, test/support/environment.cjs)
  const workers = await Promise.all([new AppProcess('worker', env).start(), new AppProcess('worker', env).start()]);
  try {
    const practiceId = uniqueId('fault-2w');
    const admin = await tokens.issue({ practiceId, role: 'ADMIN', sub: 'admin-1' });
    const settings = await post(port, admin, 'mutation ($i: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $i) { webhookUrl } }', {
      i: { webhookUrl: hook, dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 600, feedbackWindowMinutes: 600 },
    });
    expect(settings.body.errors).toBeUndefined();
    const engagements = await Promise.all(Array.from({ length: 4 }, () => openActiveEngagement(port, practiceId)));
    const dueAt = new Date(Date.now() + 15_000).toISOString();
    await Promise.all(
      engagements.map(async (e) => {
        for (let h = 0; h < REMINDERS / engagements.length; h++) {
          const r = await post(port, e.coach, ASSIGN, { i: { engagementId: e.id, title: `H${h}`, instructions: '', dueAt } });
          if (!r.body?.data?.assignHomework) throw new Error(JSON.stringify(r.body));
        }
      }),
    );
    await waitFor(`${REMINDERS} scheduled due-soon reminders`, async () =>
      (await count("SELECT count(*) AS n FROM reminders WHERE practice_id = $1 AND status = 'SCHEDULED' AND kind = 'HOMEWORK_DUE_SOON'", practiceId)) === REMINDERS,
    { timeoutMs: 30_000 });
    expect(deliveries()).toEqual([]);

    // the first deliveries are out: kill one worker in the middle of them
    await waitFor('the first delivery', () => deliveries().length > 0, { timeoutMs: 30_000, intervalMs: 5 });
    await workers[0]!.kill('SIGKILL');
    const atKill = new Set(deliveries()).size;
    const killedAt = Date.now();

    await waitFor(`${REMINDERS} distinct deliveries()`, () => new Set(deliveries()).size === REMINDERS, { timeoutMs: 60_000, intervalMs: 100 });
    const recoveredMs = Date.now() - killedAt;
    await waitFor(`${REMINDERS} SENT rows`, async () =>
      (await count("SELECT count(*) AS n FROM reminders WHERE practice_id = $1 AND status = 'SENT'", practiceId)) === REMINDERS,
    { timeoutMs: 30_000 });
    const ids = new Set(
      (await owner.query<{ id: string }>("SELECT id FROM reminders WHERE practice_id = $1 AND kind = 'HOMEWORK_DUE_SOON'", [practiceId])).rows.map((r) => r.id),
    );
    // no job of these reminders is left to run (all SENT, so the reconciler adds none back): a late
    // duplicate could only come from a job still waiting, active or delayed (the overdue reminders,
    // hours away, keep their own delayed jobs)
    const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const queue = new Queue(REMINDER_QUEUE, { connection: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) }, prefix: runScopedPrefix('q', env.QUEUE_PREFIX) });
    try {
      await waitFor('every due-soon reminder job to have run', async () => {
        const pending = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
        return pending.every((job) => !ids.has((job.data as { reminderId?: string }).reminderId ?? ''));
      }, { timeoutMs: 30_000, intervalMs: 100 });
    } finally {
      await queue.close();
    }
    // every delivery names one of the reminders; each reminder is recorded once on its engagement's stream
    expect(deliveries().filter((d) => !ids.has(d))).toEqual([]);
    expect(new Set(deliveries()).size).toBe(REMINDERS);
    expect(await count("SELECT count(*) AS n FROM events WHERE practice_id = $1 AND type = 'ReminderSent'", practiceId)).toBe(REMINDERS);
    expect(
      await count(
        "SELECT count(*) AS n FROM (SELECT data->>'reminderId' FROM events WHERE practice_id = $1 AND type = 'ReminderSent' GROUP BY 1 HAVING count(*) > 1) d",
        practiceId,
      ),
    ).toBe(0);
    expect(workers[1]!.running).toBe(true);
    console.log(
      `two workers, one killed: ${atKill}/${REMINDERS} delivered before the kill, the rest within ${recoveredMs} ms after it, ` +
        `all ${REMINDERS} recorded once; ` +
        `${deliveries().length - REMINDERS} webhook(s) resent with the same X-Delivery-Id`,
    );
  } finally {
    for (const w of workers) await w.stop();
    await api.stop();
    await receiver.close();
  }
}, 180_000);
