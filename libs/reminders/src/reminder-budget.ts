import type { Database } from '#platform';
import type { QuietHours } from './quiet-hours.js';
import { judgeBudget, localDay } from './digest-policy.js';

// The processor's budget gate (issue 13): the I/O around judgeBudget. Reminders about to be
// delivered take a place in their recipient's day under a row lock (reminder_budget_days), so
// concurrent batches and workers never give more places than the budget; those past it come back
// as holds for the next morning's digest. Without a budget it reads and writes nothing.

export interface BudgetCandidate {
  id: string;
  recipientId: string;
  recipientZone: string;
}

export interface BudgetHold {
  id: string;
  until: Date;
  reason: string;
  digestId: string;
}

export async function gateBudget(
  db: Database,
  practiceId: string,
  candidates: readonly BudgetCandidate[],
  settings: { maxRemindersPerDay: number | null; quietHours: QuietHours | null },
  now: Date,
): Promise<Map<string, BudgetHold>> {
  const holds = new Map<string, BudgetHold>();
  const max = settings.maxRemindersPerDay;
  if (max === null || candidates.length === 0) return holds;
  const keyOf = (c: BudgetCandidate) => `${c.recipientId}\u0000${localDay(now, c.recipientZone)}`;
  const keys = [...new Map(candidates.map((c) => [keyOf(c), { recipientId: c.recipientId, day: localDay(now, c.recipientZone) }])).values()];
  await db.transaction(practiceId, async (tx) => {
    await tx.query(
      `INSERT INTO reminder_budget_days (practice_id, recipient_id, day)
       SELECT $1, r, d::date FROM unnest($2::text[], $3::text[]) AS k(r, d)
       ON CONFLICT DO NOTHING`,
      [practiceId, keys.map((k) => k.recipientId), keys.map((k) => k.day)],
    );
    // in key order: two batches lock the same days in the same order
    const { rows } = await tx.query<{ recipient_id: string; day: string; reminder_ids: string[] }>(
      `SELECT recipient_id, to_char(day, 'YYYY-MM-DD') AS day, reminder_ids FROM reminder_budget_days
        WHERE practice_id = $1 AND (recipient_id, day) IN (SELECT r, d::date FROM unnest($2::text[], $3::text[]) AS k(r, d))
        ORDER BY recipient_id, day FOR UPDATE`,
      [practiceId, keys.map((k) => k.recipientId), keys.map((k) => k.day)],
    );
    const placed = new Map(rows.map((r) => [`${r.recipient_id}\u0000${r.day}`, [...r.reminder_ids]]));
    for (const c of candidates) {
      const list = placed.get(keyOf(c)) ?? [];
      const verdict = judgeBudget({
        practiceId,
        reminderId: c.id,
        recipientId: c.recipientId,
        recipientZone: c.recipientZone,
        maxPerDay: max,
        quietHours: settings.quietHours,
        placed: list,
        now,
      });
      if (verdict.action === 'HOLD') holds.set(c.id, { id: c.id, until: verdict.until, reason: verdict.reason, digestId: verdict.digestId });
      else if (!list.includes(c.id)) list.push(c.id);
      placed.set(keyOf(c), list);
    }
    await tx.query(
      `UPDATE reminder_budget_days b SET reminder_ids = string_to_array(u.ids, ',')::uuid[]
         FROM unnest($2::text[], $3::text[], $4::text[]) AS u(r, d, ids)
        WHERE b.practice_id = $1 AND b.recipient_id = u.r AND b.day = u.d::date`,
      [practiceId, keys.map((k) => k.recipientId), keys.map((k) => k.day), keys.map((k) => (placed.get(`${k.recipientId}\u0000${k.day}`) ?? []).join(','))],
    );
    // days long gone need no places any more
    await tx.query(`DELETE FROM reminder_budget_days WHERE practice_id = $1 AND day < $2::date - 3`, [practiceId, localDay(now, 'UTC')]);
  });
  return holds;
}
