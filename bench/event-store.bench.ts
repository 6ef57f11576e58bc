import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { PostgresEventStore, type EventMetadata } from '#event-store';
import { median, record, runFor, type RunStats } from './support.js';

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

export async function benchEventStore(pool: pg.Pool, opts: { seconds: number; readAllEvents: number }): Promise<void> {
  const store = new PostgresEventStore(pool);
  const ms = opts.seconds * 1000;

  // single-event appends with expected version vs raw INSERT of the same rows,
  // same pool; alternated three times and compared by median (shared machines drift)
  for (const concurrency of [1, 16, 32]) {
    const raws: RunStats[] = [];
    const ourRuns: RunStats[] = [];
    for (let round = 0; round < 3; round++) {
      const run = randomUUID().slice(0, 8);
      raws.push(
        await runFor(concurrency, ms / 3, async (w, i) => {
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
        }),
      );
      ourRuns.push(
        await runFor(concurrency, ms / 3, async (w, i) => {
          await store.append(`es-${run}-${w}`, [{ type: 'HomeworkAssigned', data: DATA, metadata: metadata() }], {
            expectedVersion: i,
          });
        }),
      );
    }
    const raw = median(raws);
    const ours = median(ourRuns);
    record({
      section: 'event store',
      name: `append 1 event with expected version, concurrency ${concurrency}`,
      value: ours.perSecond,
      unit: 'events/s',
      reference: { name: 'raw INSERT, same rows, same pool', value: raw.perSecond, unit: 'rows/s' },
      target: concurrency === 16 ? '≥ 0.75× raw' : undefined,
      met: concurrency === 16 ? ours.perSecond >= 0.75 * raw.perSecond : undefined,
      extra: `median of 3 alternating runs; p50 ${ours.p50ms.toFixed(2)} ms, p99 ${ours.p99ms.toFixed(2)} ms; raw p50 ${raw.p50ms.toFixed(2)} ms, p99 ${raw.p99ms.toFixed(2)} ms`,
    });
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
