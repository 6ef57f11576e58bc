import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { buildWebhookBody, standardWebhooksSecret, verifySignature } from '../../../libs/reminders/src/delivery/webhook-payload.js';
import { DESTINATION_NOT_ALLOWED, WebhookSender } from '../../../libs/reminders/src/delivery/webhook-sender.js';
import { EmailSender } from '../../../libs/reminders/src/delivery/email-sender.js';
import { renderReminderEmail } from '../../../libs/reminders/src/delivery/email-templates.js';
import type { ReminderMessage } from '../../../libs/reminders/src/delivery/reminder-message.js';
import { startHttpReceiver, type HttpReceiver } from '../../support/http-receiver.js';
import { startSmtpReceiver, type SmtpReceiver } from '../../support/smtp-receiver.js';
import { waitFor } from '../../support/wait.js';

const coach = { id: randomUUID(), name: 'Cora Coach', email: 'cora@coaching.test' };
const client = { id: randomUUID(), name: 'Cliff Client', email: 'cliff@coaching.test' };

function reminder(overrides: Partial<ReminderMessage> = {}): ReminderMessage {
  return {
    reminderId: randomUUID(),
    kind: 'HOMEWORK_DUE_SOON',
    practiceId: randomUUID(),
    scheduledFor: '2026-11-30T17:00:00.000Z',
    recipient: { ...client, role: 'CLIENT' },
    engagement: { id: randomUUID(), title: 'Career change', coach, client },
    homework: { id: randomUUID(), title: 'Rewrite your CV', dueAt: '2026-12-01T17:00:00.000Z' },
    draft: null,
    ...overrides,
  };
}

