import type { Queryable, StoredEvent } from '#event-store';
import { buildEventWebhookBody } from './event-webhook-body.js';

// The event webhooks' tables (webhook_subscriptions, webhook_deliveries):
// only this file names them. Every function runs in the caller's
// practice-scoped transaction; row-level security is the second lock.

export interface WebhookSubscriptionRow extends Record<string, unknown> {
  id: string;
  practice_id: string;
  url: string;
  secret_sealed: string;
  event_types: string[] | null;
  description: string | null;
  active: boolean;
  failing: boolean;
  consecutive_failures: number;
  created_at: Date;
  last_delivery_at: Date | null;
}

export interface WebhookDeliveryRow extends Record<string, unknown> {
  subscription_id: string;
  position: string;
  stream_id: string;
  event_type: string;
  occurred_at: Date;
  body: string;
  status: 'PENDING' | 'DELIVERED';
  attempts: number;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** Event types one subscription may name. */
export const MAX_EVENT_TYPES = 50;

/** Subscriptions one practice may have. */
export const MAX_SUBSCRIPTIONS = 20;

/** A new subscription; null when the practice has MAX_SUBSCRIPTIONS already (checked under a per-practice lock). */
export async function insertSubscription(
  tx: Queryable,
  s: { id: string; practiceId: string; url: string; secretSealed: string; eventTypes: string[] | null; description: string | null },
): Promise<WebhookSubscriptionRow | null> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('webhook-subscriptions:' || $1, 0))", [s.practiceId]);
  const count = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_subscriptions WHERE practice_id = $1', [s.practiceId]);
  if (count.rows[0]!.n >= MAX_SUBSCRIPTIONS) return null;
  const { rows } = await tx.query<WebhookSubscriptionRow>(
    `INSERT INTO webhook_subscriptions (id, practice_id, url, secret_sealed, event_types, description)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [s.id, s.practiceId, s.url, s.secretSealed, s.eventTypes, s.description],
  );
  return rows[0]!;
}

/** Changes what is given; `active: true` also clears the failing flag and makes the backlog due now. */
export async function updateSubscription(
  tx: Queryable,
  practiceId: string,
  id: string,
  change: { url?: string; secretSealed?: string; eventTypes?: string[] | null; description?: string | null; active?: boolean },
): Promise<WebhookSubscriptionRow | null> {
  const { rows } = await tx.query<WebhookSubscriptionRow>(
    `UPDATE webhook_subscriptions SET
        url = coalesce($3, url),
        secret_sealed = coalesce($4, secret_sealed),
        event_types = CASE WHEN $5 THEN $6::text[] ELSE event_types END,
        description = CASE WHEN $7 THEN $8 ELSE description END,
        active = coalesce($9, active),
        failing = CASE WHEN $9 IS TRUE THEN false ELSE failing END,
        consecutive_failures = CASE WHEN $9 IS TRUE THEN 0 ELSE consecutive_failures END
      WHERE id = $1 AND practice_id = $2 RETURNING *`,
    [
      id,
      practiceId,
      change.url ?? null,
      change.secretSealed ?? null,
      change.eventTypes !== undefined,
      change.eventTypes ?? null,
      change.description !== undefined,
      change.description ?? null,
      change.active ?? null,
    ],
  );
  if (rows[0] && change.active === true) {
    await tx.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE subscription_id = $1 AND practice_id = $2 AND status = 'PENDING'`, [id, practiceId]);
  }
  return rows[0] ?? null;
}

export async function deleteSubscription(tx: Queryable, practiceId: string, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM webhook_subscriptions WHERE id = $1 AND practice_id = $2', [id, practiceId]);
  return rowCount === 1;
}

export async function subscriptionsOf(tx: Queryable, practiceId: string, id?: string): Promise<WebhookSubscriptionRow[]> {
  const { rows } = await tx.query<WebhookSubscriptionRow>(
    `SELECT * FROM webhook_subscriptions WHERE practice_id = $1 AND ($2::uuid IS NULL OR id = $2) ORDER BY created_at, id`,
    [practiceId, id ?? null],
  );
  return rows;
}

