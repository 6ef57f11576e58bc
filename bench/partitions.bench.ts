import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { record } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Projection throughput with 1, 2 and 3 worker processes sharing K partitions, on the same load.
 *
 * Each configuration gets a subscriber of its own (test/scale/partition-worker.mjs: one upsert per
 * stream per batch, order checked, checkpoint in the batch's transaction) whose checkpoint stands at
 * the end of the log. Its workers are started and waited for until every partition is held and
 * spread (start-up and rebalancing are not measured); then the load — `events` events of 40
 * practices × 10 streams, the same practices every time — is committed in one transaction, and the
 * clock runs from that commit until the projection has counted every event. Reference: the same load
 * projected by one single-owner runner (K = 1), the runner without partitions.
 */
export async function benchPartitions(pool: pg.Pool, url: string, opts: { events: number; partitions: number }): Promise<void> {
  const run = randomUUID().slice(0, 8);
  const practices = Array.from({ length: 40 }, (_, i) => `bench-part-${i}`);
  const perStream = Math.ceil(opts.events / 400);
  const total = 400 * perStream;
  const children = new Set<ChildProcess>();
  const measure = async (label: string, k: number, workers: number): Promise<number> => {
    const name = `bench_part_${run}_${label}`;
    const table = `${name}_projection`;
    await pool.query(`CREATE TABLE ${table} (practice_id text NOT NULL, stream_id text NOT NULL, events int NOT NULL, last_version int NOT NULL,
                        PRIMARY KEY (practice_id, stream_id))`);
    await pool.query(`CREATE TABLE ${table}_violations (stream_id text NOT NULL, detail text NOT NULL)`);
    // the subscriber starts at the end of the log (partitions start where its single checkpoint stands)
    await pool.query(
      `INSERT INTO subscription_checkpoints (name, transaction_id, position)
       SELECT $1, coalesce(t.transaction_id, '0'), coalesce(t.position, 0)
         FROM (SELECT NULL) x LEFT JOIN LATERAL (SELECT transaction_id, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1) t ON true`,
      [name],
    );
    const procs = Array.from({ length: workers }, (_, i) => {
      const c = spawn(process.execPath, ['test/scale/partition-worker.mjs', url, name, String(k), `${name}-w${i}`], { cwd: ROOT, stdio: 'ignore' });
      children.add(c);
      return c;
    });
    try {
      const lockName = (p: number) => (k === 1 ? `subscription:${name}` : `subscription:${name}#${p}/${k}`);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { rows } = await pool.query<{ holder: string }>(
          `SELECT a.application_name AS holder FROM unnest($1::text[]) AS key
             JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.mode = 'ExclusiveLock'
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid::bigint = ((hashtextextended(key, 0) >> 32) & 4294967295)
              AND l.objid::bigint = (hashtextextended(key, 0) & 4294967295)
             JOIN pg_stat_activity a ON a.pid = l.pid`,
          [Array.from({ length: k }, (_, p) => lockName(p))],
        );
        const per = new Map<string, number>();
        for (const r of rows) per.set(r.holder, (per.get(r.holder) ?? 0) + 1);
        if (rows.length === k && per.size === Math.min(workers, k) && [...per.values()].every((n) => n <= Math.ceil(k / workers))) break;
        if (Date.now() > deadline) throw new Error(`${label}: the partitions were not spread over ${workers} worker(s) within 60 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // the load, in one transaction: every event becomes readable at its commit
      await pool.query(
        `INSERT INTO events (event_id, stream_id, version, type, data, metadata, practice_id, occurred_at)
         SELECT gen_random_uuid(), p || '-' || $2 || '-s' || s, v, 'Bench.Counted', jsonb_build_object('n', v),
                jsonb_build_object('practiceId', p, 'actorId', 'bench', 'actorRole', 'SYSTEM', 'correlationId', gen_random_uuid(), 'causationId', gen_random_uuid(), 'occurredAt', now()),
                p, now()
           FROM unnest($1::text[]) AS p, generate_series(0, 9) AS s, generate_series(1, $3::int) AS v
          ORDER BY p, s, v`,
        [practices, label, perStream],
      );
      const started = performance.now();
      for (;;) {
        const { rows } = await pool.query<{ n: number }>(`SELECT coalesce(sum(events), 0)::int AS n FROM ${table}`);
        if (rows[0]!.n >= total) break;
        if (performance.now() - started > 300_000) throw new Error(`${label}: ${rows[0]!.n} of ${total} projected after 300 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const seconds = (performance.now() - started) / 1000;
      const { rows: bad } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}_violations`);
      const { rows: sum } = await pool.query<{ n: number }>(`SELECT sum(events)::int AS n FROM ${table}`);
      if (bad[0]!.n > 0 || sum[0]!.n !== total) throw new Error(`${label}: ${bad[0]!.n} order violations, ${sum[0]!.n} of ${total} counted`);
      return total / seconds;
    } finally {
      for (const c of procs) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
        children.delete(c);
      }
      await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_violations`);
      await pool.query(`DELETE FROM subscription_checkpoints WHERE name = $1 OR name LIKE $1 || '#%'`, [name]);
    }
  };
  try {
    const single = await measure('single', 1, 1);
    const reference = { name: 'one single-owner runner (K = 1) on the same load', value: single, unit: 'events/s' };
    for (const workers of [1, 2, 3]) {
      const rate = await measure(`k${opts.partitions}w${workers}`, opts.partitions, workers);
      record({
        section: 'partitions',
        name: `projection throughput, ${opts.partitions} partitions over ${workers} worker process(es)`,
        value: rate,
        unit: 'events/s',
        reference,
        extra: `${total.toLocaleString('en-US')} events of 40 practices committed at once, from the commit until all projected; partitions spread before the load`,
      });
    }
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
}
