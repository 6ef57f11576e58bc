/**
 * SQL for "the practice parameter `$n` names, else the one the transaction is scoped to"
 * (`app.practice_id`, as row-level security reads it), for a `practice_id = …` condition that the
 * planner can put in an index condition under row-level security.
 *
 * Why a scalar subquery: as the service role, PostgreSQL applies the policy before any condition it
 * cannot prove leak-proof, and it counts COALESCE as possibly leaky. Written as
 * `practice_id = coalesce($n::text, current_setting(…))` with `$n` null, the condition could not be
 * an index condition: the reminder worker's subject reads scanned all of `engagements` and
 * `homework` (150–190 ms a batch at 12,000 engagements), and a stream read walked
 * `events_stream_version` over every practice. As `(SELECT …)` it is a parameter computed once,
 * and the index is probed by (practice_id, …) as for a named practice.
 */
export function practiceOrScoped(param: number): string {
  return `(SELECT coalesce($${param}::text, current_setting('app.practice_id', true)))`;
}
