import pg from 'pg';
import {
  EventStoreInputError,
  inTransaction,
  PostgresEventStore,
  UpcasterRegistry,
  WrongExpectedVersionError,
  type AppendResult,
  type Queryable,
} from '#event-store';
import { migrateTestDatabase, testPool } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { plansOf } from '../support/plans.js';
import { event } from './fixtures.js';

let pool: pg.Pool;
let store: PostgresEventStore;

beforeAll(async () => {
  await migrateTestDatabase();
  pool = testPool(40);
  store = new PostgresEventStore(pool);
});
afterAll(async () => {
  await store.notifier.close();
  await pool.end();
});

async function versions(streamId: string): Promise<number[]> {
  const { rows } = await pool.query<{ version: number }>('SELECT version FROM events WHERE stream_id = $1 ORDER BY version', [streamId]);
  return rows.map((r) => r.version);
}

describe('append and readStream', () => {
  it('appends at the expected version and reads the stream back in order, with metadata', async () => {
    const s = uniqueId('stream');
    const first = await store.append(s, [event('A', { i: 1 }), event('B', { i: 2 })], { expectedVersion: 'no_stream' });
    expect(first).toMatchObject({ streamId: s, firstVersion: 1, nextVersion: 2, replayed: false });
    expect(first.positions).toHaveLength(2);
    const second = await store.append(s, [event('C', { i: 3 })], { expectedVersion: 2 });
    expect(second.nextVersion).toBe(3);
    expect(second.positions[0]).toBeGreaterThan(first.positions[1]!);

    const read = await store.readStream(s, { practiceId: 'practice-test' });
    expect(read.map((e) => [e.version, e.type, e.data])).toEqual([
      [1, 'A', { i: 1 }],
      [2, 'B', { i: 2 }],
      [3, 'C', { i: 3 }],
    ]);
    expect(read[0]!.metadata).toMatchObject({ actorId: 'actor-1', actorRole: 'COACH', practiceId: 'practice-test' });
    expect(read[0]!.metadata.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(read[0]!.transactionId).toMatch(/^\d+$/);
    expect(await store.readStream(s, { practiceId: 'practice-test', fromVersion: 2, maxCount: 1 })).toHaveLength(1);
    expect(await store.streamVersion(s, pool, 'practice-test')).toBe(3);
  });

  it("reads a stream in its practice: the one named, else the transaction's; never another practice's", async () => {
    const s = uniqueId('stream');
    await store.append(s, [event('A', {}, 'practice-a'), event('B', {}, 'practice-a')], { expectedVersion: 'no_stream' });
    expect(await store.readStream(s, { practiceId: 'practice-b' })).toEqual([]);
    expect(await store.streamVersion(s, pool, 'practice-b')).toBe(0);
    // no practice named nor scoped: nothing, as row-level security answers the service role
    expect(await store.readStream(s)).toEqual([]);
    expect(await store.streamVersion(s)).toBe(0);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT set_config('app.practice_id', 'practice-a', true)");
      expect((await store.readStream(s, { tx: client })).map((e) => e.type)).toEqual(['A', 'B']);
      expect(await store.streamVersion(s, client)).toBe(2);
      // a named practice wins over the transaction's
      expect(await store.readStream(s, { tx: client, practiceId: 'practice-b' })).toEqual([]);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('looks a stream up by (practice_id, stream_id) in events_stream_version, not by walking the index, as the service role', async () => {
    const s = uniqueId('stream');
    await store.append(s, [event()], { expectedVersion: 'no_stream' });
    // the statements readStream and streamVersion send, planned for a named practice and for the transaction's
    const { statements } = await plansOf(pool, 'practice-test', async (tx) => {
      for (const practiceId of ['practice-test', undefined]) {
        expect(await store.readStream(s, { tx, ...(practiceId ? { practiceId } : {}) })).toHaveLength(1);
        expect(await store.streamVersion(s, tx, practiceId)).toBe(1);
      }
    });
    const reads = statements.filter(({ text }) => /FROM events WHERE/.test(text));
    expect(reads).toHaveLength(4);
    for (const { plan } of reads) {
      expect(plan).toContain('events_stream_version');
      expect(plan).toMatch(/"Index Cond":"\(\(practice_id = [^"]*stream_id = /);
    }
  });

  it('refuses a stale expected version with both versions and writes nothing', async () => {
    const s = uniqueId('stream');
    await store.append(s, [event(), event()], { expectedVersion: 'no_stream' });
    const err = await store.append(s, [event()], { expectedVersion: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongExpectedVersionError);
    expect(err).toMatchObject({ expected: 1, actual: 2, streamId: s });
    const ahead = await store.append(s, [event()], { expectedVersion: 5 }).catch((e: unknown) => e);
    expect(ahead).toMatchObject({ expected: 5, actual: 2 });
    const exists = await store.append(s, [event()], { expectedVersion: 'no_stream' }).catch((e: unknown) => e);
    expect(exists).toMatchObject({ expected: 0, actual: 2 });
    expect(await versions(s)).toEqual([1, 2]);
  });

  it("lets 'any' append wherever the stream is", async () => {
    const s = uniqueId('stream');
    await store.append(s, [event()], { expectedVersion: 'any' });
    const r = await store.append(s, [event(), event()], { expectedVersion: 'any' });
    expect(r.nextVersion).toBe(3);
  });

  it('lets exactly one of 50 concurrent appends at the same expected version win; the stream stays gapless', async () => {
    const s = uniqueId('stream');
    await store.append(s, [event()], { expectedVersion: 'no_stream' });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => store.append(s, [event('Raced', { i })], { expectedVersion: 1 })),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    for (const l of lost) {
      expect(l.reason).toBeInstanceOf(WrongExpectedVersionError);
      expect(l.reason).toMatchObject({ expected: 1, actual: 2 });
    }
    expect(await versions(s)).toEqual([1, 2]);
  });

  it('keeps 100 streams gapless under 20 concurrent writers each, with unique global positions', async () => {
    const streams = Array.from({ length: 100 }, () => uniqueId('busy'));
    const writes: Promise<AppendResult>[] = [];
    for (let w = 0; w < 20; w++) {
      for (const s of streams) writes.push(store.append(s, [event('Busy', { w })], { expectedVersion: 'any' }));
    }
    const results = await Promise.all(writes);
    const positions = results.flatMap((r) => r.positions);
    expect(new Set(positions).size).toBe(2000);
    const { rows } = await pool.query<{ stream_id: string; n: string; max: number; distinct_versions: string }>(
      `SELECT stream_id, count(*) AS n, max(version) AS max, count(DISTINCT version) AS distinct_versions
       FROM events WHERE stream_id = ANY($1) GROUP BY stream_id`,
      [streams],
    );
    expect(rows).toHaveLength(100);
    for (const r of rows) {
      expect([Number(r.n), r.max, Number(r.distinct_versions)]).toEqual([20, 20, 20]);
    }
  });

  it('runs inside a caller transaction and writes nothing when the caller rolls back', async () => {
    const s = uniqueId('stream');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const r = await store.append(s, [event()], { expectedVersion: 'no_stream', tx: client });
      expect(r.nextVersion).toBe(1);
      expect(await store.streamVersion(s, client)).toBe(1); // the append scoped the transaction to its practice
      expect(await store.streamVersion(s)).toBe(0);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await versions(s)).toEqual([]);
  });
});

describe('idempotency', () => {
  it('writes one event for the same key sent 10 times concurrently; every answer is the first', async () => {
    const s = uniqueId('stream');
    const key = uniqueId('key');
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        store.append(s, [event('Once')], { expectedVersion: 'any', idempotencyKey: key, requestHash: 'h1' }),
      ),
    );
    expect(await versions(s)).toEqual([1]);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    for (const r of results) expect(r).toMatchObject({ nextVersion: 1, positions: results[0]!.positions, requestHash: 'h1' });
  });

  it('replays a retried key even when the stream has moved on since', async () => {
    const s = uniqueId('stream');
    const key = uniqueId('key');
    const first = await store.append(s, [event()], { expectedVersion: 'no_stream', idempotencyKey: key });
    await store.append(s, [event()], { expectedVersion: 1 });
    const retry = await store.append(s, [event()], { expectedVersion: 'no_stream', idempotencyKey: key });
    expect(retry).toMatchObject({ replayed: true, nextVersion: 1, positions: first.positions });
    expect(await versions(s)).toEqual([1, 2]);
  });

  it('scopes keys to a practice', async () => {
    const key = uniqueId('key');
    const a = await store.append(uniqueId('s'), [event('X', {}, 'practice-a')], { expectedVersion: 'any', idempotencyKey: key });
    const b = await store.append(uniqueId('s'), [event('X', {}, 'practice-b')], { expectedVersion: 'any', idempotencyKey: key });
    expect(a.replayed || b.replayed).toBe(false);
  });

  it('releases the key when the first attempt fails, so a retry can succeed', async () => {
    const s = uniqueId('stream');
    const key = uniqueId('key');
    await store.append(s, [event()], { expectedVersion: 'no_stream' });
    await expect(store.append(s, [event()], { expectedVersion: 0, idempotencyKey: key })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    const ok = await store.append(s, [event()], { expectedVersion: 1, idempotencyKey: key });
    expect(ok).toMatchObject({ replayed: false, nextVersion: 2 });
  });
});

