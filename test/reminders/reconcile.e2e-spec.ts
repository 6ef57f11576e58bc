import { Database, Metrics } from '#platform';
import { ReminderClock, ReminderReconciler, stillWaiting, wakeIdOf, wakeSlotOf } from '#reminders';
import { testClient } from '../support/db.js';
import { waitFor } from '../support/wait.js';
import {
  activeEngagement,
  assignHomework,
  inSeconds,
  ReminderRig,
  untilPassed,
  updateSettings,
  waitForRows,
  type ReminderRow,
} from './harness.js';

// PostgreSQL holds the reminders, Redis only their clock: reminders whose time passed
// while no worker ran go out at once when one starts, and a worker stopped gracefully
// finishes the delivery in hand.

let rig: ReminderRig;
beforeAll(async () => {
  // no lead: these stop the worker while the jobs of reminders due in 2 s are still delayed
  // (with REMINDER_LEAD_MS they would be running already; lead.e2e-spec.ts tests the lead)
  // a short lease: a reminder's own job (its backstop, when no wake-up took it) fires this long after its time
  rig = await ReminderRig.start({ REMINDER_LEAD_MS: '0', REMINDER_LEASE_SECONDS: '3' });
});
afterAll(async () => {
  await rig?.close();
});
// a test that failed with the worker stopped must not leave the next one without a worker
afterEach(async () => {
  await rig?.ensureWorker();
});

const allScheduled = (n: number) => (rows: ReminderRow[]) => rows.length === n && rows.every((r) => r.status === 'SCHEDULED');

/** Waits until the webhook received `n` reminders about `homeworkId`; returns them. */
function deliveredFor(practiceId: string, homeworkId: string, n: number) {
  return waitFor(`${n} deliveries for homework ${homeworkId}`, () => {
    const got = rig.deliveries(practiceId).filter((d) => d.json.homework?.id === homeworkId);
    return got.length >= n ? got : null;
  });
}

describe('reminders due while no worker ran', () => {
  it('are delivered at once when a worker starts: rows the scheduler makes late, and rows whose jobs were lost', async () => {
    // `lost`: its rows and jobs exist, then the jobs vanish while no worker runs (the
    // reconciler must re-add them on start); `late`: assigned while no worker runs (the
    // scheduler makes its rows on start, with jobs due at once)
    const lost = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 0 });
    const late = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 0 });
    const lostDue = inSeconds(2);
    const lostHw = await assignHomework(rig, lost, 'Its jobs vanish', lostDue);
    const lostRows = await waitForRows(rig, 'two rows', lost.engagementId, allScheduled(2));
    await waitFor('their jobs', async () => (await Promise.all(lostRows.map((r) => rig.jobState(r.id, r.scheduled_for)))).every((st) => st === 'delayed'));

    await rig.stopWorker();
    await rig.clock.unschedule(lostRows.map((r) => ({ id: r.id, at: r.scheduled_for })));
    expect(await Promise.all(lostRows.map((r) => rig.jobState(r.id, r.scheduled_for)))).toEqual(['unknown', 'unknown']);
    // its own due time, taken now: stopping the worker can take seconds on a busy machine
    const lateDue = inSeconds(2);
    const lateHw = await assignHomework(rig, late, 'Assigned while the worker was down', lateDue);
    // both homeworks' times (due-soon at the due time, overdue 1 s later) pass with no worker
    await untilPassed(new Date(lateDue.getTime() + 1_500));
    // no scheduler ran: no row yet
    expect(await rig.reminders(late.engagementId)).toEqual([]);

    const startedAt = new Date();
    await rig.startWorker(); // same QUEUE_PREFIX

    for (const [s, hw, dueAt] of [
      [lost, lostHw, lostDue],
      [late, lateHw, lateDue],
    ] as const) {
      const got = await deliveredFor(s.practiceId, hw, 2);
      expect(got.map((d) => d.json.kind).sort()).toEqual(['HOMEWORK_DUE_SOON', 'HOMEWORK_OVERDUE']);
      // at start, not at the next reconciliation an hour later (a bound of logic, not of speed:
      // a busy machine may take seconds)
      for (const d of got) expect(d.receivedAt.getTime() - startedAt.getTime()).toBeLessThan(60_000);
      const rows = await waitForRows(rig, 'both SENT', s.engagementId, (r) => r.length === 2 && r.every((x) => x.status === 'SENT'));
      expect(rows.map((r) => r.scheduled_for.getTime())).toEqual([dueAt.getTime(), dueAt.getTime() + 1_000]);
      expect(await rig.reminderSentEvents(s.engagementId)).toHaveLength(2);
    }
  });

  it('a reminder leased by a run that died is delivered once the lease runs out, without burning its attempts', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
    // far enough ahead that the lease below is set before the due time on a busy machine
    const dueAt = inSeconds(5);
    const hw = await assignHomework(rig, s, 'Leased by a dead worker', dueAt);
    const [row] = await waitForRows(rig, 'the due-soon row', s.engagementId, (r) => r[0]?.status === 'SCHEDULED');

    // A worker that died mid-delivery leaves the row leased (here until 1.5 s past the due time).
    // The wake-up's sweep passes it by; the row's own job fires REMINDER_LEASE_SECONDS after its
    // time (when a dead worker's lease has ended) and sends it, without failing attempts.
    const leaseUntil = new Date(dueAt.getTime() + 1_500);
    await rig.pool.query('UPDATE reminders SET lease_until = $2 WHERE id = $1', [row!.id, leaseUntil]);

    const [delivery] = await deliveredFor(s.practiceId, hw, 1);
    expect(delivery!.headers['x-delivery-id']).toBe(row!.id);
    expect(delivery!.receivedAt.getTime()).toBeGreaterThanOrEqual(leaseUntil.getTime());
    const [sent] = await waitForRows(rig, 'the row SENT', s.engagementId, (r) => r[0]?.status === 'SENT');
    expect(sent!.attempts).toBe(1);
    expect(await rig.reminderSentEvents(s.engagementId)).toHaveLength(1);
  });
});

