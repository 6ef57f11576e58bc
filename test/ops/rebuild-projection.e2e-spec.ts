import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import pg from 'pg';
import { PostgresEventStore } from '#event-store';
import { Database } from '#platform';
import {
  CommandExecutor,
  ENGAGEMENT_EVENT_TYPES,
  ENGAGEMENT_READ_MODELS,
  EngagementProjector,
  ReadModelRebuild,
  RecordReminderSentCommand,
  type CommandOutcome,
} from '#engagement';
import { rebuildProjection } from '../../apps/cli/src/ops/rebuild-projection.command.js';
import { TestApi } from '../support/api.js';
import { inPracticeTransaction, pgPool, TEST_APP_DATABASE_URL, testPool } from '../support/db.js';
import { codeOf, M, newCast, ok, person, Q, Story, type Cast } from '../support/engagements.js';
import { setTestEnv } from '../support/env.js';
import { waitFor } from '../support/wait.js';

// rebuild-projection: blue/green rebuild of the engagement read models from the
// event log while the API keeps writing, then an atomic swap. Proves: the
// rebuilt tables equal the live ones (checksums), nothing written during the
// rebuild is lost (before, during and blocked by the swap), and the new tables
// carry the live ones' row-level security, grants, indexes and constraints.

jest.setTimeout(90_000);

let api: TestApi;
let owner: pg.Pool;
let app: pg.Pool;
const a = newCast('rebuild-a');
const b = newCast('rebuild-b');
const lines: string[] = [];
const out = { line: (text: string) => void lines.push(text) };

const RESCHEDULE = `mutation ($input: RescheduleHomeworkInput!) { rescheduleHomework(input: $input) { id dueAt } }`;

/** A full engagement history through the API: every event type the read models know. */
async function history(cast: Cast, closeIt: boolean): Promise<string> {
  const s = new Story(api, cast);
  const e = await s.open(`History of ${cast.practiceId}`);
  await s.intake(e.id);
  const hook = await s.assign(e.id, 'Articulate your hook');
  const d1 = await s.submit(hook.id);
  await s.feedback(d1.id, 'CHANGES_REQUESTED', 'Lead with the result.');
  const d2 = await s.submit(hook.id, 'I move hospitals without downtime.');
  await s.feedback(d2.id, 'ACCEPTED');
  const ask = await s.assign(e.id, 'Ask for help', null);
  await s.submit(ask.id, 'Could I have your view on...');
  const dropped = await s.assign(e.id, 'Dropped one');
  const later = new Date(Date.now() + 7 * 24 * 3_600_000).toISOString();
  ok(await api.gql(RESCHEDULE, { input: { engagementId: e.id, homeworkId: dropped.id, dueAt: later } }, cast.coach));
  ok(await api.gql(M.cancelHomework, { input: { homeworkId: dropped.id, reason: 'not needed' } }, cast.coach));
  ok(
    await api.gql(
      M.logCoachingSession,
      { input: { engagementId: e.id, heldAt: new Date(Date.now() - 3_600_000).toISOString(), durationMinutes: 45, summary: 'Pitch practice' } },
      cast.coach,
    ),
  );
  ok(await api.gql(M.logJobSearchActivity, { input: { engagementId: e.id, channel: 'NETWORKING', applications: 3, interviews: 2 } }, cast.client));
  ok(await api.gql(M.logJobSearchActivity, { input: { engagementId: e.id, channel: 'JOB_BOARD', applications: 40, interviews: 1 } }, cast.client));
  await remind(cast, e.id, ask.id);
  await hold(cast, e.id, ask.id);
  await digest(cast, e.id);
  await s.pause(e.id);
  ok(await api.gql(M.resumeEngagement, { input: { engagementId: e.id } }, cast.coach));
  if (closeIt) await s.close(e.id);
  return e.id;
}

/** A reminder recorded on the engagement, as the reminder worker does it. */
async function remind(cast: Cast, engagementId: string, homeworkId: string | null): Promise<void> {
  await api.app.get(CommandBus).execute<RecordReminderSentCommand, CommandOutcome>(
    new RecordReminderSentCommand(
      { actor: { id: 'reminders', role: 'SYSTEM' }, practiceId: cast.practiceId, correlationId: randomUUID(), causationId: 'test', now: new Date() },
      { engagementId, reminderId: randomUUID(), kind: 'HOMEWORK_DUE_SOON', recipient: person(cast.client) as never, channels: ['WEBHOOK'], homeworkId, draftId: null },
    ),
  );
}

