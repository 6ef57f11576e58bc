import { createHmac } from 'node:crypto';
import { buildWebhookBody, signBody, standardWebhookHeaders, standardWebhooksKey, standardWebhooksSecret, verifySignature } from './webhook-payload.js';
import type { ReminderMessage } from './reminder-message.js';

const coach = { id: 'c0a80000-0000-4000-8000-000000000001', name: 'Cora Coach', email: 'cora@example.com' };
const client = { id: 'c0a80000-0000-4000-8000-000000000002', name: 'Cliff Client', email: 'cliff@example.com' };

const message: ReminderMessage = {
  reminderId: '7d444840-9dc0-41d2-b5f5-2f2b0b8e2c11',
  kind: 'FEEDBACK_PENDING',
  practiceId: 'practice-1',
  scheduledFor: '2026-12-01T17:00:00.000Z',
  recipient: { role: 'COACH', email: coach.email, name: coach.name, id: coach.id },
  engagement: { id: 'engagement-1', title: 'Career change', coach, client },
  homework: { dueAt: '2026-12-03T09:00:00.000Z', title: 'CV draft', id: 'homework-1' },
  draft: { submittedAt: '2026-11-29T10:30:00.000Z', revision: 2, id: 'draft-1' },
};

describe('webhook body', () => {
  it('is the documented JSON in a fixed key order, whatever order the input has', () => {
    expect(buildWebhookBody(message, new Date('2026-12-01T17:00:01.250Z'))).toBe(
      '{"type":"reminder","id":"7d444840-9dc0-41d2-b5f5-2f2b0b8e2c11","kind":"FEEDBACK_PENDING",' +
        '"practiceId":"practice-1","sentAt":"2026-12-01T17:00:01.250Z","scheduledFor":"2026-12-01T17:00:00.000Z",' +
        '"recipient":{"id":"c0a80000-0000-4000-8000-000000000001","name":"Cora Coach","email":"cora@example.com","role":"COACH"},' +
        '"engagement":{"id":"engagement-1","title":"Career change"},' +
        '"homework":{"id":"homework-1","title":"CV draft","dueAt":"2026-12-03T09:00:00.000Z"},' +
        '"draft":{"id":"draft-1","revision":2,"submittedAt":"2026-11-29T10:30:00.000Z"}}',
    );
  });

  it('writes null for a missing homework or draft and leaks no coach/client details', () => {
    const body = JSON.parse(buildWebhookBody({ ...message, homework: null, draft: null }, new Date(0)));
    expect(body.homework).toBeNull();
    expect(body.draft).toBeNull();
    expect(body.engagement).toEqual({ id: 'engagement-1', title: 'Career change' });
  });
});

describe('webhook signature', () => {
  const secret = 'whsec_test_0123456789';
  const body = '{"type":"reminder","id":"x"}';
  const expected = `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

  it('signs the raw body with HMAC-SHA256 as lowercase hex', () => {
    expect(signBody(secret, body)).toBe(expected);
    expect(signBody(secret, body)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('verifies a correct signature, from a string or a Buffer body', () => {
    expect(verifySignature(secret, body, expected)).toBe(true);
    expect(verifySignature(secret, Buffer.from(body), expected)).toBe(true);
  });

  it.each([
    ['a tampered body', secret, `${body} `, expected],
    ['the wrong secret', 'another-secret', body, expected],
    ['a missing header', secret, body, undefined],
    ['an empty header', secret, body, ''],
    ['no algorithm prefix', secret, body, expected.slice('sha256='.length)],
    ['another algorithm', secret, body, expected.replace('sha256=', 'sha1=')],
    ['a truncated digest', secret, body, expected.slice(0, -2)],
    ['a digest that is not hex', secret, body, `sha256=${'z'.repeat(64)}`],
    ['a longer digest', secret, body, `${expected}00`],
  ])('rejects %s', (_case, key, raw, header) => {
    expect(verifySignature(key, raw, header)).toBe(false);
  });
});

describe('Standard Webhooks signature', () => {
  const body = '{"type":"reminder","id":"7d444840-9dc0-41d2-b5f5-2f2b0b8e2c11"}';
  const id = '7d444840-9dc0-41d2-b5f5-2f2b0b8e2c11';
  const timestamp = 1_764_460_800;

  it('signs "id.timestamp.body" as the spec\'s published library does, for a whsec_ secret (its base64 bytes are the key)', async () => {
    const { Webhook } = await import('standardwebhooks');
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const headers = standardWebhookHeaders(secret, id, timestamp, body);
    expect(headers).toEqual({ 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/) });
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign(id, new Date(timestamp * 1000), body));
    expect(standardWebhooksSecret(secret)).toBe(secret);
  });

  it.each(['a-plain-practice-secret-of-32-chars', 'whsec_not_base64_because_of_underscores', 'whsec_', 'whsec_YWJj'.slice(0, 9)])(
    'takes any other secret (%s) as its UTF-8 bytes, i.e. whsec_<base64 of the secret>',
    async (secret) => {
      const { Webhook } = await import('standardwebhooks');
      expect(standardWebhooksKey(secret)).toEqual(Buffer.from(secret, 'utf8'));
      const headers = standardWebhookHeaders(secret, id, timestamp, body);
      expect(headers['webhook-signature']).toBe(new Webhook(standardWebhooksSecret(secret)).sign(id, new Date(timestamp * 1000), body));
    },
  );

  it('depends on the id and the timestamp as well as the body', () => {
    const secret = 'a-plain-practice-secret-of-32-chars';
    const base = standardWebhookHeaders(secret, id, timestamp, body)['webhook-signature'];
    expect(standardWebhookHeaders(secret, 'other', timestamp, body)['webhook-signature']).not.toBe(base);
    expect(standardWebhookHeaders(secret, id, timestamp + 1, body)['webhook-signature']).not.toBe(base);
    expect(standardWebhookHeaders(secret, id, timestamp, `${body} `)['webhook-signature']).not.toBe(base);
  });
});