describe('a reminder fires before the scheduler has caught up', () => {
  it('with a settings change that moved it later: it is not sent at its old time', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 0 });
    // far enough ahead that the worker is stopped before the overdue time on a busy machine
    const dueAt = inSeconds(5);
    const hw = await assignHomework(rig, s, 'Overdue later', dueAt);
    const rows = await waitForRows(rig, 'two rows', s.engagementId, allScheduled(2));
    const [dueSoon, overdue] = rows;
    expect(overdue!.scheduled_for.getTime()).toBe(dueAt.getTime() + 1_000);
    await waitFor('their jobs', async () => (await Promise.all(rows.map((r) => rig.jobState(r.id, r.scheduled_for)))).every((st) => st === 'delayed'));

    // The scheduler lags (here: another process owns its subscription, as one can) while the
    // overdue delay becomes 30 min; the processor keeps running with the old row and job.
    await rig.stopWorker();
    const owner = await testClient();
    try {
      await owner.query("SELECT pg_advisory_lock(hashtextextended('subscription:' || $1, 0))", ['reminder-scheduler']);
      await updateSettings(rig, s, { overdueAfterMinutes: 30 });
      await rig.startWorker();

      // the due-soon reminder (unchanged) goes at its time; the overdue job fires 1 s later and is done
      await deliveredFor(s.practiceId, hw, 1);
      await untilPassed(new Date(overdue!.scheduled_for.getTime() + 1_000));
      await waitFor('the old overdue job done', async () => (await rig.jobState(overdue!.id, overdue!.scheduled_for)) === 'unknown');
      // checked again at firing time against the rules as they are now: not due for 30 min
      expect(rig.deliveries(s.practiceId).map((d) => d.headers['x-delivery-id'])).toEqual([dueSoon!.id]);
      expect((await rig.reminders(s.engagementId)).find((r) => r.id === overdue!.id)).toMatchObject({ status: 'SCHEDULED' });
    } finally {
      await owner.end();
    }

    // the scheduler catches up: the row and its job move to the new time
    const moved = await waitForRows(rig, 'the overdue row moved', s.engagementId, (r) =>
      r.some((x) => x.id === overdue!.id && x.scheduled_for.getTime() === dueAt.getTime() + 1_800_000),
    );
    expect(moved.find((r) => r.id === overdue!.id)).toMatchObject({ status: 'SCHEDULED' });
    await waitFor('its new job', async () => (await rig.jobState(overdue!.id, new Date(dueAt.getTime() + 1_800_000))) === 'delayed');
    expect(rig.deliveries(s.practiceId)).toHaveLength(1);
  });
});

