import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PostgresEventStore, SubscriptionRunner, type EventMetadata } from '#event-store';
import { percentile, record } from './support.js';

/**
 * Projection lag at a steady rate: events appended at `rate`/s for `seconds`
 * while a subscriber (one row written per event, checkpoint in the same
 * transaction) follows the log; lag = its commit − the event's append, per
 * event. Reference: the same rows inserted directly by the writer.
 */
export async function benchSubscriptionLag(pool: pg.Pool, url: string, opts: { rate: number; seconds: number }): Promise<void> {
  const store = new PostgresEventStore(pool);
  const name = `bench-lag-${randomUUID().slice(0, 8)}`;
  await pool.query('CREATE TABLE IF NOT EXISTS bench_projection (event_id uuid PRIMARY KEY, appended_at timestamptz NOT NULL, projected_at timestamptz NOT NULL)');
  await pool.query('TRUNCATE bench_projection');
  const head = await store.headCheckpoint();
  await pool.query(
    'INSERT INTO subscription_checkpoints (name, transaction_id, position) VALUES ($1, $2::xid8, $3) ON CONFLICT (name) DO NOTHING',
    [name, head.transactionId, 0],
  );
  const runner = new SubscriptionRunner(
    {
      name,
      batchSize: 500,
      async handle(events, tx) {
        await tx.query(
          `INSERT INTO bench_projection (event_id, appended_at, projected_at)
           SELECT id, at, clock_timestamp() FROM unnest($1::uuid[], $2::timestamptz[]) AS t(id, at)`,
          [events.map((e) => e.eventId), events.map((e) => (e.data as { at: string }).at)],
        );
      },
    },
    {
      store,
      pool,
      connect: async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        return c;
      },
      pollIntervalMs: 500,
    },
  );
  runner.start();
  const meta = (): EventMetadata => ({
    actorId: 'bench',
    actorRole: 'SYSTEM',
    practiceId: 'bench-lag',
    correlationId: randomUUID(),
    causationId: randomUUID(),
    occurredAt: new Date().toISOString(),
  });
  const total = opts.rate * opts.seconds;
  const started = Date.now();
  const writers = 8;
  let sent = 0;
  const appendMs: number[] = [];
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; ; i++) {
        const n = sent++;
        if (n >= total) return;
        const due = started + (n * 1000) / opts.rate;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const at = new Date().toISOString();
        const t = performance.now();
        await store.append(`lag-${w}-${started}`, [{ type: 'BenchTick', data: { at }, metadata: meta() }], { expectedVersion: i });
        appendMs.push(performance.now() - t);
      }
    }),
  );
  const achieved = total / ((Date.now() - started) / 1000);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM bench_projection');
    if (Number(rows[0]!.n) >= total || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await runner.stop();
  const { rows } = await pool.query<{ ms: number }>(
    'SELECT extract(epoch FROM projected_at - appended_at) * 1000 AS ms FROM bench_projection ORDER BY 1',
  );
  const lags = rows.map((r) => Number(r.ms));
  record({
    section: 'projections',
    name: `subscriber lag at a steady ${opts.rate.toLocaleString('en-US')} events/s (${opts.seconds} s)`,
    value: percentile(lags, 50),
    unit: 'ms p50',
    reference: { name: "the writer's own append latency p50", value: percentile(appendMs.sort((a, b) => a - b), 50), unit: 'ms' },
    extra: `p99 ${percentile(lags, 99).toFixed(1)} ms, max ${lags.at(-1)?.toFixed(1)} ms; ${lags.length} of ${total} projected; appends achieved ${achieved.toFixed(0)} events/s`,
  });
  await store.notifier.close();
}
