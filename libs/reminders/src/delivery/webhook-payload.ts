import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ReminderMessage } from './reminder-message.js';

/**
 * The exact bytes POSTed to a practice's webhook. Every object is rebuilt literally so the
 * key order is part of the contract, whatever order the caller's objects happen to have.
 * The delivery id is the reminder id: stable across retries, so receivers can de-duplicate.
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
  });
}

/** `sha256=<lowercase hex HMAC-SHA256 of the raw body>`, the `X-Signature` header value. */
export function signBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
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