describe('a worker stopped gracefully', () => {
  it('finishes the delivery in flight: the reminder is SENT once, not lost and not sent again by the next worker', async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
    // the receiver holds its answer for 1 s; the worker is told to stop meanwhile
    rig.hooks.respondWith({ status: 204, delayMs: 1_000 });
    const hw = await assignHomework(rig, s, 'In flight at shutdown', inSeconds(2));
    const [request] = await deliveredFor(s.practiceId, hw, 1);

    await rig.stopWorker();

    // close() returned after the run finished: the receiver has answered, the row is SENT
    expect(Date.now() - request!.receivedAt.getTime()).toBeGreaterThanOrEqual(1_000);
    const [row] = await rig.reminders(s.engagementId);
    expect(row).toMatchObject({ kind: 'HOMEWORK_DUE_SOON', status: 'SENT', attempts: 1, last_error: null });
    expect(await rig.reminderSentEvents(s.engagementId)).toHaveLength(1);

    // A new worker (its reconciler re-adds every SCHEDULED row on start) does not send it
    // again: once it has delivered a control reminder due after its start, still one delivery.
    await rig.startWorker();
    const control = await assignHomework(rig, s, 'Control', inSeconds(1));
    await deliveredFor(s.practiceId, control, 1);
    expect(rig.deliveriesOf(row!.id)).toHaveLength(1);
    expect((await rig.reminders(s.engagementId)).find((r) => r.id === row!.id)).toMatchObject({ status: 'SENT', attempts: 1 });
  });
});