/** Deliveries not yet made, per subscription. */
export async function backlogs(tx: Queryable, practiceId: string, ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await tx.query<{ subscription_id: string; n: number }>(
    `SELECT subscription_id, count(*)::int AS n FROM webhook_deliveries
      WHERE practice_id = $1 AND subscription_id = ANY($2::uuid[]) AND status = 'PENDING' GROUP BY subscription_id`,
    [practiceId, ids],
  );
  return new Map(rows.map((r) => [r.subscription_id, r.n]));
}

/** A page of a subscription's deliveries, newest (highest position) first. */
export async function deliveriesPage(
  tx: Queryable,
  practiceId: string,
  subscriptionId: string,
  opts: { first: number; beforePosition: number | null; status: 'PENDING' | 'DELIVERED' | 'RETRYING' | null },
): Promise<WebhookDeliveryRow[]> {
  const { rows } = await tx.query<WebhookDeliveryRow>(
    `SELECT * FROM webhook_deliveries
      WHERE practice_id = $1 AND subscription_id = $2 AND ($3::bigint IS NULL OR position < $3)
        AND (CASE $4::text WHEN 'DELIVERED' THEN status = 'DELIVERED'
                           WHEN 'PENDING' THEN status = 'PENDING' AND attempts = 0
                           WHEN 'RETRYING' THEN status = 'PENDING' AND attempts > 0
                           ELSE true END)
      ORDER BY position DESC LIMIT $5`,
    [practiceId, subscriptionId, opts.beforePosition, opts.status, opts.first],
  );
  return rows;
}

/**
 * Queues the events of one practice for every subscription of it that wants
 * them and existed when the event occurred. A delivery already queued stays
 * as it is (at-least-once, once queued): the fan-out can run a batch again.
 */
export async function enqueueEvents(tx: Queryable, practiceId: string, events: readonly StoredEvent[]): Promise<number> {
  const subs = await subscriptionsOf(tx, practiceId);
  return enqueueFor(tx, practiceId, subs, events, false, (s, e) => e.occurredAt.getTime() >= s.created_at.getTime());
}

/** Queues (again) the events for one subscription: a replay. Delivered ones become PENDING again, same id and body. */
export async function requeueEvents(tx: Queryable, practiceId: string, sub: WebhookSubscriptionRow, events: readonly StoredEvent[]): Promise<number> {
  return enqueueFor(tx, practiceId, [sub], events, true, () => true);
}

async function enqueueFor(
  tx: Queryable,
  practiceId: string,
  subs: readonly WebhookSubscriptionRow[],
  events: readonly StoredEvent[],
  again: boolean,
  wants: (s: WebhookSubscriptionRow, e: StoredEvent) => boolean,
): Promise<number> {
  const cols = { sub: [] as string[], pos: [] as number[], stream: [] as string[], type: [] as string[], at: [] as Date[], body: [] as string[] };
  const bodies = new Map<number, string>();
  for (const s of subs) {
    const types = s.event_types ? new Set(s.event_types) : null;
    for (const e of events) {
      if (e.metadata.practiceId !== practiceId || (types && !types.has(e.type)) || !wants(s, e)) continue;
      let body = bodies.get(e.position);
      if (body === undefined) bodies.set(e.position, (body = buildEventWebhookBody(e)));
      cols.sub.push(s.id);
      cols.pos.push(e.position);
      cols.stream.push(e.streamId);
      cols.type.push(e.type);
      cols.at.push(e.occurredAt);
      cols.body.push(body);
    }
  }
  if (cols.sub.length === 0) return 0;
  const conflict = again
    ? `DO UPDATE SET status = 'PENDING', attempts = 0, next_attempt_at = now(), last_status = NULL, last_error = NULL, delivered_at = NULL`
    : 'DO NOTHING';
  const { rowCount } = await tx.query(
    `INSERT INTO webhook_deliveries (subscription_id, position, practice_id, stream_id, event_type, occurred_at, body)
     SELECT s, p, $1, st, t, a, b FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[], $7::text[]) AS x(s, p, st, t, a, b)
     ON CONFLICT (practice_id, subscription_id, position) ${conflict}`,
    [practiceId, cols.sub, cols.pos, cols.stream, cols.type, cols.at, cols.body],
  );
  return rowCount ?? 0;
}

