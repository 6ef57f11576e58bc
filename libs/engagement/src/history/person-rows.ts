import type { Queryable } from '#event-store';

/** At most this many events in one personal data export (a person's whole history is far smaller). */
export const MAX_EXPORT_EVENTS = 100_000;

/** At most this many engagements of one person in one export. */
export const MAX_PERSON_ENGAGEMENTS = 10_000;

/** More than MAX_PERSON_ENGAGEMENTS engagements. */
export class TooManyEngagements extends Error {}

/**
 * Every read-model row of the engagement lib about one person of a practice
 * (GDPR export): the engagements they coach or are client of, with their
 * homework, drafts, feedback, sessions and job-search figures, and feedback
 * they gave elsewhere. Rows as the tables hold them.
 */
export async function personReadModelRows(
  tx: Queryable,
  practiceId: string,
  personId: string,
): Promise<{ engagementIds: string[]; rows: Record<string, Record<string, unknown>[]> }> {
  const engagements = (
    await tx.query('SELECT * FROM engagements WHERE practice_id = $1 AND (coach_id = $2 OR client_id = $2) ORDER BY opened_at, id LIMIT $3', [practiceId, personId, MAX_PERSON_ENGAGEMENTS + 1])
  ).rows;
  if (engagements.length > MAX_PERSON_ENGAGEMENTS) throw new TooManyEngagements();
  const ids = engagements.map((e) => e.id as string);
  const of = async (table: string, order: string, extra = '') =>
    (await tx.query(`SELECT * FROM ${table} WHERE practice_id = $1 AND (engagement_id = ANY($2::uuid[])${extra}) ORDER BY ${order}`, extra ? [practiceId, ids, personId] : [practiceId, ids]))
      .rows;
  return {
    engagementIds: ids,
    rows: {
      engagements,
      homework: await of('homework', 'assigned_at, id'),
      drafts: await of('drafts', 'submitted_at, id'),
      feedback: await of('feedback', 'given_at, id', ' OR given_by_id = $3'),
      coaching_sessions: await of('coaching_sessions', 'held_at, id'),
      job_search_stats: await of('job_search_stats', 'engagement_id, channel'),
    },
  };
}
