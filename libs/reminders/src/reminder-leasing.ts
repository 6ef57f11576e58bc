import type { Queryable } from '#event-store';
import type { ReminderRow } from './reminder-recording.js';

// The processor's leases, as sets: one statement takes every row of a batch
// (the jobs' own rows and, when asked, other due rows nobody holds), one
// renews them, one frees them. A lease is a token and an end time on the row;
// only the run holding the token may record the row, so a twin or stalled run
// of the same job cannot send it twice. Renewals: reminder-lease-keeper.ts.

/** A row a batch's job asked for but did not get: why decides what its job does. */
export interface UnleasedRow extends Record<string, unknown> {
  id: string;
  status: string;
  scheduled_for: Date;
  held_until: Date | null;
  lease_until: Date | null;
  lease_token: string | null;
  /** set when the daily budget held the row for a digest: the digest carries it, not its job */
  digest_id: string | null;
}

export interface LeaseRequest {
  /** the rows the batch's jobs are for */
  ids: readonly string[];
  token: string;
  seconds: number;
  /**
   * The reminders' "now" (ReminderTime): a row is due when its time is at or before it. Leases
   * stay in real time (PostgreSQL's now()): they measure how long a run may hold a row.
   */
  now: Date;
  /**
   * The reminders' time now (`now` less the lead): a row taken up ahead of its time is leased for
   * `seconds` past its time, not past now, so its wait needs no renewal (reminder-lease-keeper.ts).
   */
  timeNow: Date;
  /**
   * How many more rows to take: due, SCHEDULED, not held for a digest, never attempted, unleased and
   * not locked by anyone (SKIP LOCKED), oldest first and, among those due at one time, an
   * engagement's together: a batch records few streams, and two workers sweeping at once take
   * different engagements (their recordings do not queue for each other's stream locks). Their
   * own jobs, when they fire, find them leased or SENT. Retries are left to the jobs (their back-off).
   */
  sweep: number;
  /**
   * Where the sweep starts: the last row this process's previous sweep of the practice took (see
   * `SweepMark`); null: from the oldest due row.
   */
  from?: SweepMark | null;
}

/**
 * A place in the sweep's order (time, then engagement). The oldest due rows are, most of the time,
 * those other batches took and hold while they wait for their time (up to REMINDER_LEAD_MS ahead):
 * thousands in a burst or at 1,000 a second. A sweep from the oldest walked all of them (each a heap
 * visit, 15–146 ms a statement, auto_explain in the steady bench) to find the few free after them;
 * from the mark, it starts where it left off. A due row the sweeps pass by (one freed after a failed
 * batch, one scheduled for an earlier time than the mark) is its own job's to take: the sweep only
 * gathers rows whose jobs have not fired yet into fewer, larger batches.
 */
export interface SweepMark {
  scheduledFor: Date;
  engagementId: string;
}

export interface Leased {
  rows: ReminderRow[];
  /** of `ids`, those not leased: sent, cancelled, held for a digest, leased by another run, or not due */
  others: UnleasedRow[];
  /** how many of `rows` the sweep took (not asked for by a job) */
  swept: number;
  /** the last of the swept rows in the sweep's order (null when it took none) */
  sweptTo: SweepMark | null;
}

