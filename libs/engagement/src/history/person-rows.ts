import type { Queryable } from '#event-store';

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
    await tx.query('SELECT * FROM engagements WHERE practice_id = $1 AND (coach_id = $2 OR client_id = $2) ORDER BY opened_at, id', [practiceId, personId])
  ).rows;
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