describe('upcasting', () => {
  it('turns an old stored shape into the current one at read time, step by step', async () => {
    const upcasters = new UpcasterRegistry([
      { type: 'Person.Named', fromVersion: 1, upcast: (d) => ({ fullName: (d as { name: string }).name }) },
      {
        type: 'Person.Named',
        fromVersion: 2,
        upcast: (d) => ({ ...(d as object), locale: 'en' }),
      },
    ]);
    const upcasting = new PostgresEventStore(pool, { upcasters });
    const s = uniqueId('stream');
    await store.append(s, [{ ...event('Person.Named', { name: 'Ada' }), schemaVersion: 1 }], { expectedVersion: 'no_stream' });
    await upcasting.append(s, [event('Person.Named', { fullName: 'Grace', locale: 'fr' })], { expectedVersion: 1 });
    const stored = await pool.query<{ schema_version: number; data: unknown }>(
      'SELECT schema_version, data FROM events WHERE stream_id = $1 ORDER BY version',
      [s],
    );
    expect(stored.rows).toEqual([
      { schema_version: 1, data: { name: 'Ada' } },
      { schema_version: 3, data: { fullName: 'Grace', locale: 'fr' } },
    ]);
    const read = await upcasting.readStream(s, { practiceId: 'practice-test' });
    expect(read.map((e) => [e.schemaVersion, e.data])).toEqual([
      [3, { fullName: 'Ada', locale: 'en' }],
      [3, { fullName: 'Grace', locale: 'fr' }],
    ]);
    await upcasting.notifier.close();
  });
});