describe('webhook delivery', () => {
  const secret = 'whsec_integration_secret';
  let receiver: HttpReceiver;
  const sender = new WebhookSender({ timeoutMs: 2_000, allowPrivateNetworks: true, userAgent: 'reminders-test/1' });

  beforeEach(async () => {
    receiver = await startHttpReceiver(204);
  });
  afterEach(async () => {
    await receiver.close();
  });

  function request(secretOrNull: string | null = secret) {
    const message = reminder();
    return { url: `${receiver.url}/hooks/reminders`, secret: secretOrNull, deliveryId: message.reminderId, body: buildWebhookBody(message, new Date()) };
  }

  it('POSTs the raw body with the delivery id, timestamp and a verifiable signature', async () => {
    const input = request();
    const before = Math.floor(Date.now() / 1000);

    const attempt = await sender.send(input);

    expect(attempt).toEqual({ ok: true, status: 204, error: null, durationMs: expect.any(Number) });
    const [received] = await waitFor('the webhook', () => (receiver.requests.length === 1 ? receiver.requests : null));
    expect(received!.method).toBe('POST');
    expect(received!.url).toBe('/hooks/reminders');
    expect(received!.body).toBe(input.body);
    expect(received!.headers['content-type']).toBe('application/json');
    expect(received!.headers['user-agent']).toBe('reminders-test/1');
    expect(received!.headers['x-delivery-id']).toBe(input.deliveryId);
    const timestamp = Number(received!.headers['x-timestamp']);
    expect(Number.isInteger(timestamp)).toBe(true);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));

    const signature = received!.headers['x-signature'];
    expect(typeof signature).toBe('string');
    expect(verifySignature(secret, received!.body, signature as string)).toBe(true);
    // and independently of our own helper, the way a receiver in any language would check it
    const [algorithm, hex] = (signature as string).split('=');
    expect(algorithm).toBe('sha256');
    const expected = createHmac('sha256', secret).update(Buffer.from(received!.body, 'utf8')).digest();
    expect(timingSafeEqual(Buffer.from(hex!, 'hex'), expected)).toBe(true);

    const body = JSON.parse(received!.body);
    expect(body).toMatchObject({ type: 'reminder', id: input.deliveryId, kind: 'HOMEWORK_DUE_SOON' });

    // the Standard Webhooks headers, checked by that spec's published library
    expect(received!.headers['webhook-id']).toBe(input.deliveryId);
    expect(received!.headers['webhook-timestamp']).toBe(String(timestamp));
    const verified = new Webhook(standardWebhooksSecret(secret)).verify(received!.body, received!.headers as Record<string, string>);
    expect(verified).toMatchObject({ id: input.deliveryId });
  });

  it('sends no signature when the practice has no secret', async () => {
    const attempt = await sender.send(request(null));

    expect(attempt.ok).toBe(true);
    const [received] = await waitFor('the webhook', () => (receiver.requests.length === 1 ? receiver.requests : null));
    expect(received!.headers).not.toHaveProperty('x-signature');
    expect(received!.headers).not.toHaveProperty('webhook-signature');
    expect(received!.headers['x-delivery-id']).toBeDefined();
  });

  it('reports a server error with the start of the response body', async () => {
    receiver.respondWith({ status: 500, body: 'database   is\n down' });

    expect(await sender.send(request())).toEqual({
      ok: false,
      status: 500,
      error: 'HTTP 500: database is down',
      durationMs: expect.any(Number),
    });
  });

  it('keeps at most 200 characters of a long error body', async () => {
    receiver.respondWith({ status: 503, body: 'x'.repeat(100_000) });

    const attempt = await sender.send(request());

    expect(attempt).toMatchObject({ ok: false, status: 503 });
    expect(attempt.error).toBe(`HTTP 503: ${'x'.repeat(200)}`);
  });

  it('gives up when the receiver answers later than the timeout', async () => {
    receiver.respondWith({ status: 200, delayMs: 30_000 });
    const impatient = new WebhookSender({ timeoutMs: 300, allowPrivateNetworks: true });

    const attempt = await impatient.send(request());

    expect(attempt).toMatchObject({ ok: false, status: null, error: 'timed out after 300 ms' });
    expect(receiver.requests).toHaveLength(1);
  });

  it('refuses to follow a redirect', async () => {
    receiver.respondWith({ status: 302, headers: { Location: `${receiver.url}/elsewhere` } });

    const attempt = await sender.send(request());

    expect(attempt).toMatchObject({ ok: false, status: 302, error: 'redirect refused (HTTP 302)' });
    expect(receiver.requests.map((r) => r.url)).toEqual(['/hooks/reminders']);
  });

  it('reports a refused connection without a status', async () => {
    const gone = await startHttpReceiver();
    await gone.close();

    const attempt = await sender.send({ ...request(), url: gone.url });

    expect(attempt.ok).toBe(false);
    expect(attempt.status).toBeNull();
    expect(attempt.error).toMatch(/ECONNREFUSED/);
  });

  it.each([
    ['an IP literal', (r: HttpReceiver) => `http://127.0.0.1:${r.port}/hooks/reminders`],
    ['a name that resolves to loopback', (r: HttpReceiver) => `http://localhost:${r.port}/hooks/reminders`],
  ])('refuses a private destination given as %s without sending anything', async (_case, url) => {
    const guarded = new WebhookSender({ timeoutMs: 2_000, allowPrivateNetworks: false });

    const attempt = await guarded.send({ ...request(), url: url(receiver) });

    expect(attempt).toMatchObject({ ok: false, status: null, error: DESTINATION_NOT_ALLOWED });
    // send() resolves only after a request would have completed, so an empty log is final
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('email delivery', () => {
  let smtp: SmtpReceiver;
  let sender: EmailSender;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    sender = new EmailSender({ smtpUrl: smtp.url, from: 'Coaching reminders <reminders@coaching.test>' });
  });
  afterAll(async () => {
    await sender?.close();
    await smtp?.close();
  });

  it('sends the rendered reminder as text and HTML to the recipient, escaping the HTML', async () => {
    const message = reminder({
      homework: { id: randomUUID(), title: 'CV <script>alert("x")</script> & cover letter', dueAt: '2026-12-01T17:00:00.000Z' },
    });
    const rendered = renderReminderEmail(message, { timeZone: 'UTC' });

    const { messageId } = await sender.send(
      { ...rendered, to: { name: client.name, email: client.email }, reminderId: message.reminderId },
      { 'X-Practice-Id': message.practiceId },
    );

    const mail = await waitFor('the email', () => smtp.messages.find((m) => m.header('x-reminder-id') === message.reminderId));
    expect(messageId).toBe(`<reminder-${message.reminderId}@coaching.test>`);
    expect(mail.header('message-id')).toBe(messageId);
    expect(mail.envelope).toEqual({ mailFrom: 'reminders@coaching.test', rcptTo: [client.email] });
    expect(mail.header('to')).toContain(`<${client.email}>`);
    expect(mail.header('x-practice-id')).toBe(message.practiceId);
    expect(mail.subject).toBe(rendered.subject);
    expect(mail.subject).toContain('is due on Tue, 1 Dec 2026, 17:00 UTC');

    const text = mail.part('text/plain');
    const html = mail.part('text/html');
    expect(text?.body).toContain('CV <script>alert("x")</script> & cover letter');
    expect(text?.body).toContain('Career change');
    expect(html?.body).toContain('CV &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; cover letter');
    expect(html?.body).not.toContain('<script');
  });

  it('sends a feedback reminder to the coach', async () => {
    const message = reminder({
      kind: 'FEEDBACK_PENDING',
      recipient: { ...coach, role: 'COACH' },
      draft: { id: randomUUID(), revision: 2, submittedAt: '2026-11-28T09:15:00.000Z' },
    });
    const rendered = renderReminderEmail(message, {});

    await sender.send({ ...rendered, to: { name: coach.name, email: coach.email }, reminderId: message.reminderId });

    const mail = await waitFor('the email', () => smtp.messages.find((m) => m.header('x-reminder-id') === message.reminderId));
    expect(mail.envelope.rcptTo).toEqual([coach.email]);
    expect(mail.part('text/plain')?.body).toContain('Cliff Client submitted draft 2 of “Rewrite your CV”');
    expect(mail.part('text/html')?.body).toContain('waiting for your feedback');
  });

  it('fails loudly when the relay is unreachable', async () => {
    const gone = await startSmtpReceiver();
    await gone.close();
    const unreachable = new EmailSender({ smtpUrl: gone.url, from: 'reminders@coaching.test' });
    try {
      await expect(
        unreachable.send({ subject: 's', text: 't', html: '<p>t</p>', to: { name: 'A', email: 'a@coaching.test' } }),
      ).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await unreachable.close();
    }
  });
});
