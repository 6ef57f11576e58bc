import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PoolClient } from 'pg';
import { Database } from '#platform';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import { activeEngagement, assignHomework, ReminderRig, waitForRows } from './harness.js';

// A batch's lease outlives the batch however busy the worker is. The reminders bench saw 54 of
// 10,000 reminders sent twice: each batch renewed its lease on the worker's shared pool, so with
// hundreds of batches waiting for a connection the renewal waited too, the lease ran out while
// the webhook was being answered, and the row's own job (or another worker's sweep) took the row
// and sent it again. Here the webhook answers only when the test lets it, the worker's whole
// pool is taken by the test meanwhile, and the lease (3 s) must still be renewed past its end.

let rig: ReminderRig;
/**
 * A receiver that holds every answer to this test's practice until the test opens the gate. The
 * test database is shared by the run's files, so a reminder another file left SCHEDULED can be
 * delivered by this file's worker to its practice's URL; on a port reused from that file's closed
 * receiver it lands here (a fresh-clone run saw one). Only this test's path counts.
 */
const path = `/hook/${uniqueId('lease')}`;
const waiting: ServerResponse[] = [];
const received: string[] = [];
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url !== path) return void res.writeHead(410).end();
    received.push(String(req.headers['x-delivery-id']));
    waiting.push(res);
  });
});
const answerAll = () => waiting.splice(0).forEach((res) => res.writeHead(204).end());

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  rig = await ReminderRig.start({ REMINDER_LEASE_SECONDS: '3', WEBHOOK_TIMEOUT_MS: '60000', DATABASE_POOL_SIZE: '4' });
});
afterAll(async () => {
  answerAll();
  await rig?.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

it('renews a delivering batch’s lease while every connection of the worker’s pool is busy, and the reminder is sent once', async () => {
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${path}`;
  const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 600, webhookUrl: url });
  const dueAt = new Date(rig.now().getTime() + 3_600_000);
  await assignHomework(rig, s, 'Slow receiver', dueAt);
  const [row] = await waitForRows(rig, 'the due-soon row', s.engagementId, (r) => r[0]?.status === 'SCHEDULED', {
    timeoutMs: 90_000,
  });

  await rig.advanceTo(dueAt);
  await waitFor('the delivery to reach the receiver', () => received.length === 1, { timeoutMs: 60_000 });
  const leaseOf = async () =>
    (await rig.pool.query<{ lease_until: Date; lease_token: string }>('SELECT lease_until, lease_token FROM reminders WHERE id = $1', [row!.id])).rows[0]!;
  const first = await leaseOf();
  expect(first.lease_token).not.toBeNull();

  // every connection of the worker's pool taken (and held) by the test
  const pool = rig.worker.get(Database).pool;
  const held: PoolClient[] = await Promise.all(Array.from({ length: pool.options.max }, () => pool.connect()));
  try {
    // the lease keeps moving past its first end (3 s): renewed on the keeper's own connection
    const renewed = await waitFor(
      'the lease to be renewed past its first end while the pool is busy',
      async () => {
        const now = await leaseOf();
        return now.lease_until.getTime() >= first.lease_until.getTime() + 4_000 ? now : null;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(renewed.lease_token).toBe(first.lease_token);
  } finally {
    held.forEach((c) => c.release());
  }

  answerAll();
  await waitForRows(rig, 'the reminder to be SENT', s.engagementId, (r) => r.find((x) => x.id === row!.id)?.status === 'SENT');
  // a second job of the same reminder (a scheduler retry, the reconciler) now finds it SENT
  await rig.clock.schedule([{ id: row!.id, practiceId: s.practiceId, at: new Date(dueAt.getTime() + 1) }]);
  await rig.advanceTo(new Date(dueAt.getTime() + 1_000));
  await rig.jobsSettled('the second job to finish');
  expect(received).toEqual([row!.id]);
});
