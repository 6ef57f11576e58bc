import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1764000000004-row-level-security.js';

/**
 * Partitioned subscribers read only their own slice of the log (docs/scaling.md "Projection work
 * over several workers").
 *
 * - `event_partition(key, k)`: an event's partition, FNV-1a (32 bit) of its practice's UTF-8 bytes
 *   mod k — the function the runner used in JavaScript before, so a practice stays in the partition
 *   it was in (`partitionOf` in libs/event-store computes the same).
 * - `events_partition_8`: (partition of 8, transaction id, position), so a partition's read at the
 *   default K = 8 is one index range in commit order. Another K reads the commit-order index and
 *   filters in the database; it gets its own index with the statement in docs/scaling.md.
 * - `event_store_read_partition(after, max, k, p)`: like `event_store_read_all` (only events below
 *   the oldest running transaction), restricted to partition p of k, and each row carries the last
 *   event of the whole log below that same horizon — where a partition that read everything it had
 *   may move its checkpoint, so an idle partition does not look behind (lag is read from it).
 * - Checkpoints of partitions were `<name>#<p>`; they become `<name>#<p>/<k>` (k counted from the
 *   rows: every partition has one once the runner has run), so a worker started with another k
 *   finds no checkpoint of its own and refuses rather than re-reading with another split.
 */
export class PartitionedReads1764000000101 implements MigrationInterface {
  name = 'PartitionedReads1764000000101';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION event_partition(p_key text, p_partitions int) RETURNS int
      LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
      DECLARE
        h bigint := 2166136261;
        b bytea := convert_to(p_key, 'UTF8');
      BEGIN
        FOR i IN 0 .. length(b) - 1 LOOP
          h := ((h # get_byte(b, i)) * 16777619) & 4294967295;
        END LOOP;
        RETURN (h % p_partitions)::int;
      END $$`);
    await q.query('CREATE INDEX events_partition_8 ON events (event_partition(practice_id, 8), transaction_id, position)');
    await q.query(`CREATE FUNCTION event_store_read_partition(after_tx xid8, after_pos bigint, max_count int, p_partitions int, p_partition int)
      RETURNS TABLE (tail_transaction_id xid8, tail_position bigint, ev events)
      LANGUAGE plpgsql STABLE AS $$
      DECLARE
        horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
        t_tx xid8;
        t_pos bigint;
      BEGIN
        IF p_partitions < 1 OR p_partition < 0 OR p_partition >= p_partitions THEN
          RAISE EXCEPTION 'partition % of %', p_partition, p_partitions USING ERRCODE = 'invalid_parameter_value';
        END IF;
        SELECT e.transaction_id, e.position INTO t_tx, t_pos FROM events e
         WHERE e.transaction_id < horizon ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1;
        -- the partition count is written into the statement so the planner matches events_partition_<k>
        RETURN QUERY EXECUTE format(
          'SELECT $4::xid8, $5::bigint, e FROM events e
            WHERE %s (e.transaction_id, e.position) > ($1, $2) AND e.transaction_id < $3
            ORDER BY e.transaction_id, e.position LIMIT $6',
          CASE WHEN p_partitions = 1 THEN '' ELSE format('event_partition(e.practice_id, %s) = %s AND', p_partitions, p_partition) END)
          USING after_tx, after_pos, horizon, t_tx, t_pos, max_count;
        IF NOT FOUND AND t_tx IS NOT NULL THEN
          RETURN QUERY SELECT t_tx, t_pos, NULL::events;
        END IF;
      END $$`);
    const fn = 'event_store_read_partition(xid8, bigint, int, int, int)';
    await q.query(`ALTER FUNCTION ${fn} SECURITY DEFINER SET app.system_reader = 'on' SET search_path = public`);
    await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${APP_ROLE}`);
    await q.query(`UPDATE subscription_checkpoints c SET name = c.name || '/' || k.n
        FROM (SELECT split_part(name, '#', 1) AS base, count(*) AS n FROM subscription_checkpoints
               WHERE name LIKE '%#%' AND name NOT LIKE '%/%' GROUP BY 1) k
       WHERE split_part(c.name, '#', 1) = k.base AND c.name LIKE '%#%' AND c.name NOT LIKE '%/%'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE subscription_checkpoints SET name = split_part(name, '/', 1) WHERE name LIKE '%#%/%'`);
    await q.query('DROP FUNCTION IF EXISTS event_store_read_partition(xid8, bigint, int, int, int)');
    await q.query('DROP INDEX IF EXISTS events_partition_8');
    await q.query('DROP FUNCTION IF EXISTS event_partition(text, int)');
  }
}