/** The practices with a delivery due on an active subscription (a definer function: across practices). */
export async function practicesWithDueDeliveries(tx: Queryable): Promise<string[]> {
  const { rows } = await tx.query<{ practice_id: string }>('SELECT practice_id FROM webhook_deliveries_due_practices()');
  return rows.map((r) => r.practice_id);
}

export interface ClaimedDelivery extends WebhookDeliveryRow {
  url: string;
  secret_sealed: string;
}

/**
 * Claims due deliveries of a practice for `leaseMs`, as batches: for each
 * (subscription, stream) on an active subscription whose oldest pending
 * delivery (its head) is due — at most `streams` of them, oldest heads first —
 * the head and the pending ones after it, at most `perStream`, in position
 * order. The caller sends a batch in order, one at a time (ordered per
 * engagement). A claimed head is not due again until its lease ends, so no
 * other claim takes that stream meanwhile.
 *
 * The heads are found by skipping through the pending-streams index, one probe
 * per (subscription, stream), instead of sorting the whole backlog. Rows are
 * locked with SKIP LOCKED; a batch keeps only its locked prefix (a row another
 * transaction holds ends it there), and a head's due-ness is checked again on
 * the locked row, so two dispatchers never send one stream's events out of order.
 */
export async function claimDue(
  tx: Queryable,
  practiceId: string,
  limits: { streams: number; perStream: number },
  leaseMs: number,
): Promise<ClaimedDelivery[]> {
  const { rows } = await tx.query<ClaimedDelivery>(
    `WITH RECURSIVE subs AS MATERIALIZED (
       SELECT id FROM webhook_subscriptions WHERE practice_id = $1 AND active
     ), heads AS (
       SELECT s.id AS subscription_id, f.stream_id, f.position, f.next_attempt_at FROM subs s CROSS JOIN LATERAL (
         SELECT stream_id, position, next_attempt_at FROM webhook_deliveries
          WHERE practice_id = $1 AND subscription_id = s.id AND status = 'PENDING'
          ORDER BY stream_id, position LIMIT 1) f
       UNION ALL
       SELECT h.subscription_id, n.stream_id, n.position, n.next_attempt_at FROM heads h CROSS JOIN LATERAL (
         SELECT stream_id, position, next_attempt_at FROM webhook_deliveries
          WHERE practice_id = $1 AND subscription_id = h.subscription_id AND status = 'PENDING' AND stream_id > h.stream_id
          ORDER BY stream_id, position LIMIT 1) n
     ), due AS (
       SELECT subscription_id, stream_id, position FROM heads WHERE next_attempt_at <= now() ORDER BY position LIMIT $2
     ), candidates AS MATERIALIZED (
       SELECT h.subscription_id, b.position, b.ord FROM due h CROSS JOIN LATERAL (
         SELECT position, row_number() OVER (ORDER BY position) AS ord FROM (
           SELECT position FROM webhook_deliveries
            WHERE practice_id = $1 AND subscription_id = h.subscription_id AND status = 'PENDING'
              AND stream_id = h.stream_id AND position >= h.position
            ORDER BY position LIMIT $3) p) b
     ), locked AS MATERIALIZED (
       SELECT c.subscription_id, c.position, c.ord, d.stream_id FROM candidates c
         JOIN webhook_deliveries d ON d.practice_id = $1 AND d.subscription_id = c.subscription_id AND d.position = c.position
        WHERE d.status = 'PENDING' AND (c.ord > 1 OR d.next_attempt_at <= now())
          FOR UPDATE OF d SKIP LOCKED
     ), kept AS (
       SELECT subscription_id, position FROM (
         SELECT subscription_id, position, ord, row_number() OVER (PARTITION BY subscription_id, stream_id ORDER BY position) AS n FROM locked) l
        WHERE ord = n
     )
     UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
       FROM kept, webhook_subscriptions s
      -- practice_id leads the keys: without it each claimed row is looked for among all the subscription's rows
      WHERE d.practice_id = $1 AND d.subscription_id = kept.subscription_id AND d.position = kept.position
        AND s.practice_id = $1 AND s.id = d.subscription_id
      RETURNING d.*, s.url, s.secret_sealed`,
    [practiceId, limits.streams, limits.perStream, leaseMs],
  );
  return rows;
}

/**
 * Successful attempts of one round, recorded together (two statements), and
 * the claimed deliveries the round did not attempt (their batch ran out of
 * lease time) made due again at once (a third, when there are any).
 */