/** A reminder held by quiet hours, recorded on the engagement as the reminder worker does it. */
async function hold(cast: Cast, engagementId: string, homeworkId: string | null): Promise<void> {
  const now = new Date();
  const actor = { id: 'reminders', role: 'SYSTEM' as const };
  const [outcome] = await api.app.get(CommandExecutor).executeMany(cast.practiceId, [
    {
      streamId: engagementId,
      origin: { actor, practiceId: cast.practiceId, correlationId: randomUUID(), causationId: 'test', now },
      command: {
        type: 'RecordRemindersHeld',
        data: {
          reminders: [
            {
              reminderId: randomUUID(),
              kind: 'HOMEWORK_OVERDUE',
              recipient: person(cast.client) as never,
              homeworkId,
              heldUntil: new Date(now.getTime() + 3_600_000).toISOString(),
              reason: 'quiet hours (21:00–08:00 in Pacific/Auckland)',
            },
          ],
        },
        context: { actor, now },
      },
    },
  ]);
  if (outcome instanceof Error) throw outcome;
}

/** A digest carrying a held reminder, recorded on the engagement as the digest runner does it. */
async function digest(cast: Cast, engagementId: string): Promise<void> {
  const now = new Date();
  const actor = { id: 'reminders', role: 'SYSTEM' as const };
  const [outcome] = await api.app.get(CommandExecutor).executeMany(cast.practiceId, [
    {
      streamId: engagementId,
      origin: { actor, practiceId: cast.practiceId, correlationId: randomUUID(), causationId: 'test', now },
      command: {
        type: 'RecordDigestSent',
        data: {
          digestId: randomUUID(),
          kind: 'HELD_REMINDERS',
          recipient: person(cast.client) as never,
          channels: ['WEBHOOK'],
          reminderIds: [randomUUID()],
          draftIds: [],
        },
        context: { actor, now },
      },
    },
  ]);
  if (outcome instanceof Error) throw outcome;
}

/** One write of the load that runs during the rebuild: a new engagement with homework (ids of what it made). */
async function oneWrite(cast: Cast): Promise<{ engagementId: string; homeworkId: string }> {
  const s = new Story(api, cast);
  const e = await s.open(`Written during the rebuild ${randomUUID().slice(0, 8)}`);
  await s.intake(e.id);
  const h = await s.assign(e.id, 'During the rebuild');
  return { engagementId: e.id, homeworkId: h.id };
}

/** md5 of the ordered rows of a table's rows of one practice, in `schema`. */
async function checksum(schema: string, table: string, practiceId: string): Promise<{ rows: number; md5: string }> {
  const { rows: cols } = await owner.query<{ attname: string }>(
    `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [`public.${table}`],
  );
  const list = cols.map((c) => `t."${c.attname}"`).join(', ');
  const { rows } = await owner.query<{ n: number; md5: string }>(
    `SELECT count(*)::int AS n, md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) AS md5
       FROM (SELECT ROW(${list})::text AS r FROM ${schema}.${table} t WHERE t.practice_id = $1) s`,
    [practiceId],
  );
  return { rows: rows[0]!.n, md5: rows[0]!.md5 };
}

/** What hangs on a table besides its rows, as the catalog describes it (OID left out). */
async function catalog(table: string) {
  const { rows: [cls] } = await owner.query(
    `SELECT c.oid::text AS oid, pg_get_userbyid(c.relowner) AS owner, c.relrowsecurity, c.relforcerowsecurity,
            ARRAY(SELECT (a.grantee::regrole::text || ':' || a.privilege_type) FROM aclexplode(c.relacl) a ORDER BY 1) AS grants
       FROM pg_class c WHERE c.oid = $1::regclass`,
    [`public.${table}`],
  );
  const { rows: policies } = await owner.query(
    `SELECT policyname, permissive, roles::text, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'public' AND tablename = $1 ORDER BY 1`,
    [table],
  );
  const { rows: indexes } = await owner.query(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 ORDER BY 1`,
    [table],
  );
  const { rows: constraints } = await owner.query(
    `SELECT conname, contype, pg_get_constraintdef(oid) AS def, confrelid::regclass::text AS references
       FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY 1`,
    [`public.${table}`],
  );
  const { oid, ...rest } = cls as { oid: string };
  return { oid, shape: { ...rest, policies, indexes, constraints } };
}

beforeAll(async () => {
  setTestEnv();
  api = await TestApi.start();
  owner = testPool(4);
  app = pgPool(TEST_APP_DATABASE_URL, 2);
});
afterAll(async () => {
  await owner?.query(`DROP TABLE IF EXISTS ${ENGAGEMENT_READ_MODELS.map((t) => `rebuild_previous.${t}`).join(', ')}`).catch(() => undefined);
  await app?.end();
  await owner?.end();
  await api?.close();
});