/** Leases a batch's rows in one statement, and reads those it could not take. */
export async function leaseReminders(tx: Queryable, practiceId: string, req: LeaseRequest): Promise<Leased> {
  // both sets skip rows another transaction holds (never wait on a lock: two batches taking rows in
  // different orders would deadlock); a job whose row was skipped looks again in a moment. The update
  // joins the taken ids (one key probe each): as `id = ANY(ARRAY(…) || ARRAY(…))` the planner scanned
  // the practice's every reminder (20,000 rows, 115 of the statement's 160 ms; auto_explain, bench)
  const { rows } = await tx.query<ReminderRow>(
    `WITH asked AS (
       SELECT id FROM reminders
        WHERE practice_id = $5 AND id = ANY($1::uuid[]) AND status IN ('SCHEDULED', 'HELD') AND digest_id IS NULL
          AND (CASE WHEN status = 'HELD' THEN held_until ELSE scheduled_for END) <= $6::timestamptz
          AND (lease_until IS NULL OR lease_until < now())
        FOR UPDATE SKIP LOCKED),
     swept AS (
       SELECT id FROM reminders
        WHERE practice_id = $5 AND status = 'SCHEDULED' AND digest_id IS NULL AND scheduled_for <= $6::timestamptz AND attempts = 0
          AND (lease_until IS NULL OR lease_until < now()) AND NOT (id = ANY($1::uuid[]))
          AND (scheduled_for, engagement_id) >= ($8::timestamptz, $9::uuid)
        ORDER BY scheduled_for, engagement_id LIMIT $4
        FOR UPDATE SKIP LOCKED)
     UPDATE reminders r SET lease_token = $2, updated_at = now(),
            lease_until = now() + make_interval(secs => $3)
                        + greatest(interval '0', (CASE WHEN r.status = 'HELD' THEN r.held_until ELSE r.scheduled_for END) - $7::timestamptz)
       FROM (SELECT id FROM asked UNION ALL SELECT id FROM swept) AS t
      WHERE r.practice_id = $5 AND r.id = t.id
     RETURNING r.*`,
    [req.ids, req.token, req.seconds, req.sweep, practiceId, req.now, req.timeNow, req.from?.scheduledFor ?? '-infinity', req.from?.engagementId ?? NIL_UUID],
  );
  const asked = new Set(req.ids);
  const taken = new Set(rows.map((r) => r.id));
  const rest = req.ids.filter((id) => !taken.has(id));
  const { rows: others } = rest.length
    ? await tx.query<UnleasedRow>(
        'SELECT id, status, scheduled_for, held_until, lease_until, lease_token, digest_id FROM reminders WHERE practice_id = $1 AND id = ANY($2::uuid[])',
        [practiceId, rest],
      )
    : { rows: [] };
  const swept = rows.filter((r) => !asked.has(r.id));
  return { rows, others, swept: swept.length, sweptTo: swept.map(markOf).reduce<SweepMark | null>(laterMark, null) };
}

/** The least uuid: a mark of this and a time starts the sweep at that time. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

function markOf(row: ReminderRow): SweepMark {
  return { scheduledFor: row.scheduled_for, engagementId: row.engagement_id };
}

/**
 * The later of two marks in the sweep's order: time, then engagement id (PostgreSQL compares uuids
 * as their bytes: the hex text's order); either may be absent.
 */
export function laterMark(a: SweepMark | null | undefined, b: SweepMark | null | undefined): SweepMark | null {
  if (!a || !b) return a ?? b ?? null;
  const order = a.scheduledFor.getTime() - b.scheduledFor.getTime() || (a.engagementId < b.engagementId ? -1 : a.engagementId > b.engagementId ? 1 : 0);
  return order >= 0 ? a : b;
}

/** The earlier of two marks in the sweep's order; either may be absent. */
export function earlierMark(a: SweepMark | null | undefined, b: SweepMark | null | undefined): SweepMark | null {
  if (!a || !b) return a ?? b ?? null;
  return laterMark(a, b) === a ? b : a;
}

/** Frees a failed batch's rows, so the next attempt takes them at once instead of waiting out the lease. */
export async function releaseLease(tx: Queryable, practiceId: string, token: string, ids: readonly string[]): Promise<void> {
  await tx.query('UPDATE reminders SET lease_until = NULL, lease_token = NULL WHERE practice_id = $3 AND id = ANY($2::uuid[]) AND lease_token = $1', [
    token,
    ids,
    practiceId,
  ]);
}

/** When a row is due: a HELD row at the end of its hold, any other at its time. */
export function dueOf(row: { status: string; held_until: Date | null; scheduled_for: Date }): Date {
  return row.status === 'HELD' && row.held_until ? row.held_until : row.scheduled_for;
}

/**
 * Of rows a batch leased ahead of their time, those the scheduler changed since: no longer under this
 * lease, no longer in the status leased (CANCELLED), or due at another time (moved); each with why.
 */
export async function changedSinceLeased(
  tx: Queryable,
  practiceId: string,
  lease: string,
  leased: readonly Pick<ReminderRow, 'id' | 'status' | 'scheduled_for' | 'held_until'>[],
): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ id: string; status: string; scheduled_for: Date; held_until: Date | null; lease_token: string | null }>(
    'SELECT id, status, scheduled_for, held_until, lease_token FROM reminders WHERE practice_id = $1 AND id = ANY($2::uuid[])',
    [practiceId, leased.map((r) => r.id)],
  );
  const now = new Map(rows.map((r) => [r.id, r]));
  const changed = new Map<string, string>();
  for (const row of leased) {
    const r = now.get(row.id);
    if (!r || r.lease_token !== lease) changed.set(row.id, 'no longer held by this worker');
    else if (r.status !== row.status) changed.set(row.id, `${r.status.toLowerCase()} while it waited for its time`);
    else if (dueOf(r).getTime() !== dueOf(row).getTime()) changed.set(row.id, `moved to ${dueOf(r).toISOString()} while it waited for its time`);
  }
  return changed;
}