export async function recordDelivered(
  tx: Queryable,
  practiceId: string,
  done: readonly { d: ClaimedDelivery; status: number | null }[],
  unattempted: readonly ClaimedDelivery[] = [],
): Promise<void> {
  if (unattempted.length > 0) {
    await tx.query(
      `UPDATE webhook_deliveries d SET next_attempt_at = now() FROM unnest($2::uuid[], $3::bigint[]) AS x(s, p)
        WHERE d.subscription_id = x.s AND d.position = x.p AND d.practice_id = $1 AND d.status = 'PENDING'`,
      [practiceId, unattempted.map((d) => d.subscription_id), unattempted.map((d) => d.position)],
    );
  }
  if (done.length === 0) return;
  await tx.query(
    `UPDATE webhook_deliveries d SET status = 'DELIVERED', attempts = d.attempts + 1, delivered_at = now(), last_status = x.st, last_error = NULL
       FROM unnest($2::uuid[], $3::bigint[], $4::int[]) AS x(s, p, st)
      WHERE d.subscription_id = x.s AND d.position = x.p AND d.practice_id = $1`,
    [practiceId, done.map((x) => x.d.subscription_id), done.map((x) => x.d.position), done.map((x) => x.status)],
  );
  await tx.query(
    // a subscription paused in this very round (its other sends failing) stays paused and flagged
    `UPDATE webhook_subscriptions SET last_delivery_at = now(),
            consecutive_failures = CASE WHEN active THEN 0 ELSE consecutive_failures END, failing = failing AND NOT active
      WHERE id = ANY($2::uuid[]) AND practice_id = $1`,
    [practiceId, [...new Set(done.map((x) => x.d.subscription_id))]],
  );
}

/**
 * A failed attempt: retried after `retryInMs`; the subscription is paused and
 * flagged after `pauseAfter` counted failures in a row (null: this one is not
 * counted, the subscription is left as it is).
 */
export async function recordFailed(
  tx: Queryable,
  practiceId: string,
  d: ClaimedDelivery,
  outcome: { status: number | null; error: string; retryInMs: number; pauseAfter: number | null },
): Promise<{ paused: boolean }> {
  await tx.query(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $4, last_error = $5,
            next_attempt_at = now() + make_interval(secs => $6::double precision / 1000)
      WHERE subscription_id = $1 AND position = $2 AND practice_id = $3`,
    [d.subscription_id, d.position, practiceId, outcome.status, outcome.error.slice(0, 500), outcome.retryInMs],
  );
  if (outcome.pauseAfter === null) return { paused: false };
  const { rows } = await tx.query<{ active: boolean }>(
    `UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1,
            failing = failing OR consecutive_failures + 1 >= $3,
            active = active AND consecutive_failures + 1 < $3
      WHERE id = $1 AND practice_id = $2 RETURNING active`,
    [d.subscription_id, practiceId, outcome.pauseAfter],
  );
  return { paused: rows[0]?.active === false };
}

/** The practices holding DELIVERED rows delivered before `before` (a definer function: across practices). */
export async function practicesWithPrunableDeliveries(tx: Queryable, before: Date): Promise<string[]> {
  const { rows } = await tx.query<{ practice_id: string }>('SELECT practice_id FROM webhook_deliveries_prunable_practices($1)', [before]);
  return rows.map((r) => r.practice_id);
}

/**
 * Deletes at most `limit` of a practice's DELIVERED rows delivered before
 * `before` (oldest first); how many went. Undelivered rows are never touched.
 * Rows another transaction holds (a replay re-queuing them) are skipped.
 */
export async function pruneDelivered(tx: Queryable, practiceId: string, before: Date, limit: number): Promise<number> {
  const { rowCount } = await tx.query(
    `DELETE FROM webhook_deliveries d USING (
       SELECT subscription_id, position FROM webhook_deliveries
        WHERE practice_id = $1 AND status = 'DELIVERED' AND delivered_at < $2
        ORDER BY delivered_at LIMIT $3 FOR UPDATE SKIP LOCKED) old
      WHERE d.practice_id = $1 AND d.subscription_id = old.subscription_id AND d.position = old.position AND d.status = 'DELIVERED'`,
    [practiceId, before, limit],
  );
  return rowCount ?? 0;
}
