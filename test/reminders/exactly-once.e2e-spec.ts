import { Redis } from 'ioredis';
import { deleteKeys } from '../support/redis.js';
import { ReminderClock } from '#reminders';
import { waitFor } from '../support/wait.js';
import { activeEngagement, assignHomework, ReminderRig, waitForRows, type Story } from './harness.js';

// "Sent at most once" under duplicate jobs and a lost Redis. Deliveries are counted by
// X-Delivery-Id (the reminder id, what a receiver de-duplicates on) and ReminderSent events.
// Due times are an hour ahead on the reminders' controllable time and the tests move that time
// to them (rig.advanceTo): nothing races the wall clock, so a loaded machine cannot make a
// reminder fire before the test has set up what it checks.

let rig: ReminderRig;
beforeAll(async () => {
  // The receiver runs in this test's process: on a loaded machine (the shared one runs at a load
  // of 25+ on 2 cores) answering 100 deliveries at once takes longer than the rig's 2 s webhook
  // timeout, and a delivery timed out on our side is retried, by design (at least once; the
  // receiver de-duplicates on X-Delivery-Id). This file counts deliveries, so it waits longer.
  rig = await ReminderRig.start({ WEBHOOK_TIMEOUT_MS: '30000' });
});
afterAll(async () => {
  await rig?.close();
});