describe('bad input', () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const cases: [string, () => Promise<unknown>, string][] = [
    ['empty stream id', () => store.append('', [event()], { expectedVersion: 'any' }), 'streamId'],
    ['over-long stream id', () => store.append('s'.repeat(201), [event()], { expectedVersion: 'any' }), 'streamId'],
    ['over-long type name', () => store.append(uniqueId('s'), [event('T'.repeat(101))], { expectedVersion: 'any' }), 'events[0].type'],
    ['type with spaces', () => store.append(uniqueId('s'), [event('Drop table')], { expectedVersion: 'any' }), 'events[0].type'],
    ['BigInt data', () => store.append(uniqueId('s'), [event('T', { n: 10n })], { expectedVersion: 'any' }), 'events[0].data'],
    ['circular data', () => store.append(uniqueId('s'), [event('T', circular)], { expectedVersion: 'any' }), 'events[0].data'],
    ['function in data', () => store.append(uniqueId('s'), [event('T', { f: () => 1 })], { expectedVersion: 'any' }), 'events[0].data'],
    ['NaN in data', () => store.append(uniqueId('s'), [event('T', { n: NaN })], { expectedVersion: 'any' }), 'events[0].data'],
    ['negative expected version', () => store.append(uniqueId('s'), [event()], { expectedVersion: -1 }), 'expectedVersion'],
    ['fractional expected version', () => store.append(uniqueId('s'), [event()], { expectedVersion: 1.5 }), 'expectedVersion'],
    ['no events', () => store.append(uniqueId('s'), [], { expectedVersion: 'any' }), 'events'],
    [
      'missing practice',
      () => store.append(uniqueId('s'), [{ ...event(), metadata: { ...event().metadata, practiceId: '' } }], { expectedVersion: 'any' }),
      'events[0].metadata.practiceId',
    ],
    ['empty idempotency key', () => store.append(uniqueId('s'), [event()], { expectedVersion: 'any', idempotencyKey: '' }), 'idempotencyKey'],
    ['negative fromVersion', () => store.readStream(uniqueId('s'), { fromVersion: -1 }), 'fromVersion'],
    ['empty practice of a read', () => store.readStream(uniqueId('s'), { practiceId: '' }), 'practiceId'],
  ];

  it.each(cases)('%s: a clear error naming the field, nothing written', async (_name, call, field) => {
    const { rows: before } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM events');
    const err = await call().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventStoreInputError);
    expect((err as EventStoreInputError).field).toBe(field);
    const { rows: after } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM events');
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('refuses updates and deletes of stored events', async () => {
    const s = uniqueId('stream');
    await store.append(s, [event()], { expectedVersion: 'no_stream' });
    await expect(pool.query("UPDATE events SET type = 'Forged' WHERE stream_id = $1", [s])).rejects.toThrow(/append-only/);
    await expect(pool.query('DELETE FROM events WHERE stream_id = $1', [s])).rejects.toThrow(/append-only/);
  });
});

describe('transaction settings (inTransaction)', () => {
  it('commits without waiting for the WAL flush only when asked, and only for that transaction', async () => {
    const single = testPool(1);
    const setting = (tx: Queryable) =>
      tx.query<{ sync: string; practice: string }>(
        "SELECT current_setting('synchronous_commit') AS sync, current_setting('app.practice_id', true) AS practice",
      );
    try {
      const during = await inTransaction(single, 'practice-a', async (tx) => (await setting(tx)).rows[0], { asyncCommit: true });
      // the same (only) connection, the next transaction: back to the server's setting
      const after = await inTransaction(single, 'practice-b', async (tx) => (await setting(tx)).rows[0]);
      const server = (await pool.query<{ sync: string }>("SELECT current_setting('synchronous_commit') AS sync")).rows[0]!.sync;
      expect(during).toEqual({ sync: 'off', practice: 'practice-a' });
      expect(after).toEqual({ sync: server, practice: 'practice-b' });
      expect(server).not.toBe('off');
    } finally {
      await single.end();
    }
  });
});
