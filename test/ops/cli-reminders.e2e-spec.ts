import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { ReminderClock, standardWebhooksSecret, verifySignature } from '#reminders';
import { reconcileReminders } from '../../apps/cli/src/ops/reconcile-reminders.command.js';
import { replayWebhooks } from '../../apps/cli/src/ops/replay-webhooks.command.js';
import { setTestEnv } from '../support/env.js';
import { waitFor } from '../support/wait.js';
import { activeEngagement, assignHomework, inSeconds, ReminderRig, SECRET, waitForRows, type Story } from '../reminders/harness.js';

// The operator commands around reminders, against the real PostgreSQL, Redis
// and a real webhook receiver: reconcile-reminders puts a lost job back;
// replay-webhooks delivers SENT reminders again with their delivery id and
// records nothing.

let rig: ReminderRig;
const lines: string[] = [];
const out = { line: (text: string) => void lines.push(text) };

beforeAll(async () => {
  rig = await ReminderRig.start();
  // the commands read their configuration from the environment: the rig's (same database, same queue prefix)
  setTestEnv(rig.env);
});
afterAll(async () => {
  await rig?.close();
});

/** A practice whose homework, due in two seconds, has its due-soon reminder delivered by webhook. */
async function sentReminder(): Promise<{ story: Story; reminderId: string }> {
  const story = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0] });
  const homeworkId = await assignHomework(rig, story, 'Articulate your hook', inSeconds(2));
  const [row] = await waitForRows(rig, 'the due-soon reminder to be sent', story.engagementId, (rows) => rows.some((r) => r.status === 'SENT'), {
    homeworkId,
  });
  return { story, reminderId: row!.id };
}

describe('reconcile-reminders', () => {
  it('gives the SCHEDULED reminders whose jobs Redis lost their jobs back, in every practice, and says how many rows it covered', async () => {
    // two practices: the reconciler looks across practices, not in one caller's scope
    const stories = [
      await activeEngagement(rig, { dueSoonOffsetsMinutes: [60] }),
      await activeEngagement(rig, { dueSoonOffsetsMinutes: [60] }),
    ];
    const lost: { id: string; scheduled_for: Date }[] = [];
    for (const story of stories) {
      const homeworkId = await assignHomework(rig, story, 'Ask for help', inSeconds(7_200));
      lost.push(...(await waitForRows(rig, 'reminders to be scheduled', story.engagementId, (r) => r.length === 2, { homeworkId })));
    }
    for (const r of lost) expect(await rig.jobState(r.id, r.scheduled_for)).toBe('delayed');
    // Redis loses the jobs (flushed, failed over without persistence, ...)
    for (const r of lost) await rig.clock.queue.remove(ReminderClock.jobId(r.id, r.scheduled_for));
    for (const r of lost) expect(await rig.jobState(r.id, r.scheduled_for)).toBe('unknown');

    const covered = await reconcileReminders([], out);

    // The rig's worker keeps scheduling the run's other engagements while this runs, so the database's
    // count of waiting rows is a moving target: the count printed is the reconciler's own, and it
    // covers at least the rows this test lost.
    expect(covered).toBeGreaterThanOrEqual(lost.length);
    const said = /^reconciled (\d+) scheduled reminder\(s\): (\d+) missing job\(s\) re-added, (\d+) given-up job\(s\) past due retried$/.exec(lines.at(-1) ?? '');
    expect(said).not.toBeNull();
    expect(Number(said![1])).toBe(covered);
    // the lost jobs at least (a later file's leftovers may add to them), never more than it covered
    expect(Number(said![2])).toBeGreaterThanOrEqual(lost.length);
    expect(Number(said![2])).toBeLessThanOrEqual(covered);
    for (const r of lost) expect(await rig.jobState(r.id, r.scheduled_for)).toBe('delayed');
  });

  it('takes no arguments', async () => {
    await expect(reconcileReminders(['--now'], out)).rejects.toThrow(/takes no arguments/);
  });
});

