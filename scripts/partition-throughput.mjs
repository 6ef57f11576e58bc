#!/usr/bin/env node
// Projection throughput of the partitioned runner with 1, 2 and 3 worker processes on the same log.
//   npm run build && createdb -h 127.0.0.1 -U postgres coaching_partitions
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/coaching_partitions npm run migrate
//   node scripts/partition-throughput.mjs postgres://postgres@127.0.0.1:5432/coaching_partitions [events=20000] [partitions=8]
// Appends the events once (40 practices × 10 streams), then for each worker count projects the whole
// log from the start under a fresh subscriber name and prints events/s. Every process it starts is
// killed before it exits; its tables and checkpoints are removed.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresEventStore } from '../dist/libs/event-store/src/index.js';

const [url, eventsArg = '20000', partitionsArg = '8'] = process.argv.slice(2);
if (!url) {
  console.error('usage: node scripts/partition-throughput.mjs <owner database url> [events] [partitions]');
  process.exit(2);
}
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const total = Number(eventsArg);
const pool = new pg.Pool({ connectionString: url, max: 8 });
const store = new PostgresEventStore(pool);
const children = new Set();
const killAll = () => children.forEach((c) => c.kill('SIGKILL'));
process.once('exit', killAll);
process.once('SIGINT', () => (killAll(), process.exit(130)));

const run = randomUUID().slice(0, 8);
const practices = Array.from({ length: 40 }, (_, i) => `thr-${run}-${i}`);
const perStream = Math.ceil(total / 400);
const meta = (practiceId) => ({ actorId: 'a', actorRole: 'COACH', practiceId, correlationId: randomUUID(), causationId: randomUUID(), occurredAt: new Date().toISOString() });
for (const p of practices) {
  await store.inOwnTransaction(p, (tx) =>
    store.appendMany(
      Array.from({ length: 10 }, (_, s) => ({
        streamId: `${p}-s${s}`,
        events: Array.from({ length: perStream }, (_, n) => ({ type: 'Scale.Counted', data: { n }, metadata: meta(p) })),
        expectedVersion: 'any',
      })),
      tx,
    ),
  );
}
const appended = 400 * perStream;
// the subscriber reads the whole log (earlier runs' events too): count what it must project
const { rows: all } = await pool.query('SELECT count(*)::int AS n FROM events');
console.log(`appended ${appended} events; the log holds ${all[0].n}; ${partitionsArg} partitions`);

for (const workers of [1, 2, 3]) {
  const name = `thr_${run}_${workers}`;
  const table = `${name}_projection`;
  await pool.query(`CREATE TABLE ${table} (practice_id text NOT NULL, stream_id text NOT NULL, events int NOT NULL, last_version int NOT NULL, PRIMARY KEY (practice_id, stream_id))`);
  await pool.query(`CREATE TABLE ${table}_violations (stream_id text NOT NULL, detail text NOT NULL)`);
  const started = Date.now();
  const procs = Array.from({ length: workers }, (_, i) => {
    const c = spawn(process.execPath, ['test/scale/partition-worker.mjs', url, name, partitionsArg, `thr-worker-${i}`], { cwd: ROOT, stdio: 'ignore' });
    children.add(c);
    return c;
  });
  for (;;) {
    const { rows } = await pool.query(`SELECT coalesce(sum(events), 0)::int AS n FROM ${table}`);
    if (rows[0].n >= all[0].n) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (Date.now() - started) / 1000;
  for (const c of procs) c.kill('SIGKILL'), children.delete(c);
  const { rows: bad } = await pool.query(`SELECT count(*)::int AS n FROM ${table}_violations`);
  console.log(`${workers} worker(s): ${all[0].n} events in ${seconds.toFixed(2)} s = ${Math.round(all[0].n / seconds)} events/s (start-up included; ${bad[0].n} order violations)`);
  await pool.query(`DROP TABLE ${table}, ${table}_violations`);
  await pool.query(`DELETE FROM subscription_checkpoints WHERE name LIKE $1`, [`${name}#%`]);
}
await pool.end();
