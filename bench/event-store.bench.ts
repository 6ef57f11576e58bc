import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { PostgresEventStore, type EventMetadata } from '#event-store';
import { freshDatabase, median, record, runFor, type RunStats } from './support.js';

/** The Emmett version measured against (a devDependency, pinned). */
const EMMETT_VERSION = '0.42.0';

const DATA = { homeworkId: 'hw-1', title: 'Script your elevator pitch and find your hook', dueAt: null };

function metadata(): EventMetadata {
  return {
    actorId: 'coach-1',
    actorRole: 'COACH',
    practiceId: 'bench-practice',
    correlationId: randomUUID(),
    causationId: randomUUID(),
    occurredAt: new Date().toISOString(),
  };
}

const RAW_INSERT = `INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, practice_id, occurred_at)
VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8)`;

/**
 * The lean reference table: what an append costs PostgreSQL when the row is narrow and there are
 * two indexes (the primary key and the (stream, version) unique key) — no practice, no commit-order
 * columns, no row-level security. In a schema of the bench's own, in the bench's database.
 */
const LEAN_SCHEMA = `CREATE SCHEMA IF NOT EXISTS bench_reference;
CREATE TABLE IF NOT EXISTS bench_reference.lean_events (
  position  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_id text  NOT NULL,
  version   integer NOT NULL,
  type      text  NOT NULL,
  data      jsonb NOT NULL,
  metadata  jsonb NOT NULL,
  UNIQUE (stream_id, version)
)`;
const LEAN_INSERT = 'INSERT INTO bench_reference.lean_events (stream_id, version, type, data, metadata) VALUES ($1, $2, $3, $4, $5)';

interface Appender {
  append: (stream: string, expected: number) => Promise<void>;
  /** runs `fn` with Emmett's pg type parsers (its driver sets them process-wide; ours are back after) */
  run: <T>(fn: () => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
}

/** The pg type parsers Emmett's driver (dumbo) replaces for the whole process: int8, jsonb, json. */
const PARSED_TYPES = [20, 3802, 114] as const;

/**
 * Emmett's PostgreSQL event store (`appendToStream`) on a pool of `max` connections, in a database
 * of its own made afresh; null when it cannot start here.
 */
async function emmettStore(benchUrl: string, max: number): Promise<Appender | null> {
  const url = new URL(benchUrl);
  url.pathname = `${url.pathname}_emmett`;
  const ours = PARSED_TYPES.map((t) => pg.types.getTypeParser(t));
  const use = (parsers: typeof ours) => PARSED_TYPES.forEach((t, i) => pg.types.setTypeParser(t, parsers[i]!));
  try {
    await freshDatabase(url.toString());
    const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
    const pool = new pg.Pool({ connectionString: url.toString(), max, idleTimeoutMillis: 0 });
    const store = getPostgreSQLEventStore(url.toString(), { connectionOptions: { pooled: true, pool } });
    await store.schema.migrate();
    await store.appendToStream(`emmett-first-${randomUUID()}`, [{ type: 'HomeworkAssigned', data: DATA }], { expectedStreamVersion: 0n });
    const theirs = PARSED_TYPES.map((t) => pg.types.getTypeParser(t));
    use(ours);
    let closed = false;
    return {
      append: async (stream, expected) => {
        await store.appendToStream(stream, [{ type: 'HomeworkAssigned', data: DATA, metadata: metadata() }], {
          expectedStreamVersion: BigInt(expected),
        });
      },
      run: async (fn) => {
        use(theirs);
        try {
          return await fn();
        } finally {
          use(ours);
        }
      },
      close: async () => {
        if (closed) return;
        closed = true;
        // bounded: a close that waits on the driver must not hold the rest of the bench
        const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 5_000).unref())]);
        await bounded(store.close());
        await bounded(pool.end());
      },
    };
  } catch (err) {
    use(ours);
    console.error(`[event store] Emmett reference unavailable: ${(err as Error).message}`);
    return null;
  }
}