describe('replay-webhooks', () => {
  it('delivers the SENT reminders of a window again, with the same delivery id and body, recording nothing', async () => {
    const from = new Date();
    const one = await sentReminder();
    const two = await sentReminder();
    const first = rig.deliveriesOf(one.reminderId);
    expect(first).toHaveLength(1);
    const eventsBefore = await rig.pool.query('SELECT count(*)::int AS n FROM events WHERE practice_id = ANY($1)', [[one.story.practiceId, two.story.practiceId]]);
    const rowsBefore = await rig.pool.query('SELECT * FROM reminders WHERE practice_id = ANY($1) ORDER BY id', [[one.story.practiceId, two.story.practiceId]]);
    const to = new Date(Date.now() + 1_000);

    // one practice
    const report = await replayWebhooks(['--from', from.toISOString(), '--to', to.toISOString(), '--practice', one.story.practiceId], out);
    expect(report).toEqual({ found: 1, delivered: 1, skipped: 0, failed: [], practices: 1 });
    expect(lines.at(-1)).toMatch(/^1 SENT reminder\(s\) between .* in 1 practice\(s\): 1 delivered again, 0 failed, 0 skipped \(no webhook URL\)$/);
    const again = rig.deliveriesOf(one.reminderId);
    expect(again).toHaveLength(2);
    expect(again[1]!.headers['x-delivery-id']).toBe(one.reminderId);
    expect(verifySignature(SECRET, again[1]!.body, again[1]!.headers['x-signature'] as string)).toBe(true);
    // the very bytes of the first delivery, so the same signature
    expect(again[1]!.body).toBe(again[0]!.body);
    expect(again[1]!.headers['x-signature']).toBe(again[0]!.headers['x-signature']);
    expect(rig.deliveriesOf(two.reminderId)).toHaveLength(1);

    // every practice with SENT reminders in the window (the look across practices goes through a definer function)
    const all = await replayWebhooks(['--from', from.toISOString(), '--to', to.toISOString()], out);
    expect(all.delivered).toBeGreaterThanOrEqual(2);
    expect(rig.deliveriesOf(one.reminderId)).toHaveLength(3);
    expect(rig.deliveriesOf(two.reminderId)).toHaveLength(2);

    // nothing recorded: no event, the reminder rows untouched
    expect((await rig.pool.query('SELECT count(*)::int AS n FROM events WHERE practice_id = ANY($1)', [[one.story.practiceId, two.story.practiceId]])).rows).toEqual(
      eventsBefore.rows,
    );
    expect((await rig.pool.query('SELECT * FROM reminders WHERE practice_id = ANY($1) ORDER BY id', [[one.story.practiceId, two.story.practiceId]])).rows).toEqual(
      rowsBefore.rows,
    );
  });

  it('a delivery retried and replayed is the same bytes and X-Signature; every attempt verifies with the standardwebhooks library', async () => {
    // a practice whose secret is in the Standard Webhooks format, and whose receiver fails once
    const standardSecret = `whsec_${randomBytes(32).toString('base64')}`;
    const receiver = await rig.extraReceiver(204);
    receiver.respondWith(500);
    const story = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0], webhookUrl: `${receiver.url}/hooks` });
    await rig.api.gql(`mutation ($s: String) { updatePracticeSettings(input: { webhookSecret: $s }) { webhookSecretSet } }`, { s: standardSecret }, story.admin);
    const from = new Date();
    const homeworkId = await assignHomework(rig, story, 'Articulate your hook', inSeconds(2));
    const [row] = await waitForRows(rig, 'the reminder to be sent', story.engagementId, (r) => r.some((x) => x.status === 'SENT'), { homeworkId });
    expect(row!.attempts).toBe(2);
    const report = await replayWebhooks(['--from', from.toISOString(), '--to', new Date(Date.now() + 1_000).toISOString(), '--practice', story.practiceId], out);
    expect(report).toMatchObject({ found: 1, delivered: 1 });

    const received = receiver.requests;
    expect(received).toHaveLength(3); // the failed attempt, the retry, the replay
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    expect(new Set(received.map((r) => r.headers['x-signature'])).size).toBe(1);
    expect(new Set(received.map((r) => r.headers['webhook-id']))).toEqual(new Set([row!.id]));
    // a receiver as the spec's published library has it: the practice's secret as it is
    const webhook = new Webhook(standardSecret);
    for (const r of received) {
      expect(webhook.verify(r.body, r.headers as Record<string, string>)).toMatchObject({ type: 'reminder', id: row!.id, kind: 'HOMEWORK_DUE_SOON' });
      // and X-Signature with nothing but node:crypto
      const expected = createHmac('sha256', standardSecret).update(r.body).digest();
      expect(timingSafeEqual(Buffer.from((r.headers['x-signature'] as string).slice('sha256='.length), 'hex'), expected)).toBe(true);
    }
    // a tampered body, another message's id or a stale timestamp are refused
    const [first] = received;
    const headers = first!.headers as Record<string, string>;
    expect(() => webhook.verify(`${first!.body} `, headers)).toThrow(/No matching signature/);
    expect(() => webhook.verify(first!.body, { ...headers, 'webhook-id': 'another' })).toThrow(/No matching signature/);
    expect(() => webhook.verify(first!.body, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 3600) })).toThrow(/too old/);
    // a secret not in the spec's format: the library takes it as whsec_<base64 of its bytes>
    const plain = rig.deliveriesOf((await sentReminder()).reminderId)[0]!;
    expect(new Webhook(standardWebhooksSecret(SECRET)).verify(plain.body, plain.headers as Record<string, string>)).toMatchObject({ type: 'reminder' });
    expect(standardWebhooksSecret(SECRET)).toBe(`whsec_${Buffer.from(SECRET).toString('base64')}`);
  });

  it('reports a receiver that refuses, and skips practices without a webhook', async () => {
    const from = new Date();
    const down = await rig.extraReceiver(503);
    const story = await activeEngagement(rig, { dueSoonOffsetsMinutes: [0] });
    const homeworkId = await assignHomework(rig, story, 'Articulate your hook', inSeconds(2));
    const [row] = await waitForRows(rig, 'the reminder to be sent', story.engagementId, (r) => r.some((x) => x.status === 'SENT'), { homeworkId });
    const to = new Date(Date.now() + 1_000);

    await rig.api.gql(`mutation { updatePracticeSettings(input: { webhookUrl: "${down.url}/hooks" }) { webhookUrl } }`, {}, story.admin);
    const failed = await replayWebhooks(['--from', from.toISOString(), '--to', to.toISOString(), '--practice', story.practiceId], out);
    expect(failed).toMatchObject({ found: 1, delivered: 0, failed: [{ reminderId: row!.id, practiceId: story.practiceId, error: expect.stringMatching(/HTTP 503/) }] });
    await waitFor('the refusing receiver to have been asked', () => down.requests.length === 1);

    await rig.api.gql(`mutation { updatePracticeSettings(input: { webhookUrl: null }) { webhookUrl } }`, {}, story.admin);
    const skipped = await replayWebhooks(['--from', from.toISOString(), '--to', to.toISOString(), '--practice', story.practiceId], out);
    expect(skipped).toMatchObject({ found: 1, delivered: 0, skipped: 1, failed: [] });
  });

  it('refuses a window that is not one', async () => {
    await expect(replayWebhooks(['--from', 'yesterday', '--to', new Date().toISOString()], out)).rejects.toThrow(/not an ISO-8601 instant/);
    await expect(replayWebhooks(['--from', new Date().toISOString(), '--to', new Date(0).toISOString()], out)).rejects.toThrow(/before --to/);
    await expect(replayWebhooks(['--to', new Date().toISOString()], out)).rejects.toThrow(/--from/);
  });
});
