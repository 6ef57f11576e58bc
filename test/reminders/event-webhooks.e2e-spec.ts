// Event webhooks (issue 12): a practice's ADMIN subscribes URLs to its committed
// events; the worker's checkpointed fan-out queues them and its dispatcher
// delivers them, signed, in order per engagement, at least once, with the
// event's global position as the delivery id; a failing subscription is paused
// and flagged without holding up others; a replay re-delivers with the same ids.
// Real API, real worker, real HTTP receivers, two practices.
import { jest } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { standardWebhooksSecret, verifySignature } from '../../libs/reminders/src/delivery/webhook-payload.js';
import { EventWebhookPruner } from '#reminders';
import { codeOf, errorOf, M, newCast, ok, person, Story } from '../support/engagements.js';
import type { HttpReceiver, ReceivedRequest } from '../support/http-receiver.js';
import { waitFor } from '../support/wait.js';
import { ReminderRig } from './harness.js';

jest.setTimeout(90_000);

const SUB_FIELDS = 'id url eventTypes description active failing backlog createdAt lastDeliveryAt';
const CREATE = `mutation ($input: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $input) { ${SUB_FIELDS} } }`;
const UPDATE = `mutation ($input: UpdateWebhookSubscriptionInput!) { updateWebhookSubscription(input: $input) { ${SUB_FIELDS} } }`;
const DELETE = `mutation ($id: ID!) { deleteWebhookSubscription(id: $id) }`;
const REPLAY = `mutation ($id: ID!, $fromPosition: String, $fromTime: DateTime) { replayWebhookSubscription(id: $id, fromPosition: $fromPosition, fromTime: $fromTime) }`;
const LIST = `query ($status: WebhookDeliveryStatus, $first: Int, $after: String) { webhookSubscriptions { ${SUB_FIELDS}
  deliveries(first: $first, after: $after, status: $status) { pageInfo { hasNextPage endCursor } edges { cursor node { id eventType streamId status attempts lastStatus lastError deliveredAt } } } } }`;

const SECRET_A = 'event-secret-aaaaaaaaaaaaaaaa';
const SECRET_B = 'event-secret-bbbbbbbbbbbbbbbb';

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start({ EVENT_WEBHOOK_BACKOFF_MS: '100', EVENT_WEBHOOK_PAUSE_AFTER: '3', EVENT_WEBHOOK_POLL_MS: '50', SUBSCRIPTION_POLL_MS: '100' });
});
afterAll(async () => {
  await rig?.close();
});

const bodies = (r: { requests: readonly ReceivedRequest[] }, practiceId: string) =>
  r.requests.map((q) => ({ ...q, json: JSON.parse(q.body) })).filter((q) => q.json.type === 'event' && q.json.practiceId === practiceId);

