import pg from 'pg';
import {
  partitionOf,
  type PostgresEventStore,
  SubscriptionRunner,
  SubscriptionPartitionsChangedError,
  type StoredEvent,
  type Subscriber,
  type SubscriptionRunnerOptions,
} from '#event-store';
import { migrateTestDatabase, testClient, testPool, TEST_DATABASE_URL } from '../support/db.js';
import { testEventStore } from '../support/env.js';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import { event } from './fixtures.js';

let pool: pg.Pool;
let store: PostgresEventStore;
const runners: SubscriptionRunner[] = [];

beforeAll(async () => {
  await migrateTestDatabase();
  pool = testPool(20);
  store = testEventStore(pool);
  await pool.query(`CREATE TABLE IF NOT EXISTS test_applied (
    subscriber text NOT NULL, runner text NOT NULL, event_id uuid NOT NULL, stream_id text NOT NULL)`);
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await store.notifier.close();
  await pool.end();
});

/** Starts a subscriber at the current end of the log, so earlier tests' events don't matter. */
async function startAtHead(name: string): Promise<void> {
  const { rows } = await pool.query<{ transaction_id: string; position: string }>(
    `SELECT transaction_id::text AS transaction_id, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1`,
  );
  const head = rows[0] ?? { transaction_id: '0', position: '0' };
  await pool.query(
    `INSERT INTO subscription_checkpoints (name, transaction_id, position) VALUES ($1, $2::xid8, $3)
     ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position`,
    [name, head.transaction_id, head.position],
  );
}

/** A subscriber that records each event it applies in test_applied, in the batch's transaction. */
function recorder(name: string, runnerId: string, streamPrefix: string, hooks: { beforeInsert?: (e: StoredEvent, i: number) => void } = {}): Subscriber {
  return {
    name,
    batchSize: 100,
    async handle(events, tx) {
      let i = 0;
      for (const e of events) {
        if (!e.streamId.startsWith(streamPrefix)) continue;
        hooks.beforeInsert?.(e, i++);
        await tx.query('INSERT INTO test_applied (subscriber, runner, event_id, stream_id) VALUES ($1, $2, $3, $4)', [
          name,
          runnerId,
          e.eventId,
          e.streamId,
        ]);
      }
    },
  };
}

function runner(
  subscriber: Subscriber,
  opts: { takeoverIntervalMs?: number; partitions?: number; pollIntervalMs?: number } & Pick<SubscriptionRunnerOptions, 'logger' | 'observer' | 'warnEveryFailures' | 'gatherMs' | 'followWriteMs'> = {},
): SubscriptionRunner {
  const r = new SubscriptionRunner(subscriber, {
    store,
    pool,
    connect: async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: `runner:${subscriber.name}` });
      await c.connect();
      return c;
    },
    pollIntervalMs: opts.pollIntervalMs ?? 50,
    partitions: opts.partitions,
    takeoverIntervalMs: opts.takeoverIntervalMs ?? 100,
    maxBackoffMs: 200,
    logger: opts.logger,
    observer: opts.observer,
    warnEveryFailures: opts.warnEveryFailures,
    gatherMs: opts.gatherMs,
    followWriteMs: opts.followWriteMs,
  });
  runners.push(r);
  return r;
}

async function applied(name: string): Promise<{ event_id: string; n: number; runner: string }[]> {
  const { rows } = await pool.query<{ event_id: string; n: string; runner: string }>(
    `SELECT event_id, count(*) AS n, min(runner) AS runner FROM test_applied WHERE subscriber = $1 GROUP BY event_id`,
    [name],
  );
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

async function appendMany(prefix: string, streams: number, perStream: number): Promise<string[]> {
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      const stream = `${prefix}-${s}`;
      for (let i = 0; i < perStream; i++) {
        const e = { ...event('Sub.Event', { s, i }), eventId: crypto.randomUUID() };
        ids.push(e.eventId);
        await store.append(stream, [e], { expectedVersion: i });
      }
    }),
  );
  return ids;
}

