import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { ReminderMessage } from './reminder-message.js';

/**
 * The exact bytes POSTed to a practice's webhook. Every object is rebuilt literally so the
 * key order is part of the contract, whatever order the caller's objects happen to have.
 * The delivery id is the reminder id: stable across retries, so receivers can de-duplicate.
 * Built once per reminder, at its first attempt, and stored: every retry and replay sends
 * these same bytes (`sentAt` is the first attempt's time), so X-Signature is the same too.
 */
export function buildWebhookBody(message: ReminderMessage, sentAt: Date): string {
  const { recipient, engagement, homework, draft } = message;
  return JSON.stringify({
    type: 'reminder',
    id: message.reminderId,
    kind: message.kind,
    practiceId: message.practiceId,
    sentAt: sentAt.toISOString(),
    scheduledFor: message.scheduledFor,
    recipient: { id: recipient.id, name: recipient.name, email: recipient.email, role: recipient.role },
    engagement: { id: engagement.id, title: engagement.title },
    homework: homework && { id: homework.id, title: homework.title, dueAt: homework.dueAt },
    draft: draft && { id: draft.id, revision: draft.revision, submittedAt: draft.submittedAt },
    // only on HOMEWORK_ESCALATED: the other kinds' bodies are byte for byte as before
    ...(message.escalation && {
      escalation: {
        step: message.escalation.step,
        target: message.escalation.target,
        clientProgress: {
          homeworkStatus: message.escalation.clientProgress.homeworkStatus,
          draftsSubmitted: message.escalation.clientProgress.draftsSubmitted,
          lastActivityAt: message.escalation.clientProgress.lastActivityAt,
          summary: message.escalation.clientProgress.summary,
        },
      },
    }),
  });
}

/**
 * A secret's two HMAC keys (X-Signature's: its UTF-8 bytes; Standard Webhooks': `standardWebhooksKey`)
 * as KeyObjects, made once per secret: given a string or bytes, Node checks on every createHmac
 * whether the key is a KeyObject or a CryptoKey, ~7 µs of the ~9 µs a signature costs (Node 24;
 * 1.6 µs with a KeyObject), twice per delivery. Bounded: a process sees a few practices' secrets.
 */
const hmacKeys = new Map<string, { body: KeyObject; standard: KeyObject }>();
function hmacKeysOf(secret: string): { body: KeyObject; standard: KeyObject } {
  let keys = hmacKeys.get(secret);
  if (!keys) {
    if (hmacKeys.size >= 1_000) hmacKeys.clear();
    keys = { body: createSecretKey(Buffer.from(secret, 'utf8')), standard: createSecretKey(standardWebhooksKey(secret)) };
    hmacKeys.set(secret, keys);
  }
  return keys;
}

/** `sha256=<lowercase hex HMAC-SHA256 of the raw body>`, the `X-Signature` header value. */
export function signBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', hmacKeysOf(secret).body).update(rawBody).digest('hex')}`;
}

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** Constant-time check of an `X-Signature` header against the raw body, as a receiver would do it. */
export function verifySignature(secret: string, rawBody: string | Buffer, header: string | null | undefined): boolean {
  const match = typeof header === 'string' ? SIGNATURE.exec(header.trim()) : null;
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  // the pattern fixes the length at 32 bytes, which timingSafeEqual requires
  return timingSafeEqual(Buffer.from(match[1], 'hex'), expected);
}

const STANDARD_SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/**
 * The HMAC key of the Standard Webhooks signature (https://www.standardwebhooks.com). A
 * practice secret already in that spec's format, `whsec_<base64>`, is its base64-decoded bytes,
 * as every Standard Webhooks library reads it; any other secret is its own UTF-8 bytes, i.e. the
 * Standard Webhooks secret `whsec_<base64 of the secret>` (see `standardWebhooksSecret`).
 */
export function standardWebhooksKey(secret: string): Buffer {
  const match = STANDARD_SECRET.exec(secret);
  if (match) {
    const key = Buffer.from(match[1]!, 'base64');
    if (key.length > 0 && key.toString('base64') === match[1]) return key;
  }
  return Buffer.from(secret, 'utf8');
}

/** The secret to give a Standard Webhooks library (`new Webhook(secret)`) for a practice's webhook secret. */
export function standardWebhooksSecret(secret: string): string {
  return `whsec_${standardWebhooksKey(secret).toString('base64')}`;
}

/**
 * `webhook-id`, `webhook-timestamp` and `webhook-signature` of the Standard Webhooks spec: the
 * signature is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. The timestamp is the attempt's,
 * so receivers can refuse stale replays; the body (and X-Signature) stay the same across attempts.
 */
export function standardWebhookHeaders(secret: string, id: string, timestamp: number, rawBody: string): Record<string, string> {
  const signature = createHmac('sha256', hmacKeysOf(secret).standard).update(`${id}.${timestamp}.${rawBody}`, 'utf8').digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}