describe('event webhooks', () => {
  const cast = newCast('event-webhooks');
  let hooksA: HttpReceiver;
  let hooksB: HttpReceiver;
  let failing: HttpReceiver;

  beforeAll(async () => {
    hooksA = await rig.extraReceiver(204);
    hooksB = await rig.extraReceiver(204);
    failing = await rig.extraReceiver(500);
  });

  it('is for ADMINs only, checks its input, and never shows the secret', async () => {
    const input = { url: `${hooksA.url}/events`, secret: SECRET_A };
    expect(codeOf(await rig.api.gql(CREATE, { input }, cast.coach))).toBe('FORBIDDEN');
    expect(codeOf(await rig.api.gql(LIST, {}, cast.client))).toBe('FORBIDDEN');
    expect(errorOf(await rig.api.gql(CREATE, { input: { ...input, url: 'ftp://example.com' } }, cast.admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.url' });
    expect(errorOf(await rig.api.gql(CREATE, { input: { ...input, secret: 'short' } }, cast.admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.secret' });
    expect(errorOf(await rig.api.gql(CREATE, { input: { ...input, eventTypes: ['NoSuchEvent'] } }, cast.admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.eventTypes' });
    expect(ok(await rig.api.gql<any>(LIST, {}, cast.admin)).webhookSubscriptions).toEqual([]);
    // the secret is stored sealed
    const sealed = await rig.pool.query("SELECT count(*)::int AS n FROM webhook_subscriptions WHERE secret_sealed LIKE '%event-secret%'");
    expect(sealed.rows[0].n).toBe(0);
  });

  it('delivers every committed event of the practice, in order per engagement, signed, the position as delivery id; two practices apart', async () => {
    const a = ok(await rig.api.gql<any>(CREATE, { input: { url: `${hooksA.url}/a`, secret: SECRET_A, description: 'CRM' } }, cast.admin)).createWebhookSubscription;
    expect(a).toMatchObject({ active: true, failing: false, eventTypes: null, description: 'CRM', backlog: 0 });
    // the other practice subscribes only to drafts
    const b = ok(await rig.api.gql<any>(CREATE, { input: { url: `${hooksB.url}/b`, secret: SECRET_B, eventTypes: ['DraftSubmitted'] } }, cast.foreignAdmin)).createWebhookSubscription;
    expect(b.eventTypes).toEqual(['DraftSubmitted']);

    const story = new Story(rig.api, cast);
    const { engagement, homeworkId, draftId } = await story.withDraft(); // 4 events
    await story.feedback(draftId, 'CHANGES_REQUESTED'); // 5
    const foreign = ok(await rig.api.gql<any>(M.openEngagement, { input: { coach: person(cast.foreignCoach), client: person(cast.foreignClient), title: 'Foreign' } }, cast.foreignAdmin)).openEngagement;
    ok(await rig.api.gql(M.recordIntake, { input: { engagementId: foreign.id, presentingQuestion: 'q', background: 'b', goals: [], currentStrategy: 's', baseline: [] } }, cast.foreignCoach));
    const hw = ok(await rig.api.gql<any>(M.assignHomework, { input: { engagementId: foreign.id, title: 't', instructions: 'i', dueAt: null } }, cast.foreignCoach)).assignHomework;
    ok(await rig.api.gql(M.submitDraft, { input: { homeworkId: hw.id, content: 'foreign draft' } }, cast.foreignClient));

    const got = await waitFor('five deliveries of practice A', () => {
      const list = bodies(hooksA, cast.practiceId).filter((q) => q.json.engagementId === engagement.id);
      return list.length >= 5 ? list : null;
    });
    const stored = await rig.pool.query('SELECT version, position, type FROM events WHERE stream_id = $1 ORDER BY version', [engagement.id]);
    expect(got.map((q) => q.json.event.version)).toEqual([1, 2, 3, 4, 5]);
    expect(got.map((q) => q.json.id)).toEqual(stored.rows.map((r: any) => String(r.position)));
    for (const q of got) {
      expect(q.headers['x-delivery-id']).toBe(q.json.id);
      expect(verifySignature(SECRET_A, q.body, q.headers['x-signature'] as string)).toBe(true);
      expect(() => new Webhook(standardWebhooksSecret(SECRET_A)).verify(q.body, q.headers as Record<string, string>)).not.toThrow();
    }
    expect(got[3]!.json).toMatchObject({
      type: 'event',
      practiceId: cast.practiceId,
      engagementId: engagement.id,
      event: { type: 'DraftSubmitted', version: 4, schemaVersion: 1, metadata: { actorId: cast.client.id, actorRole: 'CLIENT' } },
    });
    expect(got[3]!.json.event.metadata.correlationId).toEqual(expect.any(String));
    expect(got[3]!.json.event.data).toMatchObject({ homeworkId, revision: 1 });

    // practice B: only its own DraftSubmitted, with its own secret; nothing of B reached A
    const gotB = await waitFor('the foreign draft', () => (bodies(hooksB, cast.foreignAdmin.practiceId).length >= 1 ? bodies(hooksB, cast.foreignAdmin.practiceId) : null));
    expect(gotB.map((q) => q.json.event.type)).toEqual(['DraftSubmitted']);
    expect(verifySignature(SECRET_B, gotB[0]!.body, gotB[0]!.headers['x-signature'] as string)).toBe(true);
    expect(bodies(hooksA, cast.foreignAdmin.practiceId)).toEqual([]);
    expect(bodies(hooksB, cast.practiceId)).toEqual([]);

    // what the API shows: delivered, nothing left, a page of deliveries newest first
    const list = await waitFor('lastDeliveryAt', async () => {
      const subs = ok(await rig.api.gql<any>(LIST, { first: 3 }, cast.admin)).webhookSubscriptions;
      return subs[0].backlog === 0 && subs[0].lastDeliveryAt ? subs : null;
    });
    expect(list).toHaveLength(1);
    const page = list[0].deliveries;
    expect(page.edges).toHaveLength(3);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(page.edges.map((e: any) => e.node.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
    const ids = page.edges.map((e: any) => Number(e.node.id));
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);
    const next = ok(await rig.api.gql<any>(LIST, { first: 3, after: page.pageInfo.endCursor }, cast.admin)).webhookSubscriptions[0].deliveries;
    expect(Number(next.edges[0].node.id)).toBeLessThan(ids.at(-1));
    expect(codeOf(await rig.api.gql(LIST, { after: 'bogus' }, cast.admin))).toBe('BAD_USER_INPUT');

    // replay from the engagement's third event: the same ids and bytes again, counted
    const third = got[2]!;
    const before = hooksA.requests.length;
    const queued = ok(await rig.api.gql<any>(REPLAY, { id: a.id, fromPosition: third.json.id }, cast.admin)).replayWebhookSubscription;
    expect(queued).toBeGreaterThanOrEqual(3);
    const again = await waitFor('the replayed deliveries', () => {
      const list2 = bodies({ requests: hooksA.requests.slice(before) }, cast.practiceId).filter((q) => q.json.engagementId === engagement.id);
      return list2.length >= 3 ? list2 : null;
    });
    expect(again.map((q) => q.json.id)).toEqual(got.slice(2).map((q) => q.json.id));
    expect(again.map((q) => q.body)).toEqual(got.slice(2).map((q) => q.body));
    // another practice's subscription is not found from here
    expect(codeOf(await rig.api.gql(REPLAY, { id: b.id, fromPosition: '1' }, cast.admin))).toBe('NOT_FOUND');
    expect(codeOf(await rig.api.gql(REPLAY, { id: a.id }, cast.admin))).toBe('BAD_USER_INPUT');
    await rig.api.gql(DELETE, { id: b.id }, cast.foreignAdmin);
  });

  it('pauses and flags a subscription that keeps failing, while another one of the practice goes on; resuming delivers the backlog', async () => {
    const bad = ok(await rig.api.gql<any>(CREATE, { input: { url: `${failing.url}/x`, secret: SECRET_B, eventTypes: ['EngagementOpened', 'IntakeRecorded'] } }, cast.admin))
      .createWebhookSubscription;
    const before = bodies(hooksA, cast.practiceId).length;
    const story = new Story(rig.api, cast);
    const e1 = await story.open('Failing one');
    await story.intake(e1.id);
    await waitFor('the failing subscription to be paused', async () => {
      const subs = ok(await rig.api.gql<any>(LIST, {}, cast.admin)).webhookSubscriptions;
      const s = subs.find((x: any) => x.id === bad.id);
      return s.failing && !s.active && s.backlog === 2;
    });
    // the healthy one delivered both events meanwhile
    await waitFor('the healthy subscription', () => bodies(hooksA, cast.practiceId).length >= before + 2);
    const attempts = failing.requests.length;
    expect(attempts).toBeGreaterThanOrEqual(3);
    const retrying = ok(await rig.api.gql<any>(LIST, { status: 'RETRYING' }, cast.admin)).webhookSubscriptions.find((x: any) => x.id === bad.id);
    expect(retrying.deliveries.edges[0].node).toMatchObject({ status: 'RETRYING', lastStatus: 500 });

    // the receiver is fixed; resuming delivers the backlog in order
    failing.setDefault(204);
    const resumed = ok(await rig.api.gql<any>(UPDATE, { input: { id: bad.id, active: true } }, cast.admin)).updateWebhookSubscription;
    expect(resumed).toMatchObject({ active: true, failing: false });
    await waitFor('the backlog delivered', async () => {
      const s = ok(await rig.api.gql<any>(LIST, {}, cast.admin)).webhookSubscriptions.find((x: any) => x.id === bad.id);
      return s.backlog === 0 && !s.failing;
    });
    const delivered = failing.requests.slice(attempts).map((q) => JSON.parse(q.body).event.type);
    expect(delivered).toEqual(['EngagementOpened', 'IntakeRecorded']);
    expect(ok(await rig.api.gql<any>(DELETE, { id: bad.id }, cast.admin)).deleteWebhookSubscription).toBe(true);
    expect(codeOf(await rig.api.gql(DELETE, { id: bad.id }, cast.admin))).toBe('NOT_FOUND');
  });

  it('sends an engagement\'s queued backlog in order, batched; a failure mid-batch stops the batch there and the retry goes on in order', async () => {
    const receiver = await rig.extraReceiver(204);
    const sub = ok(await rig.api.gql<any>(CREATE, { input: { url: `${receiver.url}/batch`, secret: SECRET_A } }, cast.admin)).createWebhookSubscription;
    ok(await rig.api.gql(UPDATE, { input: { id: sub.id, active: false } }, cast.admin));
    const story = new Story(rig.api, cast);
    const { engagement, draftId } = await story.withDraft();
    await story.feedback(draftId, 'CHANGES_REQUESTED');
    const stored = (await rig.pool.query('SELECT position::text FROM events WHERE stream_id = $1 ORDER BY version', [engagement.id])).rows.map((r: any) => r.position as string);
    expect(stored).toHaveLength(5);
    await waitFor('the five queued while paused', async () => {
      const { rows } = await rig.pool.query("SELECT count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'PENDING'", [sub.id]);
      return rows[0].n === 5;
    });
    // the third attempt fails once
    receiver.respondWith(204, 204, 500);
    ok(await rig.api.gql(UPDATE, { input: { id: sub.id, active: true } }, cast.admin));
    await waitFor('the backlog delivered', async () => {
      const s = ok(await rig.api.gql<any>(LIST, {}, cast.admin)).webhookSubscriptions.find((x: any) => x.id === sub.id);
      return s.backlog === 0;
    });
    const ids = bodies(receiver, cast.practiceId).map((q) => q.json.id);
    expect(ids).toEqual([stored[0], stored[1], stored[2], stored[2], stored[3], stored[4]]);
    ok(await rig.api.gql(DELETE, { id: sub.id }, cast.admin));
  });

  it('prunes delivered rows past their retention in both practices, keeps recent and undelivered ones, and a replay still re-delivers a pruned range', async () => {
    const receiver = await rig.extraReceiver(204);
    const kept = ok(await rig.api.gql<any>(CREATE, { input: { url: `${receiver.url}/kept`, secret: SECRET_A } }, cast.admin)).createWebhookSubscription;
    // a paused subscription: its deliveries are queued and stay undelivered
    const paused = ok(await rig.api.gql<any>(CREATE, { input: { url: `${receiver.url}/paused`, secret: SECRET_A } }, cast.admin)).createWebhookSubscription;
    ok(await rig.api.gql(UPDATE, { input: { id: paused.id, active: false } }, cast.admin));
    const foreignSub = ok(await rig.api.gql<any>(CREATE, { input: { url: `${receiver.url}/foreign`, secret: SECRET_B } }, cast.foreignAdmin)).createWebhookSubscription;

    const story = new Story(rig.api, cast);
    const e = await story.open('Retention');
    await story.intake(e.id);
    const foreign = ok(await rig.api.gql<any>(M.openEngagement, { input: { coach: person(cast.foreignCoach), client: person(cast.foreignClient), title: 'Foreign retention' } }, cast.foreignAdmin)).openEngagement;
    const rows = async (subscriptionId: string) =>
      (await rig.pool.query('SELECT position::text, status FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY position', [subscriptionId])).rows as { position: string; status: string }[];
    await waitFor('both events delivered and queued for the paused one, the foreign one delivered', async () => {
      const [k, p, f] = [await rows(kept.id), await rows(paused.id), await rows(foreignSub.id)];
      return k.length === 2 && k.every((r) => r.status === 'DELIVERED') && p.length === 2 && f.length === 1 && f[0]!.status === 'DELIVERED';
    });
    const got = bodies({ requests: receiver.requests.filter((q) => q.url.startsWith('/kept')) }, cast.practiceId).filter((q) => q.json.engagementId === e.id);
    expect(got).toHaveLength(2);
    const [first, second] = await rows(kept.id);

    // the first delivery (and the foreign one) delivered 31 days ago, the paused one's rows queued as long ago
    const old = "now() - interval '31 days'";
    await rig.pool.query(`UPDATE webhook_deliveries SET delivered_at = ${old} WHERE (subscription_id = $1 AND position = $2) OR subscription_id = $3`, [kept.id, first!.position, foreignSub.id]);
    await rig.pool.query(`UPDATE webhook_deliveries SET created_at = ${old}, next_attempt_at = ${old} WHERE subscription_id = $1`, [paused.id]);

    const pruned = await rig.worker.get(EventWebhookPruner).prune();
    expect(pruned).toBeGreaterThanOrEqual(2);
    expect(await rows(kept.id)).toEqual([second]);
    expect((await rows(paused.id)).map((r) => r.status)).toEqual(['PENDING', 'PENDING']);
    expect(await rows(foreignSub.id)).toEqual([]);
    // nothing else to prune: a second run finds none of these
    await rig.worker.get(EventWebhookPruner).prune();
    expect(await rows(kept.id)).toEqual([second]);

    // a replay reads the log: the pruned delivery is sent again, same id, same bytes
    const before = receiver.requests.length;
    expect(ok(await rig.api.gql<any>(REPLAY, { id: kept.id, fromPosition: first!.position }, cast.admin)).replayWebhookSubscription).toBeGreaterThanOrEqual(2);
    const again = await waitFor('the pruned delivery replayed', () => {
      const list = bodies({ requests: receiver.requests.slice(before).filter((q) => q.url.startsWith('/kept')) }, cast.practiceId).filter((q) => q.json.engagementId === e.id);
      return list.length >= 2 ? list : null;
    });
    expect(again.map((q) => q.json.id)).toEqual(got.map((q) => q.json.id));
    expect(again.map((q) => q.body)).toEqual(got.map((q) => q.body));
    expect(foreign.id).toEqual(expect.any(String));
    for (const [id, who] of [[kept.id, cast.admin], [paused.id, cast.admin], [foreignSub.id, cast.foreignAdmin]] as const) ok(await rig.api.gql(DELETE, { id }, who));
  });
});
