// What the practice console added to the API (additively): the dashboard's reminder outcomes per
// day and intake baseline, and the admin's "send a test delivery" of the practice's webhook.
import { randomUUID } from 'node:crypto';
import { signBody } from '#reminders';
import { TestApi } from '../support/api.js';
import { testPool } from '../support/db.js';
import { M, codeOf, errorOf, newCast, ok, person } from '../support/engagements.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';

const cast = newCast('console-additions');
let api: TestApi;
let receiver: HttpReceiver;
const owner = testPool(2);

beforeAll(async () => {
  api = await TestApi.start({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
  receiver = await startHttpReceiver({ status: 200, body: '{"received": true}' });
});
afterAll(async () => {
  await api?.close();
  await receiver?.close();
  await owner.end();
});

it('counts reminder outcomes per day (UTC) of its own practice only, newest day first', async () => {
  const opened = ok(await api.gql<any>(M.openEngagement, { input: { coach: person(cast.coach), client: person(cast.client), title: 'Outcomes' } }, cast.admin));
  const engagementId = opened.openEngagement.id;
  const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString();
  const rows: [string, string, string | null, string][] = [
    // practice, status, sent_at, updated_at
    [cast.practiceId, 'SENT', day(0), day(0)],
    [cast.practiceId, 'SENT', day(0), day(0)],
    [cast.practiceId, 'FAILED', null, day(0)],
    [cast.practiceId, 'CANCELLED', null, day(1)],
    [cast.practiceId, 'SCHEDULED', null, day(1)],
    [cast.practiceId, 'SENT', day(40), day(40)],
    [cast.foreignAdmin.practiceId, 'SENT', day(0), day(0)],
  ];
  for (const [practiceId, status, sentAt, updatedAt] of rows) {
    await owner.query(
      `INSERT INTO reminders (id, practice_id, engagement_id, kind, recipient_id, recipient_name, recipient_role, scheduled_for, status, sent_at, updated_at)
       VALUES ($1, $2, $3, 'FEEDBACK_PENDING', 'coach-mark', 'Mark', 'COACH', $6, $4, $5, $6)`,
      [randomUUID(), practiceId, engagementId, status, sentAt, updatedAt],
    );
  }
  const res = ok(await api.gql<any>(`{ practiceDashboard { reminderOutcomes(days: 30) { day sent failed cancelled } } }`, {}, cast.admin));
  expect(res.practiceDashboard.reminderOutcomes).toEqual([
    { day: day(0).slice(0, 10), sent: 2, failed: 1, cancelled: 0 },
    { day: day(1).slice(0, 10), sent: 0, failed: 0, cancelled: 1 },
  ]);
  const bad = await api.gql(`{ practiceDashboard { reminderOutcomes(days: 0) { day } } }`, {}, cast.admin);
  expect(errorOf(bad).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'days' });
});

it('gives the intake baseline apart from the activity logged since', async () => {
  const local = newCast('console-baseline');
  const opened = ok(await api.gql<any>(M.openEngagement, { input: { coach: person(local.coach), client: person(local.client), title: 'Baseline' } }, local.admin));
  const engagementId = opened.openEngagement.id;
  ok(
    await api.gql(
      M.recordIntake,
      {
        input: {
          engagementId,
          presentingQuestion: 'What am I doing wrong?',
          background: 'Senior IT',
          currentStrategy: 'Job boards',
          goals: ['Interviews'],
          baseline: [
            { channel: 'JOB_BOARD', applications: 500, interviews: 8 },
            { channel: 'NETWORKING', applications: 10, interviews: 2 },
          ],
        },
      },
      local.admin,
    ),
  );
  ok(
    await api.gql(
      `mutation ($input: LogJobSearchActivityInput!) { logJobSearchActivity(input: $input) { id } }`,
      { input: { engagementId, channel: 'NETWORKING', applications: 5, interviews: 3 } },
      local.client,
    ),
  );
  const res = ok(
    await api.gql<any>(
      `{ practiceDashboard { intakeBaseline { applications interviews channels { channel applications interviews } } jobSearch { applications interviews } } }`,
      {},
      local.admin,
    ),
  );
  expect(res.practiceDashboard.intakeBaseline).toEqual({
    applications: 510,
    interviews: 10,
    channels: [
      { channel: 'JOB_BOARD', applications: 500, interviews: 8 },
      { channel: 'NETWORKING', applications: 10, interviews: 2 },
    ],
  });
  expect(res.practiceDashboard.jobSearch).toEqual({ applications: 515, interviews: 13 });
});

describe('sendTestWebhookDelivery', () => {
  const SEND = `mutation { sendTestWebhookDelivery { url deliveryId delivered status body error } }`;

  it('is refused by name while no webhook URL is set, and to anyone but an ADMIN', async () => {
    const local = newCast('console-webhook-none');
    const none = await api.gql(SEND, {}, local.admin);
    expect(errorOf(none).extensions).toMatchObject({ code: 'RULE_VIOLATED', rule: 'WEBHOOK_NOT_SET' });
    expect(codeOf(await api.gql(SEND, {}, local.coach))).toBe('FORBIDDEN');
  });

  it("POSTs one signed test body and reports the receiver's status and answer", async () => {
    const local = newCast('console-webhook');
    const secret = 'a-webhook-secret-of-the-practice';
    ok(
      await api.gql(
        `mutation ($input: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $input) { webhookUrl } }`,
        { input: { webhookUrl: `${receiver.url}/hooks`, webhookSecret: secret } },
        local.admin,
      ),
    );
    const before = receiver.requests.length;
    const res = ok(await api.gql<any>(SEND, {}, local.admin));
    expect(res.sendTestWebhookDelivery).toMatchObject({ url: `${receiver.url}/hooks`, delivered: true, status: 200, body: '{"received": true}', error: null });
    expect(receiver.requests.length).toBe(before + 1);
    const received = receiver.requests[before]!;
    expect(received.headers['x-delivery-id']).toBe(res.sendTestWebhookDelivery.deliveryId);
    expect(received.headers['x-signature']).toBe(signBody(secret, received.body));
    expect(JSON.parse(received.body)).toMatchObject({ type: 'test', practiceId: local.practiceId });

    receiver.respondWith({ status: 500, body: 'receiver is down' });
    const failed = ok(await api.gql<any>(SEND, {}, local.admin));
    expect(failed.sendTestWebhookDelivery).toMatchObject({ delivered: false, status: 500, body: 'receiver is down', error: 'HTTP 500: receiver is down' });
  });
});