describe('reconciliation passes', () => {
  // the mark is a field of the queue's meta hash (BullMQ's own): a flush or an obliterate removes it with the jobs
  const mark = async () => ((await rig.clock.queue.getMeta()) as Record<string, unknown>)['coaching:reconciled-at'] ?? null;
  const rearmedCount = async (pass: 'full' | 'changed') =>
    (await rig.worker.get(Metrics).reminderJobsRearmed.get()).values.find((v) => v.labels.pass === pass)?.value ?? 0;

  /** Two rows an hour and more ahead, with their jobs; the first made to look unchanged for an hour. */
  async function waitingRows(title: string): Promise<{ old: ReminderRow; fresh: ReminderRow }> {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [60], overdueAfterMinutes: 60 });
    await assignHomework(rig, s, title, inSeconds(7_200));
    const [old, fresh] = await waitForRows(rig, 'two rows', s.engagementId, allScheduled(2));
    await waitFor('their jobs', async () => (await Promise.all([old!, fresh!].map((r) => rig.jobState(r.id, r.scheduled_for)))).every((st) => st === 'delayed'));
    await rig.pool.query("UPDATE reminders SET updated_at = now() - interval '1 hour' WHERE id = $1", [old!.id]);
    return { old: old!, fresh: fresh! };
  }
  const lose = async (...rows: ReminderRow[]) => {
    for (const r of rows) await rig.clock.queue.remove(ReminderClock.jobId(r.id, r.scheduled_for));
  };

  it('between full passes, re-arms the rows changed since the last pass; a row unchanged for long waits for the next full pass', async () => {
    const reconciler = rig.worker.get(ReminderReconciler);
    await reconciler.reconcile();
    const { old, fresh } = await waitingRows('Changed and unchanged');
    await lose(old, fresh);
    const before = await rearmedCount('changed');

    const changed = await reconciler.reconcile({ full: false });
    expect(changed.full).toBe(false);
    expect(await rig.jobState(fresh.id, fresh.scheduled_for)).toBe('delayed');
    expect(await rig.jobState(old.id, old.scheduled_for)).toBe('unknown');
    expect(changed.rearmed).toBeGreaterThanOrEqual(1);
    expect(await rearmedCount('changed')).toBe(before + changed.rearmed);

    const full = await reconciler.reconcile();
    expect(full).toMatchObject({ full: true });
    expect(full.rearmed).toBeGreaterThanOrEqual(1);
    expect(await rig.jobState(old.id, old.scheduled_for)).toBe('delayed');
    // a pass that finds every job in place re-creates none
    expect(await reconciler.reconcile({ full: false })).toMatchObject({ full: false, rearmed: 0 });
  });

  // A pass reads the waiting rows, then asks Redis for their jobs. A row sent in between has no job
  // any more (done and removed) without having lost one: re-armed, it was counted and logged as a lost
  // job, which the alert on coaching_reminder_jobs_rearmed_total pages for. The rows Redis lacks are
  // read again first. Here the pass's list is stale by construction: both rows were waiting when it was
  // read; then both jobs went and one row was SENT.
  it('re-arms no row that stopped waiting between its read of the rows and its look into Redis', async () => {
    const { old: sent, fresh: waiting } = await waitingRows('Sent meanwhile');
    await lose(sent, waiting);
    await rig.pool.query("UPDATE reminders SET status = 'SENT', sent_at = now() WHERE id = $1", [sent.id]);
    const { rows } = await rig.pool.query<{ practice_id: string }>('SELECT practice_id FROM reminders WHERE id = $1', [sent.id]);
    const stale = [sent, waiting].map((r) => ({ id: r.id, practiceId: rows[0]!.practice_id, at: r.scheduled_for }));
    const added = await rig.clock.scheduleMissing(stale, (missing) => stillWaiting(rig.worker.get(Database), missing));
    expect(added).toBe(1);
    expect(await rig.jobState(sent.id, sent.scheduled_for)).toBe('unknown');
    expect(await rig.jobState(waiting.id, waiting.scheduled_for)).toBe('delayed');
  });

  it('a Redis that lost its mark of the last pass (flushed, obliterated, failed over) gets a full pass at the next tick', async () => {
    const reconciler = rig.worker.get(ReminderReconciler);
    await reconciler.reconcile();
    const { old } = await waitingRows('After a flush');
    expect(await mark()).toMatch(/^\d+$/);
    await lose(old);
    await (await rig.clock.queue.getBackend().client).hdel(rig.clock.queue.keys.meta!, 'coaching:reconciled-at');
    expect(await mark()).toBeNull();

    const pass = await reconciler.reconcile({ full: false });
    expect(pass.full).toBe(true);
    expect(await rig.jobState(old.id, old.scheduled_for)).toBe('delayed');
    expect(await mark()).toMatch(/^\d+$/);
  });

  it('reads the rows changed since a time and those due by a time, across practices', async () => {
    const { old, fresh } = await waitingRows('Read by the function');
    const ids = async (changedSince: string, dueBy: string) =>
      (
        await rig.pool.query<{ id: string }>(
          `SELECT id FROM reminders_to_reconcile(${changedSince}, ${dueBy}) WHERE id = ANY($1::uuid[])`,
          [[old.id, fresh.id]],
        )
      ).rows.map((r) => r.id);
    expect(await ids("now() - interval '5 minutes'", 'now()')).toEqual([fresh.id]);
    // due by: the old row (its time an hour ahead) is read once its time is within reach
    expect((await ids("now() - interval '5 minutes'", "now() + interval '3 hours'")).sort()).toEqual([old.id, fresh.id].sort());
    expect((await ids("'-infinity'", 'now()')).sort()).toEqual([old.id, fresh.id].sort());
  });
});

describe('a lost wake-up', () => {
  it("costs a reminder its time, not the reminder: its own job sends it a lease after its time (here 3 s)", async () => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 60 });
    // far enough ahead that the wake-up is removed before it fires, on a busy machine
    const dueAt = inSeconds(6);
    const hw = await assignHomework(rig, s, 'Lost wake-up', dueAt);
    const [row] = await waitForRows(rig, 'the due-soon row', s.engagementId, (r) => r[0]?.status === 'SCHEDULED');
    const wake = wakeIdOf(s.practiceId, wakeSlotOf(row!.scheduled_for, 0));
    await waitFor('the wake-up in Redis', async () => (await rig.clock.queue.getJobState(wake)) === 'delayed');
    expect(await rig.clock.queue.remove(wake)).toBe(1);
    expect(Date.now()).toBeLessThan(dueAt.getTime());

    const delivery = await waitFor('the delivery', () => rig.deliveries(s.practiceId).find((d) => d.json.homework?.id === hw) ?? null, { timeoutMs: 30_000 });
    expect(delivery.receivedAt.getTime()).toBeGreaterThanOrEqual(row!.scheduled_for.getTime() + 3_000);
    const [sent] = await waitForRows(rig, 'the row SENT', s.engagementId, (r) => r[0]?.status === 'SENT');
    expect(sent!.attempts).toBe(1);
    expect(await rig.reminderSentEvents(s.engagementId)).toHaveLength(1);
  });
});