export async function benchEventStore(
  pool: pg.Pool,
  opts: { seconds: number; readAllEvents: number; benchUrl: string; appUrl: string },
): Promise<void> {
  const store = new PostgresEventStore(pool);
  const ms = opts.seconds * 1000;
  await pool.query(LEAN_SCHEMA);
  // Emmett on 16 connections (its target's level), made once
  const emmett = await emmettStore(opts.benchUrl, 16);

  // single-event appends with expected version, as the service role, beside three references in
  // the same run: a raw INSERT of the same rows into `events` (same pool, owner), a raw INSERT into
  // the lean two-index table, and Emmett's appendToStream; each writer appends to its own stream;
  // alternated three times after a warm-up of each (every connection open, every plan cached) and
  // compared by median (shared machines drift). The service role's pool is made per level, as large as
  // the level (the server's connection limit is shared); Emmett runs up to 16 writers.
  try {
    for (const concurrency of [1, 16, 32]) {
      if (concurrency > 16) await emmett?.close(); // its connections back before the largest level
      // as deployed: the service role, bound by row-level security
      const appPool = new pg.Pool({ connectionString: opts.appUrl, max: concurrency, idleTimeoutMillis: 0 });
      const appStore = new PostgresEventStore(appPool);
      const withEmmett = emmett !== null && concurrency <= 16;
      try {
        const systems = {
          lean: (run: string) => async (w: number, i: number) => {
            await pool.query(LEAN_INSERT, [`lean-${run}-${w}`, i + 1, 'HomeworkAssigned', JSON.stringify(DATA), JSON.stringify(metadata())]);
          },
          raw: (run: string) => async (w: number, i: number) => {
            await pool.query(RAW_INSERT, [
              randomUUID(),
              `raw-${run}-${w}`,
              i + 1,
              'HomeworkAssigned',
              JSON.stringify(DATA),
              JSON.stringify(metadata()),
              'bench-practice',
              new Date().toISOString(),
            ]);
          },
          emmett: (run: string) => (w: number, i: number) => emmett!.append(`emmett-${run}-${w}`, i),
          ours: (run: string) => async (w: number, i: number) => {
            await appStore.append(`es-${run}-${w}`, [{ type: 'HomeworkAssigned', data: DATA, metadata: metadata() }], {
              expectedVersion: i,
            });
          },
        };
        const names = (['lean', 'raw', 'emmett', 'ours'] as const).filter((k) => k !== 'emmett' || withEmmett);
        const measure = (k: (typeof names)[number], duration: number, run: string) =>
          k === 'emmett' ? emmett!.run(() => runFor(concurrency, duration, systems.emmett(run))) : runFor(concurrency, duration, systems[k](run));
        for (const k of names) await measure(k, Math.min(500, ms / 6), `warm-${randomUUID().slice(0, 8)}`);
        const runs = { raw: [] as RunStats[], lean: [] as RunStats[], emmett: [] as RunStats[], ours: [] as RunStats[] };
        for (let round = 0; round < 3; round++) {
          const run = randomUUID().slice(0, 8);
          for (const k of names) runs[k].push(await measure(k, ms / 3, run));
        }
        const ours = median(runs.ours);
        const lean = median(runs.lean);
        const raw = median(runs.raw);
        const name = `append 1 event with expected version, concurrency ${concurrency} (coaching_app, row-level security)`;
        const latencies = (label: string, r: RunStats) => `${label} p50 ${r.p50ms.toFixed(2)} ms, p99 ${r.p99ms.toFixed(2)} ms`;
        record({
          section: 'event store',
          name,
          value: ours.perSecond,
          unit: 'events/s',
          reference: { name: 'raw INSERT into a lean two-index table, same pool', value: lean.perSecond, unit: 'rows/s' },
          target: concurrency === 16 ? '≥ 0.75× lean raw INSERT' : undefined,
          met: concurrency === 16 ? ours.perSecond >= 0.75 * lean.perSecond : undefined,
          extra: `median of 3 alternating runs; ${latencies('ours', ours)}; ${latencies('lean', lean)}`,
        });
        if (withEmmett) {
          const em = median(runs.emmett);
          record({
            section: 'event store',
            name: `${name} vs Emmett`,
            value: ours.perSecond,
            unit: 'events/s',
            reference: { name: `Emmett ${EMMETT_VERSION} appendToStream, own database`, value: em.perSecond, unit: 'events/s' },
            target: concurrency === 16 ? '≥ 2.5× Emmett' : undefined,
            met: concurrency === 16 ? ours.perSecond >= 2.5 * em.perSecond : undefined,
            extra: latencies('Emmett', em),
          });
        }
        record({
          section: 'event store',
          name: `${name} vs raw INSERT into events`,
          value: ours.perSecond,
          unit: 'events/s',
          reference: { name: 'raw INSERT, same rows, into events (owner)', value: raw.perSecond, unit: 'rows/s' },
          extra: latencies('raw', raw),
        });
      } finally {
        await appStore.notifier.close();
        await appPool.end();
      }
    }
  } finally {
    await emmett?.close();
  }

  // 100-event batches vs COPY of the same rows
  {
    const run = randomUUID().slice(0, 8);
    const batch = () => Array.from({ length: 100 }, () => ({ type: 'DraftSubmitted', data: DATA, metadata: metadata() }));
    const copy = await runFor(4, ms, async (w, i) => {
      const client = await pool.connect();
      try {
        const stream = client.query(
          copyStreams.from(
            'COPY events (event_id, stream_id, version, type, schema_version, data, metadata, practice_id, occurred_at) FROM STDIN',
          ),
        );
        const lines = batch().map((e, k) =>
          [randomUUID(), `copy-${run}-${w}`, i * 100 + k + 1, e.type, 1, copyText(JSON.stringify(e.data)), copyText(JSON.stringify(e.metadata)), 'bench-practice', e.metadata.occurredAt].join('\t'),
        );
        await pipeline(Readable.from([lines.join('\n') + '\n']), stream);
      } finally {
        client.release();
      }
    });
    const ours = await runFor(4, ms, async (w, i) => {
      await store.append(`batch-${run}-${w}`, batch(), { expectedVersion: i * 100 });
    });
    record({
      section: 'event store',
      name: 'append 100-event batches with expected version, concurrency 4',
      value: ours.perSecond * 100,
      unit: 'events/s',
      reference: { name: 'COPY of the same rows', value: copy.perSecond * 100, unit: 'rows/s' },
      target: '≥ 50,000 events/s',
      met: ours.perSecond * 100 >= 50_000,
      extra: `batch p50 ${ours.p50ms.toFixed(1)} ms, p99 ${ours.p99ms.toFixed(1)} ms`,
    });
  }

  // readAll over N events, loaded by COPY
  {
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM events');
    const missing = Math.max(0, opts.readAllEvents - Number(rows[0]!.n));
    await loadByCopy(pool, missing);
    const { rows: total } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM events');
    const t = performance.now();
    let after = undefined as undefined | { transactionId: string; position: number };
    let read = 0;
    for (;;) {
      const page = await store.readAll({ after, limit: 5_000 });
      if (page.events.length === 0) break;
      read += page.events.length;
      after = page.checkpoint;
    }
    const seconds = (performance.now() - t) / 1000;
    const t2 = performance.now();
    const { rows: scanned } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM (SELECT data, metadata FROM events) e');
    const scanSeconds = (performance.now() - t2) / 1000;
    record({
      section: 'event store',
      name: `readAll over ${read.toLocaleString('en-US')} events (pages of 5,000)`,
      value: read / seconds,
      unit: 'events/s',
      reference: { name: 'SELECT count(*) scanning the same table', value: Number(scanned[0]!.n) / scanSeconds, unit: 'rows/s' },
      extra: `${seconds.toFixed(1)} s in all; table holds ${Number(total[0]!.n).toLocaleString('en-US')} events`,
    });
  }
  await store.notifier.close();
}

function copyText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

export async function loadByCopy(pool: pg.Pool, count: number, streamSize = 50): Promise<void> {
  if (count <= 0) return;
  const run = randomUUID().slice(0, 8);
  const chunk = 50_000;
  for (let done = 0; done < count; done += chunk) {
    const n = Math.min(chunk, count - done);
    const client = await pool.connect();
    try {
      const stream = client.query(
        copyStreams.from('COPY events (event_id, stream_id, version, type, schema_version, data, metadata, practice_id, occurred_at) FROM STDIN'),
      );
      const lines: string[] = [];
      for (let k = 0; k < n; k++) {
        const idx = done + k;
        const m = metadata();
        lines.push(
          [randomUUID(), `load-${run}-${Math.floor(idx / streamSize)}`, (idx % streamSize) + 1, 'HomeworkAssigned', 1, copyText(JSON.stringify(DATA)), copyText(JSON.stringify(m)), 'bench-practice', m.occurredAt].join('\t'),
        );
      }
      await pipeline(Readable.from([lines.join('\n') + '\n']), stream);
    } finally {
      client.release();
    }
  }
}
