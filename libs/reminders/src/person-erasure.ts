import { ERASED, type Queryable, type StoredEvent } from '#event-store';
import { buildEventWebhookBody } from './event-webhooks/event-webhook-body.js';

/**
 * The reminders lib's rows about an erased person (issue 12): the reminders
 * addressed to them show "[erased]" for name and email (their stored webhook
 * body too, so a replay sends no name), their last errors (which may quote an
 * address) are cleared, and the ones still scheduled are cancelled (there is
 * nobody to remind). Returns how many rows changed.
 */
export async function eraseReminderRecipient(tx: Queryable, practiceId: string, personId: string): Promise<number> {
  const { rows } = await tx.query<{ id: string; webhook_body: string | null }>(
    `UPDATE reminders SET recipient_name = $3, recipient_email = CASE WHEN recipient_email IS NULL THEN NULL ELSE $3 END, last_error = NULL,
            status = CASE WHEN status = 'SCHEDULED' THEN 'CANCELLED' ELSE status END,
            cancel_reason = CASE WHEN status = 'SCHEDULED' THEN 'recipient erased' ELSE cancel_reason END
      WHERE practice_id = $1 AND recipient_id = $2
      RETURNING id::text AS id, webhook_body`,
    [practiceId, personId, ERASED],
  );
  const bodies = rows.filter((r) => r.webhook_body !== null).map((r) => ({ id: r.id, body: erasedRecipientBody(r.webhook_body!) }));
  if (bodies.length > 0) {
    await tx.query(
      `UPDATE reminders r SET webhook_body = x.b FROM unnest($2::uuid[], $3::text[]) AS x(i, b) WHERE r.practice_id = $1 AND r.id = x.i`,
      [practiceId, bodies.map((b) => b.id), bodies.map((b) => b.body)],
    );
  }
  return rows.length;
}

/** A reminder's webhook body with its recipient's name and email erased, keys in their order. */
function erasedRecipientBody(body: string): string {
  const parsed = JSON.parse(body) as { recipient?: { name?: unknown; email?: unknown } };
  if (parsed.recipient) {
    parsed.recipient.name = ERASED;
    if (parsed.recipient.email !== null && parsed.recipient.email !== undefined) parsed.recipient.email = ERASED;
  }
  return JSON.stringify(parsed);
}

/**
 * The stored bodies of the practice's event webhook deliveries of these
 * events built again from them (read after the erasure: "[erased]" where the
 * person's text was), so a retry or replay sends no erased text. The last
 * error of a rewritten delivery is cleared (a receiver may echo the body).
 * Returns how many deliveries changed.
 */
export async function rewriteEventWebhookBodies(tx: Queryable, practiceId: string, events: readonly StoredEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const { rowCount } = await tx.query(
    `UPDATE webhook_deliveries d SET body = x.b, last_error = NULL
       FROM unnest($2::bigint[], $3::text[]) AS x(p, b)
      WHERE d.practice_id = $1 AND d.position = x.p AND d.body IS DISTINCT FROM x.b`,
    [practiceId, events.map((e) => e.position), events.map((e) => buildEventWebhookBody(e))],
  );
  return rowCount ?? 0;
}