describe('subscription runner', () => {
  it('delivers every committed event once, in commit-safe order', async () => {
    const name = uniqueId('sub');
    const prefix = uniqueId('s');
    await startAtHead(name);
    runner(recorder(name, 'r1', prefix)).start();
    const ids = await appendMany(prefix, 5, 20);
    const rows = await waitFor('all 100 events applied', async () => {
      const a = await applied(name);
      return a.length === 100 ? a : null;
    });
    expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(ids));
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  it('never passes a transaction that is still open; sees it and everything after it once it commits', async () => {
    const name = uniqueId('sub');
    const prefix = uniqueId('late');
    await startAtHead(name);
    const r = runner(recorder(name, 'r1', prefix));
    r.start();
    const before = await appendMany(`${prefix}-before`, 1, 10);
    await waitFor('the 10 earlier events', async () => (await applied(name)).length === 10);

    const lateClient = await testClient();
    await lateClient.query('BEGIN');
    const lateEvent = { ...event('Sub.Late', {}), eventId: crypto.randomUUID() };
    await store.append(`${prefix}-held`, [lateEvent], { expectedVersion: 'no_stream', tx: lateClient });

    const after = await appendMany(`${prefix}-after`, 10, 20);
    // give the runner several reads of the log while the early transaction stays open
    const reads = r.status().reads;
    r.nudge();
    await waitFor('five more reads of the log', () => r.status().reads >= reads + 5);
    const whileOpen = await applied(name);
    expect(whileOpen).toHaveLength(10);
    expect(BigInt(r.status().checkpoint!.transactionId)).toBeLessThan(BigInt(await txidOf(lateEvent.eventId, lateClient)));

    await lateClient.query('COMMIT');
    await lateClient.end();
    r.nudge();
    const rows = await waitFor('all 211 events', async () => {
      const a = await applied(name);
      return a.length === 211 ? a : null;
    });
    expect(new Set(rows.map((x) => x.event_id))).toEqual(new Set([...before, lateEvent.eventId, ...after]));
    expect(rows.every((x) => x.n === 1)).toBe(true);
  });

  it('rolls a failing batch back and, after a restart, applies every event exactly once', async () => {
    const name = uniqueId('sub');
    const prefix = uniqueId('fail');
    await startAtHead(name);
    let failures = 0;
    const failing = runner(
      recorder(name, 'r1', prefix, {
        beforeInsert: (_e, i) => {
          if (i === 30) {
            failures += 1;
            throw new Error('handler crashed mid-batch');
          }
        },
      }),
    );
    const ids = await appendMany(prefix, 1, 60);
    failing.start();
    await waitFor('two failed attempts', () => failing.status().consecutiveFailures >= 2);
    expect(failing.status().lastError).toBe('handler crashed mid-batch');
    await failing.stop();
    expect(await applied(name)).toHaveLength(0);

    runner(recorder(name, 'r2', prefix)).start();
    const rows = await waitFor('all 60 events after restart', async () => {
      const a = await applied(name);
      return a.length === 60 ? a : null;
    });
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(new Set(rows.map((x) => x.event_id))).toEqual(new Set(ids));
    expect(rows.every((x) => x.n === 1 && x.runner === 'r2')).toBe(true);
  });

  it('lets only one of two runners with the same name process; the other takes over when the owner dies', async () => {
    const name = uniqueId('sub');
    const prefix = uniqueId('pair');
    await startAtHead(name);
    const a = runner(recorder(name, 'a', prefix));
    const b = runner(recorder(name, 'b', prefix));
    a.start();
    await waitFor('a leads', () => a.status().leader);
    b.start();
    const first = await appendMany(`${prefix}-1`, 2, 25);
    await waitFor('first 50 applied', async () => (await applied(name)).length === 50);
    expect(a.status().leader).toBe(true);
    expect(b.status().leader).toBe(false);
    expect((await applied(name)).every((x) => x.runner === 'a')).toBe(true);

    // the owner's connection dies (as when its process is killed): PostgreSQL drops its lock
    const { rows: killed } = await pool.query<{ ok: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
      [`runner:${name}`],
    );
    expect(killed.length).toBeGreaterThanOrEqual(1);
    await a.stop();
    const tookOver = Date.now();
    await waitFor('b takes over', () => b.status().leader, { timeoutMs: 10_000 });
    const second = await appendMany(`${prefix}-2`, 2, 25);
    const rows = await waitFor('all 100 applied', async () => {
      const all = await applied(name);
      return all.length === 100 ? all : null;
    });
    expect(Date.now() - tookOver).toBeLessThan(10_000);
    expect(rows.every((x) => x.n === 1)).toBe(true);
    const byB = new Set(rows.filter((x) => x.runner === 'b').map((x) => x.event_id));
    expect(second.every((id) => byB.has(id))).toBe(true);
    expect(first.some((id) => byB.has(id))).toBe(false);
  });

  it('refuses a batch from a runner whose checkpoint was moved by another owner meanwhile (fencing)', async () => {
    const name = uniqueId('sub');
    const prefix = uniqueId('fence');
    await startAtHead(name);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const slow: Subscriber = {
      name,
      async handle(events, tx) {
        entered = true;
        await gate;
        await recorder(name, 'zombie', prefix).handle(events, tx);
      },
    };
    const r = runner(slow, { takeoverIntervalMs: 60_000 });
    r.start();
    await appendMany(prefix, 1, 3);
    await waitFor('batch in hand', () => entered);
    // meanwhile another owner applied these events and moved the checkpoint past them
    await pool.query(
      `UPDATE subscription_checkpoints SET (transaction_id, position) =
         (SELECT transaction_id, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1)
       WHERE name = $1`,
      [name],
    );
    release();
    await waitFor('ownership loss noticed', () => r.status().ownershipLosses === 1);
    // it stood down, took the lock again and resumed from the other owner's checkpoint
    await waitFor('leading again', () => r.status().leader && r.status().reads >= 2);
    expect(await applied(name)).toHaveLength(0);
  });
});

describe('partitions', () => {
  it('gives each partition only its own practices\' events, all of them once, and moves an idle partition on with the log', async () => {
    const name = uniqueId('parts');
    await startAtHead(name);
    const { rows } = await pool.query<{ transaction_id: string; position: string }>('SELECT transaction_id::text, position FROM subscription_checkpoints WHERE name = $1', [name]);
    const from = { transactionId: rows[0]!.transaction_id, position: Number(rows[0]!.position) };
    const practices = Array.from({ length: 12 }, (_, i) => uniqueId(`pp${i}`));
    const ids = new Map<string, string>();
    for (const p of practices) {
      for (let i = 0; i < 3; i++) {
        const e = { ...event('Sub.Event', { i }, p), eventId: crypto.randomUUID() };
        ids.set(e.eventId, p);
        await store.append(`${p}-s`, [e], { expectedVersion: i });
      }
    }
    const seen = new Map<string, number>();
    const used = new Set(practices.map((p) => partitionOf(p, 8)));
    for (let part = 0; part < 8; part++) {
      const batch = await store.readPartition({ after: from, limit: 1000, partitions: 8, partition: part });
      const mine = batch.events.filter((e) => ids.has(e.eventId));
      for (const e of mine) {
        expect(partitionOf(e.metadata.practiceId, 8)).toBe(part);
        seen.set(e.eventId, (seen.get(e.eventId) ?? 0) + 1);
      }
      // caught up: the checkpoint stands at the log's last event, whether the partition had events or not
      expect(BigInt(batch.checkpoint.transactionId)).toBeGreaterThanOrEqual(BigInt(from.transactionId));
      if (!used.has(part)) expect(batch.checkpoint).not.toEqual(from);
    }
    expect(seen.size).toBe(ids.size);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it('runs K = 8 partitions exactly once each, refuses a runner with another split, and keeps a single owner out', async () => {
    const name = uniqueId('split');
    const prefix = uniqueId('split');
    await startAtHead(name);
    const a = runner(recorder(name, 'a', prefix), { partitions: 8 });
    const b = runner(recorder(name, 'b', prefix), { partitions: 8 });
    a.start();
    b.start();
    await waitFor('8 partitions over the two runners', () => a.status().owned.length + b.status().owned.length === 8 && a.status().owned.length > 0 && b.status().owned.length > 0);
    const single = runner(recorder(name, 'single', prefix));
    const four = runner(recorder(name, 'four', prefix), { partitions: 4 });
    single.start();
    four.start();
    const practiceIds = Array.from({ length: 6 }, (_, i) => uniqueId(`sp${i}`));
    for (const p of practiceIds) await store.append(`${prefix}-${p}`, [event('Sub.Event', { n: 1 }, p), event('Sub.Event', { n: 2 }, p)], { expectedVersion: 0 });
    const rows = await waitFor('all 12 applied', async () => {
      const all = await applied(name);
      return all.length === 12 ? all : null;
    });
    expect(rows.every((x) => x.n === 1 && (x.runner === 'a' || x.runner === 'b'))).toBe(true);
    await waitFor('the runner with 4 partitions to refuse', () => four.status().lastError !== null);
    expect(four.status().lastError).toContain(new SubscriptionPartitionsChangedError(name, 4, '').message.split(' checkpoint')[0]);
    expect(four.status().owned).toEqual([]);
    // the single owner never got the subscriber while the partitioned runners hold it shared
    expect(single.status().leader).toBe(false);
    expect(single.status().processedEvents).toBe(0);
    // and the refusing runner is not counted as a member: the two others still hold all 8 between them
    // (counted, it would make three members and each would give back down to ⌈8/3⌉ = 3); a partition
    // given back by one runner is free until the other's next rebalance tick takes it, so wait for 8
    await waitFor(
      'a rebalance after the others started: two members holding all 8',
      () => a.status().workers === 2 && b.status().workers === 2 && a.status().owned.length + b.status().owned.length === 8,
    );
  });
});

describe('reading partitions', () => {
  it('reads a partition whose batch came back full again at once, and the others only at the next wake or poll', async () => {
    const name = uniqueId('behind');
    const practice = uniqueId('behind');
    await startAtHead(name);
    // 35 events of one practice: batches of 10, 10, 10 and 5 in its partition; nothing in the 7 others
    await store.append(`${practice}-s`, Array.from({ length: 35 }, (_, i) => event('Sub.Event', { i }, practice)), { expectedVersion: 'no_stream' });
    const r = runner({ ...recorder(name, 'r', `${practice}-`), batchSize: 10 }, { partitions: 8, pollIntervalMs: 600_000, takeoverIntervalMs: 600_000 });
    r.start();
    // with no poll for 10 minutes, only the re-reads of the full partition can bring in all 35
    await waitFor('all 35 applied', async () => ((await applied(name)).length === 35 ? true : null));
    await waitFor('the runner to count them', () => r.status().processedEvents === 35);
    // a pass over the 8 partitions, then the busy one's three more batches: 11 reads (one more pass of 8
    // if the append's notification reached the runner after it started). Re-reading every partition while
    // any moved took 5 passes of 8 (40).
    expect(r.status().reads).toBeGreaterThanOrEqual(11);
    expect(r.status().reads).toBeLessThanOrEqual(19);
  });

  // A commit's notification names its practice: a wake reads that practice's partition (and those
  // behind), not all 8; a poll still reads every one.
  it('reads at a wake only the partitions of the practices the notification names', async () => {
    const name = uniqueId('news');
    const practice = uniqueId('news');
    await startAtHead(name);
    const r = runner(recorder(name, 'r', `${practice}-`), { partitions: 8, pollIntervalMs: 600_000, takeoverIntervalMs: 600_000 });
    r.start();
    await waitFor('the first pass over the 8 partitions', () => r.status().owned.length === 8 && r.status().reads >= 8);
    const before = r.status().reads;
    for (let i = 0; i < 3; i++) {
      await store.append(`${practice}-s`, [event('Sub.Event', { i }, practice)], { expectedVersion: i === 0 ? 'no_stream' : i });
      await waitFor(`event ${i + 1} applied`, async () => ((await applied(name)).length === i + 1 ? true : null));
    }
    // one read per notification (fewer if two came together); every partition at each was 8
    expect(r.status().reads - before).toBeGreaterThanOrEqual(1);
    expect(r.status().reads - before).toBeLessThanOrEqual(3);
  });

  // A partition with nothing to handle follows the log; written at every pass, the 7 idle partitions
  // of each subscriber made most of the worker's commits under load. Their checkpoints are written
  // now and then (followWriteMs), a busy partition's with each batch it handles.
  it("writes an idle partition's checkpoint now and then as it follows the log, a busy one's with its batches", async () => {
    const name = uniqueId('follow');
    const practice = uniqueId('follow');
    await startAtHead(name);
    const written = async () => {
      const { rows } = await pool.query<{ name: string; transaction_id: string; position: string }>(
        "SELECT name, transaction_id::text, position FROM subscription_checkpoints WHERE name LIKE $1 || '#%/8' ORDER BY name",
        [name],
      );
      return new Map(rows.map((r) => [Number(/#(\d+)\//.exec(r.name)![1]), `${r.transaction_id}/${r.position}`]));
    };
    const r = runner(recorder(name, 'r', `${practice}-`), { partitions: 8, gatherMs: 0, followWriteMs: 600_000 });
    r.start();
    await waitFor('the runner to own the 8 partitions', () => r.status().owned.length === 8);
    const start = await written();
    expect(start.size).toBe(8);
    for (let i = 0; i < 5; i++) await store.append(`${practice}-s`, [event('Sub.Event', { i }, practice)], { expectedVersion: i === 0 ? 'no_stream' : i });
    await waitFor('the 5 events applied', async () => ((await applied(name)).length === 5 ? true : null));
    const busy = partitionOf(practice, 8);
    const after = await written();
    expect(after.get(busy)).not.toBe(start.get(busy));
    for (let p = 0; p < 8; p++) if (p !== busy) expect(after.get(p)).toBe(start.get(p));
    // a runner that stops writes where they stand: after a poll (a pass over all 8), at the log's end
    const reads = r.status().reads;
    await waitFor('a poll over the 8 partitions', () => r.status().reads >= reads + 8);
    await r.stop();
    const stopped = await written();
    for (let p = 0; p < 8; p++) expect(stopped.get(p)).toBe(after.get(busy));
    expect((await applied(name)).length).toBe(5);
  });

  // Each commit wakes the runner; reading at every wake made a transaction and a checkpoint write per
  // subscriber per command (3.4–4.5 commits per assignHomework in the core bench). Commits that come
  // soon after a read wait for the window from that read's start, and come as one batch.
  it('gathers the commits that follow a read within the window into one batch', async () => {
    const name = uniqueId('gather');
    const prefix = uniqueId('gather');
    await startAtHead(name);
    const batches: string[][] = [];
    const sub = recorder(name, 'r', prefix);
    const r = runner(
      {
        ...sub,
        async handle(events, tx) {
          const mine = events.filter((e) => e.streamId.startsWith(prefix));
          if (mine.length) batches.push(mine.map((e) => e.eventId));
          await sub.handle(events, tx);
        },
      },
      { gatherMs: 4_000, pollIntervalMs: 600_000 },
    );
    r.start();
    // after a quiet spell the first commit is read at its wake
    const [first] = await appendMany(`${prefix}-first`, 1, 1);
    await waitFor('the first event applied', async () => ((await applied(name)).length === 1 ? true : null));
    // five commits one after another, each waking the runner
    const rest = await appendMany(`${prefix}-rest`, 1, 5);
    await waitFor('all six applied', async () => ((await applied(name)).length === 6 ? true : null));
    expect(batches).toEqual([[first], rest]);
  });
});

describe('what a subscriber reads', () => {
  it('opens no event a subscriber drops by type and none for one that reads metadata only; a batch is full by what it read', async () => {
    const practice = uniqueId('reads');
    const typed = uniqueId('typed');
    const meta = uniqueId('meta');
    await startAtHead(typed);
    await startAtHead(meta);
    // the events the store opens (personal fields, upcasting) for this test's stream
    const opened: string[] = [];
    const open = store.toStoredAll.bind(store);
    store.toStoredAll = async (rows, q) => {
      for (const r of rows) if (r.stream_id.startsWith(practice)) opened.push(`${r.type}:${r.version}`);
      return open(rows, q);
    };
    try {
      const seen: Record<string, StoredEvent[]> = { [typed]: [], [meta]: [] };
      const watcher = (name: string, extra: Partial<Subscriber>): Subscriber => ({
        name,
        batchSize: 10,
        ...extra,
        async handle(events) {
          seen[name]!.push(...events.filter((e) => e.streamId.startsWith(practice)));
        },
      });
      // 25 events, every fifth one kept by the typed subscriber: its batches of 10 hold 2, yet they are
      // full (10 read), so it reads on at once; with no poll for 10 minutes nothing else brings it to the end
      const types = Array.from({ length: 25 }, (_, i) => (i % 5 === 0 ? 'Sub.Kept' : 'Sub.Dropped'));
      await store.append(`${practice}-s`, types.map((type, i) => event(type, { i }, practice)), { expectedVersion: 'no_stream' });
      const quiet = { partitions: 8, pollIntervalMs: 600_000, takeoverIntervalMs: 600_000 };
      const t = runner(watcher(typed, { eventTypes: ['Sub.Kept'] }), quiet);
      const m = runner(watcher(meta, { reads: 'metadata' }), quiet);
      t.start();
      m.start();
      await waitFor('both subscribers to reach the end', () => (seen[typed]!.length === 5 && seen[meta]!.length === 25 ? true : null));
      await waitFor('both runners to count 25', () => t.status().processedEvents === 25 && m.status().processedEvents === 25);

      expect(seen[typed]!.map((e) => [e.type, e.data])).toEqual([0, 5, 10, 15, 20].map((i) => ['Sub.Kept', { i }]));
      expect(seen[meta]!.map((e) => e.type)).toEqual(types);
      expect(seen[meta]!.every((e) => e.metadata.practiceId === practice && e.occurredAt instanceof Date && Object.keys(e.data as object).length === 0)).toBe(true);
      // only what the typed subscriber takes was opened; nothing for the metadata reader
      expect(opened.sort()).toEqual(['Sub.Kept:1', 'Sub.Kept:11', 'Sub.Kept:16', 'Sub.Kept:21', 'Sub.Kept:6'].sort());
    } finally {
      store.toStoredAll = open;
    }
  });
});

describe('a partition whose batches keep failing', () => {
  it('is logged at ERROR once, WARN every N failures and INFO on recovery, told to the observer, and holds up no other partition', async () => {
    const name = uniqueId('poison');
    const prefix = uniqueId('pz');
    await startAtHead(name);
    // two practices in different partitions of 4: one poisoned, one healthy
    const poisoned = uniqueId('poisoned');
    let healthy = uniqueId('healthy');
    while (partitionOf(healthy, 4) === partitionOf(poisoned, 4)) healthy = uniqueId('healthy');
    const part = partitionOf(poisoned, 4);
    let poison = true;
    const lines: [string, string][] = [];
    const told: string[] = [];
    const r = runner(
      recorder(name, 'r', prefix, {
        beforeInsert: (e) => {
          if (poison && e.type === 'Sub.Poison') throw new Error('cannot apply Sub.Poison');
        },
      }),
      {
        partitions: 4,
        warnEveryFailures: 3,
        logger: { log: (m) => lines.push(['INFO', m]), warn: (m) => lines.push(['WARN', m]), error: (m) => lines.push(['ERROR', m]) },
        observer: {
          batchFailed: (f) => told.push(`failed ${f.subscriber} ${f.partition} ${f.failures} ${f.error}`),
          streakEnded: (e) => told.push(`ended ${e.subscriber} ${e.partition} ${e.failures} ${e.recovered}`),
        },
      },
    );
    await store.append(`${prefix}-a`, [event('Sub.Poison', {}, poisoned)], { expectedVersion: 'no_stream' });
    r.start();
    await waitFor('the poisoned partition failing 7 times', () => r.status().failing.some((f) => f.partition === part && f.failures >= 7));
    // the healthy practice's partition goes on meanwhile
    const ok = { ...event('Sub.Event', {}, healthy), eventId: crypto.randomUUID() };
    await store.append(`${prefix}-b`, [ok], { expectedVersion: 'no_stream' });
    await waitFor('the healthy partition applied', async () => (await applied(name)).some((a) => a.event_id === ok.eventId));
    expect(r.status()).toMatchObject({ lastError: 'cannot apply Sub.Poison', failing: [{ partition: part, error: 'cannot apply Sub.Poison' }] });
    expect(r.status().consecutiveFailures).toBeGreaterThanOrEqual(7);

    poison = false;
    await waitFor('the poisoned partition recovered', () => r.status().failing.length === 0 && lines.some(([, m]) => m.includes('recovered')));
    expect((await applied(name)).length).toBe(2);
    const about = lines.filter(([, m]) => m.startsWith(`subscriber ${name} partition ${part}/4`));
    const failures = told.filter((t) => t.startsWith('failed')).length;
    // one ERROR when the streak starts (name, partition, position, message, no stack), a WARN at failures 4, 7, ..., one INFO
    expect(about[0]).toEqual(['ERROR', expect.stringMatching(new RegExp(`^subscriber ${name} partition ${part}/4 at \\(\\d+, \\d+\\): batch failed: cannot apply Sub.Poison; retrying in \\d+ ms$`))]);
    expect(about.filter(([level]) => level === 'ERROR')).toHaveLength(1);
    expect(about.filter(([level]) => level === 'WARN')).toHaveLength(Math.floor((failures - 1) / 3));
    expect(about.filter(([level]) => level === 'WARN').every(([, m]) => /still failing \((4|7|10|13|16|19|22|25)\b/.test(m))).toBe(true);
    expect(about.at(-1)).toEqual(['INFO', expect.stringContaining(`recovered at (`)]);
    expect(about.at(-1)![1]).toContain(`after ${failures} failed batch(es)`);
    expect(about.every(([, m]) => !m.includes('\n'))).toBe(true);
    expect(told.slice(0, 2)).toEqual([`failed ${name} ${part} 1 cannot apply Sub.Poison`, `failed ${name} ${part} 2 cannot apply Sub.Poison`]);
    expect(told.at(-1)).toBe(`ended ${name} ${part} ${failures} true`);
    // nothing about the healthy partition
    expect(lines.filter(([level]) => level !== 'INFO').every(([, m]) => m.includes(`partition ${part}/4`))).toBe(true);
  });
});

async function txidOf(eventId: string, client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ t: string }>('SELECT transaction_id::text AS t FROM events WHERE event_id = $1', [eventId]);
  return rows[0]!.t;
}