describe('a reminder is sent once', () => {
  it('however many jobs fire for it: the same job added twice, and jobs at other times', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
    const dueAt = new Date(rig.now().getTime() + 3_600_000);
    await assignHomework(rig, s, 'Once only', dueAt);
    const [row] = await waitForRows(rig, 'the due-soon row', s.engagementId, (r) => r[0]?.status === 'SCHEDULED');
    expect(row!.kind).toBe('HOMEWORK_DUE_SOON');

    // the receiver holds its first answer for 0.8 s, so the runs below overlap with the delivery
    rig.hooks.respondWith({ status: 204, delayMs: 800 });
    const clock = rig.worker.get(ReminderClock);
    const entry = { id: row!.id, practiceId: s.practiceId, at: row!.scheduled_for };
    const late = { ...entry, at: new Date(dueAt.getTime() + 300) };
    const early = { ...entry, at: rig.now() };
    // the scheduler's own job, added twice more (scheduler retry, reconciliation, a second worker)
    await clock.schedule([entry, entry]);
    // a stale job at another time: one fires now, before the row is due; one 0.3 s after it,
    // while the first run still waits for the receiver
    await clock.schedule([late, early]);
    expect(await rig.jobState(entry.id, entry.at)).toBe('delayed');
    // (a reminder's own job fires a lease after its time, as a backstop: this one now)
    await (await clock.queue.getJob(ReminderClock.jobId(early.id, early.at)))!.promote();
    // the early job has run and ended (the row is at another time, whose job answers for it), not sent it
    await waitFor('the early job ended', async () => (await rig.jobState(early.id, early.at)) === 'unknown');
    expect(rig.deliveriesOf(row!.id)).toEqual([]);

    // the due time comes: the scheduler's job (and its twins) and, 0.3 s later, the late one
    await rig.advanceTo(dueAt);
    const [delivery] = await waitFor('the delivery', async () => {
      await rig.tick();
      return rig.deliveriesOf(row!.id).length > 0 ? rig.deliveriesOf(row!.id) : null;
    }, { timeoutMs: 30_000 });
    expect(Date.parse(JSON.parse(delivery!.body).sentAt)).toBeGreaterThanOrEqual(dueAt.getTime());
    // every job of this reminder has run (completed jobs are removed; one that met the
    // lease of the running delivery on each attempt ends failed): nothing can send it again
    await waitFor('all its jobs finished', async () => {
      await rig.tick();
      const states = await Promise.all([entry, late, early].map((e) => rig.jobState(e.id, e.at)));
      return states.every((st) => st === 'unknown' || st === 'failed');
    });
    await waitForRows(rig, 'the row SENT', s.engagementId, (r) => r[0]?.status === 'SENT');

    expect(rig.deliveriesOf(row!.id)).toHaveLength(1);
    expect((await rig.reminderSentEvents(s.engagementId)).filter((e) => e.reminderId === row!.id)).toHaveLength(1);
  });

  // The batch sends, then records ReminderSent and the rows SENT in one commit. When that commit
  // fails, the batch lets its rows go and the job retries: the retry must find the send on the row
  // and only record it. Here the database refuses the first ReminderSent of this engagement (a
  // trigger, once), as a lost connection or an exhausted version conflict would fail it.
  it('when the recording fails after the send: the retry records it without sending again', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
    const dueAt = new Date(rig.now().getTime() + 3_600_000);
    await assignHomework(rig, s, 'Recorded once', dueAt);
    const [row] = await waitForRows(rig, 'the due-soon row', s.engagementId, (r) => r[0]?.status === 'SCHEDULED');
    const name = `fail_once_${s.engagementId.replaceAll('-', '_')}`;
    await rig.pool.query(`CREATE SEQUENCE ${name}`);
    await rig.pool.query(
      // SECURITY DEFINER: the service role that appends may not use the test's sequence
      `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
       BEGIN
         IF NEW.type = 'ReminderSent' AND NEW.stream_id = '${s.engagementId}' AND nextval('${name}') = 1 THEN
           RAISE EXCEPTION 'refused once by the test';
         END IF;
         RETURN NEW;
       END $$`,
    );
    await rig.pool.query(`CREATE TRIGGER ${name} BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION ${name}()`);
    try {
      await rig.advanceTo(dueAt);
      await waitForRows(rig, 'the row SENT', s.engagementId, (r) => r[0]?.status === 'SENT', { timeoutMs: 60_000 });
      // the recording was refused once (the sequence moved past 1), and the retry recorded it
      const { rows } = await rig.pool.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM ${name}`);
      expect(Number(rows[0]!.last_value)).toBeGreaterThanOrEqual(2);
      expect(rig.deliveriesOf(row!.id)).toHaveLength(1);
      expect((await rig.reminderSentEvents(s.engagementId)).filter((e) => e.reminderId === row!.id)).toHaveLength(1);
    } finally {
      await rig.pool.query(`DROP TRIGGER IF EXISTS ${name} ON events`);
      await rig.pool.query(`DROP FUNCTION IF EXISTS ${name}()`);
      await rig.pool.query(`DROP SEQUENCE IF EXISTS ${name}`);
    }
  });

  it('after Redis is flushed with 100 reminders scheduled: a restarted worker re-adds the jobs and each goes exactly once', async () => {
    // 5 practices x 20 homework, all due at once; overdue is an hour later, so only due-soon fires
    const dueAt = new Date(rig.now().getTime() + 3_600_000);
    const stories: Story[] = await Promise.all(
      Array.from({ length: 5 }, () => activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 })),
    );
    const homework = (
      await Promise.all(
        stories.map(async (s) => {
          const ids: string[] = [];
          for (let i = 0; i < 20; i++) ids.push(await assignHomework(rig, s, `Task ${i + 1}`, dueAt));
          return ids;
        }),
      )
    ).flat();
    expect(homework).toHaveLength(100);
    const rows = await waitFor('100 scheduled due-soon rows', async () => {
      const { rows } = await rig.pool.query<{ id: string; scheduled_for: Date }>(
        `SELECT id, scheduled_for FROM reminders WHERE homework_id = ANY($1::uuid[]) AND kind = 'HOMEWORK_DUE_SOON' AND status = 'SCHEDULED'`,
        [homework],
      );
      return rows.length === 100 ? rows : null;
    });
    await waitFor('their 100 jobs', async () => (await Promise.all(rows.map((r) => rig.jobState(r.id, r.scheduled_for)))).every((st) => st === 'delayed'));
    // the flush comes before they fire (an hour ahead on the reminder time), or this would not test the re-adding
    expect(rig.now().getTime()).toBeLessThan(dueAt.getTime());

    // Redis loses the queue's data: every key of the rig's queue goes (never FLUSHALL: Redis is shared)
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      await deleteKeys(redis, `${rig.env.QUEUE_PREFIX}:*`);
    } finally {
      await redis.quit();
    }
    expect(new Set(await Promise.all(rows.map((r) => rig.jobState(r.id, r.scheduled_for))))).toEqual(new Set(['unknown']));

    await rig.restartWorker();
    // the restarted worker's reconciler re-adds the jobs; the due time comes
    await rig.advanceTo(dueAt);

    await waitFor(
      '100 SENT rows',
      async () => {
        await rig.tick();
        const { rows: sent } = await rig.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM reminders WHERE id = ANY($1::uuid[]) AND status = 'SENT'`,
          [rows.map((r) => r.id)],
        );
        return sent[0]!.n === 100;
      },
      { timeoutMs: 60_000 },
    );
    // All SENT; then 2 s past the due time and every job of theirs run: a duplicate would have fired.
    await rig.advanceTo(new Date(dueAt.getTime() + 2_000));
    await waitFor(
      'their jobs done',
      async () => {
        await rig.tick();
        return (await Promise.all(rows.map((r) => rig.jobState(r.id, r.scheduled_for)))).every((st) => st === 'unknown');
      },
      { timeoutMs: 30_000 },
    );
    const deliveries = stories.flatMap((s) => rig.deliveries(s.practiceId));
    expect(deliveries).toHaveLength(100);
    expect(new Set(deliveries.map((d) => d.headers['x-delivery-id']))).toEqual(new Set(rows.map((r) => r.id)));
    for (const d of deliveries) expect(Date.parse(d.json.sentAt)).toBeGreaterThanOrEqual(dueAt.getTime());
    const events = (await Promise.all(stories.map((s) => rig.reminderSentEvents(s.engagementId)))).flat();
    expect(events).toHaveLength(100);
    expect(new Set(events.map((e) => e.reminderId)).size).toBe(100);
  });
});