it('rebuilds the read models under load, swaps them in atomically, and they equal the log', async () => {
  const aEngagement = await history(a, false);
  const bEngagement = await history(b, true);
  await history(b, false);

  const before = Object.fromEntries(await Promise.all(ENGAGEMENT_READ_MODELS.map(async (t) => [t, await catalog(t)] as const)));
  const bBefore = Object.fromEntries(await Promise.all(ENGAGEMENT_READ_MODELS.map(async (t) => [t, await checksum('public', t, b.practiceId)] as const)));
  const bEngagementBefore = ok(await api.gql(Q.timeline, { id: bEngagement, first: 50 }, b.admin));

  // practice A keeps writing through the API for the whole rebuild
  const written: { engagementId: string; homeworkId: string }[] = [];
  let stop = false;
  const load = Promise.all(
    [0, 1].map(async () => {
      while (!stop) written.push(await oneWrite(a));
    }),
  );

  const atPoints: { engagementId: string; homeworkId: string }[] = [];
  let blocked: Promise<{ engagementId: string; homeworkId: string }> | null = null;
  const { report } = await rebuildProjection(['engagement', '--keep-previous', '--concurrency', '3', '--batch-size', '500'], out, {
    afterLoad: async () => {
      atPoints.push(await oneWrite(a)); // committed after the first pass: the catch-up takes it
    },
    beforeSwap: async () => {
      atPoints.push(await oneWrite(a)); // committed after the last catch-up: applied inside the swap's lock
    },
    whileLocked: async () => {
      // a write that reaches the read models while they are locked: it waits, then lands in the new tables
      blocked = new Story(api, a).assign(aEngagement, 'Assigned while the tables were locked').then((h) => ({ engagementId: aEngagement, homeworkId: h.id }));
      await waitFor('a writer to wait on the locked read models', async () => {
        const { rows } = await owner.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = ANY($1::regclass[])`,
          [ENGAGEMENT_READ_MODELS.map((t) => `public.${t}`)],
        );
        return rows[0]!.n > 0;
      });
    },
  });
  stop = true;
  await load;
  atPoints.push(await blocked!);

  expect(report!.loaded.events).toBeGreaterThan(0);
  expect(report!.swap.finalEvents).toBeGreaterThan(0);
  expect(lines.some((l) => /^rebuild rate: \d+ events\/s/.test(l))).toBe(true);
  console.log(`rebuild-projection: ${lines.join('\n  ')}`);

  // nothing acknowledged during the rebuild is missing from the new tables
  const all = [...written, ...atPoints];
  expect(all.length).toBeGreaterThan(3);
  const { rows: found } = await owner.query<{ id: string }>('SELECT id FROM public.homework WHERE id = ANY($1::uuid[])', [all.map((w) => w.homeworkId)]);
  expect(found.map((r) => r.id).sort()).toEqual(all.map((w) => w.homeworkId).sort());
  // and every engagement of A stands at its stream's version (no event skipped or applied twice)
  const { rows: versions } = await owner.query<{ id: string; version: number; stream: number }>(
    `SELECT e.id, e.version, (SELECT max(version) FROM events v WHERE v.stream_id = e.id::text)::int AS stream
       FROM public.engagements e WHERE e.practice_id = $1`,
    [a.practiceId],
  );
  for (const v of versions) expect([v.id, v.version]).toEqual([v.id, v.stream]);

  // B was not written during the rebuild: its rows in the new tables equal the replaced ones, and the API answers the same
  for (const t of ENGAGEMENT_READ_MODELS) {
    expect([t, await checksum('public', t, b.practiceId)]).toEqual([t, bBefore[t]]);
    expect([t, await checksum('rebuild_previous', t, b.practiceId)]).toEqual([t, bBefore[t]]);
  }
  expect(ok(await api.gql(Q.timeline, { id: bEngagement, first: 50 }, b.admin))).toEqual(bEngagementBefore);

  // new tables (new OIDs), with everything the old ones had: owner, RLS forced, policies, grants, indexes, constraints
  for (const t of ENGAGEMENT_READ_MODELS) {
    const after = await catalog(t);
    expect(after.oid).not.toBe(before[t]!.oid);
    expect(after.shape).toEqual(before[t]!.shape);
  }

  // the live tables (rebuilt, then written to by the API, still being written to) equal a fresh rebuild from the log,
  // compared at one snapshot of the database
  const verifyLines = lines.length;
  stop = false;
  const moreLoad = (async () => {
    while (!stop) written.push(await oneWrite(a));
  })();
  const { comparison } = await rebuildProjection(['engagement', '--verify', '--practice', a.practiceId, '--practice', b.practiceId], out).finally(
    () => (stop = true),
  );
  await moreLoad;
  expect(comparison!.filter((c) => !c.equal)).toEqual([]);
  expect(comparison!.find((c) => c.table === 'homework')!.live.rows).toBeGreaterThan(all.length);
  expect(lines.slice(verifyLines).at(-1)).toBe('the live read models equal a fresh rebuild from the event log');

  // and so do every other practice's (whatever other tests wrote into this database before)
  const { comparison: everything } = await rebuildProjection(['engagement', '--verify'], out);
  expect(everything!.filter((c) => !c.equal)).toEqual([]);
});

it('runs one rebuild at a time per database', async () => {
  const held = await owner.connect();
  try {
    await held.query(`SELECT pg_advisory_lock(hashtextextended('rebuild-projection:engagement', 0))`);
    await expect(rebuildProjection(['engagement'], out)).rejects.toThrow(/another rebuild-projection .* is running/);
  } finally {
    await held.query(`SELECT pg_advisory_unlock(hashtextextended('rebuild-projection:engagement', 0))`);
    held.release();
  }
});

it('keeps practices apart on the new tables, as the service role sees them', async () => {
  const asApp = <T>(practiceId: string | null, fn: (c: pg.PoolClient) => Promise<T>) => inPracticeTransaction(app, practiceId, fn);

  for (const t of ENGAGEMENT_READ_MODELS) {
    const { rows: mine } = await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.${t} WHERE practice_id = $1`, [a.practiceId]);
    expect(mine[0]!.n).toBeGreaterThan(0);
    await asApp(null, async (c) => {
      expect([t, (await c.query(`SELECT count(*)::int AS n FROM public.${t}`)).rows[0].n]).toEqual([t, 0]);
    });
    await asApp(a.practiceId, async (c) => {
      const { rows } = await c.query<{ practice_id: string; n: number }>(`SELECT practice_id, count(*)::int AS n FROM public.${t} GROUP BY 1`);
      expect([t, rows]).toEqual([t, [{ practice_id: a.practiceId, n: mine[0]!.n }]]);
      await expect(c.query(`UPDATE public.${t} SET practice_id = $1 WHERE practice_id = $2`, [b.practiceId, a.practiceId])).rejects.toThrow(
        /row-level security/,
      );
    });
  }
  // the service role cannot reach the replaced tables or the copies' schema
  await asApp(a.practiceId, async (c) => {
    await expect(c.query('SELECT 1 FROM rebuild_previous.engagements LIMIT 1')).rejects.toThrow(/permission denied/);
  });
  // and the API keeps working on them: reads and writes of A, nothing of B visible to A
  const s = new Story(api, a);
  const e = await s.open('After the swap');
  const page = ok(await api.gql<{ engagements: { edges: { node: { id: string } }[] } }>(Q.engagements, { first: 100 }, a.admin));
  expect(page.engagements.edges.map((x) => x.node.id)).toContain(e.id);
  expect(codeOf(await api.gql(Q.engagement, { id: e.id }, b.admin))).toBe('NOT_FOUND');
});

it('bulk-loads a log holding every engagement event type into exactly the rows the projector made of it', async () => {
  // histories interleaved in the log, one of them ending on reminders (the projector defers their touch to the end of a batch)
  const s = new Story(api, b);
  const e1 = await s.open('Ends on reminders');
  const e2 = await s.open('Interleaved');
  await s.intake(e2.id);
  await s.intake(e1.id);
  const h1 = await s.assign(e1.id, 'Due soon');
  const h2 = await s.assign(e2.id, 'Also due', null);
  await s.submit(h2.id);
  await remind(b, e1.id, h1.id);
  await s.submit(h1.id);
  await remind(b, e1.id, h1.id);
  await remind(b, e1.id, null);

  const { rows: types } = await owner.query<{ type: string; n: number }>(
    'SELECT type, count(*)::int AS n FROM events WHERE type = ANY($1) GROUP BY type',
    [ENGAGEMENT_EVENT_TYPES],
  );
  expect(types.map((t) => t.type).sort()).toEqual([...ENGAGEMENT_EVENT_TYPES].sort());
  const total = types.reduce((sum, t) => sum + t.n, 0);

  // no load: the first pass (the bulk load) takes the whole log, and --verify compares its tables with the live ones,
  // which the projector wrote command by command. (The first pass stops short of a transaction still running, such as
  // the API's asynchronous projection moving its checkpoint: then the per-event catch-up takes the rest, so try again.)
  const { comparison, folded } = await waitFor('a verify whose bulk load takes the whole log', async () => {
    const from = lines.length;
    const { comparison } = await rebuildProjection(['engagement', '--verify'], out);
    expect(lines.slice(from).some((l) => l.startsWith('bulk load not possible'))).toBe(false);
    const bulk = lines.slice(from).find((l) => l.startsWith('bulk load: '));
    const folded = Number(/^bulk load: (\d+) engagement events folded/.exec(bulk ?? '')?.[1]);
    return folded >= total ? { comparison, folded } : null;
  });
  expect(folded).toBeGreaterThanOrEqual(total);
  expect(comparison!.filter((c) => !c.equal)).toEqual([]);
  for (const t of ENGAGEMENT_READ_MODELS) expect([t, comparison!.find((c) => c.table === t)!.live.rows > 0]).toEqual([t, true]);
});

it('hands the first pass over to the per-event projector where the fold reaches its heap budget', async () => {
  const log: string[] = [];
  const rebuild = new ReadModelRebuild({
    store: api.app.get(PostgresEventStore),
    readPool: api.app.get(Database).pool,
    owner,
    concurrency: 2,
    batchSize: 25,
    bulkHeapBudget: 1, // spent by the first batch: its rows are written, the projector applies the rest
    log: (line) => void log.push(line),
  });
  const comparison = await waitFor('a verify whose bulk load stopped at its budget', async () => {
    log.length = 0;
    const comparison = await rebuild.verify();
    expect(comparison.filter((c) => !c.equal)).toEqual([]);
    return log.some((l) => l.startsWith('bulk load stopped at its heap budget')) ? comparison : null;
  });
  // one batch folded (fewer engagement events when the log's first 25 hold others), the rest applied by the projector
  expect(Number(/^bulk load: (\d+) engagement events folded/.exec(log.find((l) => l.startsWith('bulk load: ')) ?? '')?.[1])).toBeLessThanOrEqual(25);
  expect(comparison.find((c) => c.table === 'homework')!.live.rows).toBeGreaterThan(0);
});

it('folds a log with ids in upper case (as an importer might append them) into the same tables as the projector', async () => {
  // ids in upper case: one uuid to PostgreSQL, and one key to the fold (it lower-cases them); projected into the live
  // tables by the projector (the same fold, inline) and rebuilt by the bulk load: the tables must be equal
  const practiceId = `rebuild-fallback-${randomUUID().slice(0, 8)}`;
  const stream = randomUUID().toUpperCase();
  const at = new Date(Date.now() - 60_000);
  const client = await owner.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(
      `INSERT INTO events (event_id, stream_id, version, type, data, metadata, practice_id, occurred_at)
       SELECT gen_random_uuid(), $1, v, type, data, jsonb_build_object('practiceId', $2::text, 'actorId', 'importer', 'actorRole', 'SYSTEM',
              'correlationId', 'c', 'causationId', 'c', 'occurredAt', $3::text), $2, $3::timestamptz
         FROM (VALUES (1, 'EngagementOpened', $4::jsonb), (2, 'IntakeRecorded', $5::jsonb), (3, 'HomeworkAssigned', $6::jsonb)) AS e(v, type, data)
       RETURNING *`,
      [
        stream,
        practiceId,
        at.toISOString(),
        JSON.stringify({ engagementId: stream, practiceId, title: 'Imported', coach: { id: 'c', name: 'C', email: null }, client: { id: 'k', name: 'K', email: null } }),
        JSON.stringify({ presentingQuestion: 'q', background: 'b', goals: [], currentStrategy: 's', baseline: [] }),
        JSON.stringify({ homeworkId: randomUUID().toUpperCase(), title: 'Imported homework', instructions: 'i', dueAt: null }),
      ],
    );
    const events = rows.map((r) => ({ ...r, streamId: r.stream_id, occurredAt: r.occurred_at, transactionId: '0', schemaVersion: 1 }));
    await new EngagementProjector('public').apply({ query: (text, values) => client.query(text, values) as never }, events);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }

  const { comparison } = await rebuildProjection(['engagement', '--verify'], out);
  expect(comparison!.filter((c) => !c.equal)).toEqual([]);
  const { rows } = await owner.query('SELECT id::text, open_homework_count FROM public.engagements WHERE practice_id = $1', [practiceId]);
  expect(rows).toEqual([{ id: stream.toLowerCase(), open_homework_count: 1 }]);
});
