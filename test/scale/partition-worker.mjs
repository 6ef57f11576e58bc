// One worker process of the partitioned-projection test (and of scripts/partition-throughput.mjs):
// runs SubscriptionRunner (K partitions) from the compiled build over a projection table that counts
// each stream's events and records any event applied out of order or twice. Stops on SIGTERM.
//   node test/scale/partition-worker.mjs <database url> <subscriber name> <partitions> <label>
import pg from 'pg';
import { SubscriptionRunner, PostgresEventStore, PersonalDataSealing } from '../../dist/libs/event-store/src/index.js';
import { SecretBox } from '../../dist/libs/platform/src/crypto/secret-box.js';

const [url, name, partitions, label] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: 3, application_name: `${label}-pool` });
// an idle connection ended by the server is dropped by the pool, not fatal (see pgPool in test/support/db.ts)
pool.on('error', (err) => console.error(`${label}: an idle connection was ended by the server: ${err.message}`));
// the log is the whole test run's: other files' engagement events carry sealed personal fields, which a
// reader must open (a store without keys refuses them) — with the apps' keys: SECRETS_KEYS, or in tests
// the development fallback derived from JWT_SECRET (test/support/env.ts)
const keys = SecretBox.fromConfig(process.env.SECRETS_KEYS || undefined, { production: false, seed: process.env.JWT_SECRET ?? '' });
const store = new PostgresEventStore(pool, { sealing: new PersonalDataSealing().useKeyWrapper(keys) });
const table = `${name.replace(/[^a-z0-9_]/g, '_')}_projection`;

const subscriber = {
  name,
  batchSize: 500,
  async handle(events, tx) {
    // one statement per batch: apply each stream's events in order, a version must follow the last one
    const streams = events.map((e) => e.streamId);
    const versions = events.map((e) => e.version);
    const practices = events.map((e) => e.metadata.practiceId);
    const { rows } = await tx.query(
      `WITH batch AS (
         SELECT s AS stream_id, p AS practice_id, min(v) AS first_version, max(v) AS last_version, count(*)::int AS n
           FROM unnest($1::text[], $2::int[], $3::text[]) AS b(s, v, p) GROUP BY s, p),
       applied AS (
         INSERT INTO ${table} AS t (stream_id, practice_id, events, last_version)
         SELECT stream_id, practice_id, n, last_version FROM batch
         ON CONFLICT (practice_id, stream_id) DO UPDATE SET events = t.events + EXCLUDED.events, last_version = EXCLUDED.last_version
         RETURNING t.stream_id)
       SELECT b.stream_id, b.first_version, b.last_version, b.n, x.last_version AS before
         FROM batch b LEFT JOIN ${table} x ON x.practice_id = b.practice_id AND x.stream_id = b.stream_id`,
      [streams, versions, practices],
    );
    for (const r of rows) {
      const before = r.before ?? 0;
      // contiguous versions, starting right after what was applied before
      if (r.first_version !== before + 1 || r.last_version - r.first_version + 1 !== r.n) {
        await tx.query(`INSERT INTO ${table}_violations (stream_id, detail) VALUES ($1, $2)`, [
          r.stream_id,
          `had ${before}, got ${r.first_version}..${r.last_version} (${r.n})`,
        ]);
      }
    }
  },
};

const runner = new SubscriptionRunner(subscriber, {
  store,
  pool,
  partitions: Number(partitions),
  pollIntervalMs: 50,
  takeoverIntervalMs: Number(process.env.REBALANCE_MS ?? 1000),
  connect: async () => {
    const c = new pg.Client({ connectionString: url, application_name: label });
    await c.connect();
    return c;
  },
  logger: { log: (m) => console.log(m), warn: (m) => console.log(m), error: (m) => console.error(m) },
});
runner.start();
process.once('SIGTERM', async () => {
  await runner.stop();
  await pool.end();
  process.exit(0);
});
