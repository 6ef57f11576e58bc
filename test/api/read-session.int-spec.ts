import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ExecutionTimeout, ReadSession, type Database } from '#platform';
import { migrateTestDatabase, pgPool, TEST_APP_POOLED_URL } from '../support/db.js';

// A request's read session (libs/platform/src/database/read-session.ts) on the
// service role, through PgBouncer when the run goes through one: reads asked
// for together are sent together on one connection in pipeline mode, each
// answered with its own rows inside the one practice-scoped transaction; a
// failed read fails alone; the connection goes back to the pool in the
// ordinary mode.

let pool: pg.Pool;
const practiceId = `read-session-${randomUUID()}`;
const session = (deadline: { at: number; budgetMs: number } | null = null) =>
  new ReadSession({ pool } as unknown as Database, practiceId, deadline);
const SCOPE = `SELECT $1::int AS n, current_setting('app.practice_id', true) AS practice, now() AS began,
  current_setting('transaction_read_only') AS read_only`;

beforeAll(async () => {
  await migrateTestDatabase();
  // one connection: every session below gets the same one, so what a session leaves on it shows
  pool = pgPool(TEST_APP_POOLED_URL, 1, 'coaching-test-read-session');
});
afterAll(async () => {
  await pool?.end();
});

it('answers reads asked for together, each with its own rows, in one read-only transaction of the practice', async () => {
  const s = session();
  const answers = await Promise.all([1, 2, 3].map((n) => s.query<{ n: number; practice: string; began: Date; read_only: string }>(SCOPE, [n])));
  expect(answers.map((rows) => rows.map((r) => r.n))).toEqual([[1], [2], [3]]);
  for (const [row] of answers) expect(row).toMatchObject({ practice: practiceId, read_only: 'on' });
  // now() is the transaction's start: one transaction for all three
  expect(new Set(answers.map(([r]) => r!.began.getTime())).size).toBe(1);
  await s.release();
  // BEGIN + set_config (one message, counted as two), three reads, COMMIT
  expect(s.statements).toBe(6);
});

it('sends BEGIN and the reads asked for together in one write to the socket, not a write each', async () => {
  // the socket's writes, counted where node's stream hands them to the system (one call per write or writev)
  const client = await pool.connect();
  const socket = (client as unknown as { connection: { stream: { _writeGeneric: (...args: unknown[]) => unknown } } }).connection.stream;
  client.release();
  const writes: number[] = [];
  const original = socket._writeGeneric;
  socket._writeGeneric = function (this: unknown, ...args: unknown[]) {
    writes.push(Array.isArray(args[1]) ? (args[1] as unknown[]).length : 1);
    return original.apply(this, args);
  };
  try {
    const s = session();
    const answers = await Promise.all([1, 2, 3].map((n) => s.query<{ n: number }>(SCOPE, [n])));
    expect(answers.map(([r]) => r!.n)).toEqual([1, 2, 3]);
    // BEGIN with set_config and the three reads (parse, bind, describe, execute, sync each): one write
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBeGreaterThan(4);
    await s.release();
    // COMMIT after the answers: a write of its own
    expect(writes).toHaveLength(2);
  } finally {
    socket._writeGeneric = original;
  }
});

it('fails a failed read alone: the reads sent behind it run again in a fresh transaction', async () => {
  const s = session();
  const [failed, after, later] = await Promise.allSettled([
    s.query('SELECT 1 / (n - n) AS x FROM (VALUES (1)) v(n)'),
    s.query<{ n: number; practice: string }>(SCOPE, [2]),
    s.query<{ n: number; practice: string }>(SCOPE, [3]),
  ]);
  expect(failed).toMatchObject({ status: 'rejected', reason: { code: '22012' } });
  expect(after).toMatchObject({ status: 'fulfilled', value: [{ n: 2, practice: practiceId }] });
  expect(later).toMatchObject({ status: 'fulfilled', value: [{ n: 3, practice: practiceId }] });
  // and the session goes on reading afterwards
  expect(await s.query(SCOPE, [4])).toMatchObject([{ n: 4, practice: practiceId }]);
  await s.release();
});

it('refuses to start a read past its deadline, and a statement past it ends as the operation timing out', async () => {
  const late = session({ at: Date.now() - 1, budgetMs: 1 });
  await expect(late.query(SCOPE, [1])).rejects.toBeInstanceOf(ExecutionTimeout);
  const s = session({ at: Date.now() + 300, budgetMs: 300 });
  await expect(s.query('SELECT pg_sleep(30)')).rejects.toBeInstanceOf(ExecutionTimeout);
  await s.release();
});

it('hands the connection back to the pool in the ordinary mode, outside any transaction', async () => {
  const s = session();
  await Promise.all([s.query(SCOPE, [1]), s.query(SCOPE, [2])]);
  await s.release();
  const client = await pool.connect();
  try {
    // the event store's transactions on this pool send one statement at a time and may use portals
    expect((client as unknown as { pipeline: boolean }).pipeline).toBe(false);
    const { rows } = await client.query<{ practice: string | null }>(`SELECT nullif(current_setting('app.practice_id', true), '') AS practice`);
    expect(rows).toEqual([{ practice: null }]);
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  } finally {
    client.release();
  }
});

it('refuses every read once ended, and ending twice is harmless', async () => {
  const s = session();
  await s.query(SCOPE, [1]);
  await s.end();
  await s.end();
  await expect(s.query(SCOPE, [2])).rejects.toThrow('This read session has ended');
});
