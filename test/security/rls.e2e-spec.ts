import pg from 'pg';
import { TestApi, type Caller } from '../support/api.js';
import { inPracticeTransaction, pgPool, TEST_APP_DATABASE_URL, testPool } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import { PRACTICE_TABLES } from '../../libs/platform/src/database/migrations/1764000000004-row-level-security.js';

// Practice isolation below the application: the service's database role sees
// nothing without a practice set, and only that practice's rows with one.

const TABLES = PRACTICE_TABLES;

let api: TestApi;
let owner: pg.Pool;
let app: pg.Pool;
const practiceA = uniqueId('rls-a');
const practiceB = uniqueId('rls-b');

async function story(practiceId: string): Promise<string> {
  const coach: Caller = { id: 'coach-1', role: 'COACH', practiceId };
  const client: Caller = { id: 'client-1', role: 'CLIENT', practiceId };
  const admin: Caller = { id: 'admin-1', role: 'ADMIN', practiceId };
  const must = async (p: ReturnType<TestApi['gql']>) => {
    const r = await p;
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data as any;
  };
  await must(api.gql('mutation { updatePracticeSettings(input: { emailReminders: false, feedbackWindowMinutes: 600 }) { emailReminders } }', {}, admin));
  const id = (await must(api.gql(
    'mutation ($i: OpenEngagementInput!) { openEngagement(input: $i) { id } }',
    { i: { coach: { id: 'coach-1', name: 'Coach' }, client: { id: 'client-1', name: 'Client' }, title: `Isolation ${practiceId}` } },
    coach,
  ))).openEngagement.id as string;
  await must(api.gql(
    'mutation ($i: RecordIntakeInput!) { recordIntake(input: $i) { id } }',
    { i: { engagementId: id, presentingQuestion: 'Q', background: '', goals: [], currentStrategy: '', baseline: [{ channel: 'JOB_BOARD', applications: 5, interviews: 1 }] } },
    coach,
  ));
  const hw = (await must(api.gql(
    'mutation ($i: AssignHomeworkInput!) { assignHomework(input: $i) { id } }',
    { i: { engagementId: id, title: 'Hook', instructions: '', dueAt: new Date(Date.now() + 86_400_000).toISOString(), idempotencyKey: `k-${practiceId}` } },
    coach,
  ))).assignHomework.id as string;
  const draft = (await must(api.gql('mutation ($i: SubmitDraftInput!) { submitDraft(input: $i) { id } }', { i: { homeworkId: hw, content: 'Draft' } }, client))).submitDraft.id;
  await must(api.gql('mutation ($i: GiveFeedbackInput!) { giveFeedback(input: $i) { id } }', { i: { draftId: draft, verdict: 'CHANGES_REQUESTED', comments: 'More' } }, coach));
  await must(api.gql(
    'mutation ($i: LogCoachingSessionInput!) { logCoachingSession(input: $i) { id } }',
    { i: { engagementId: id, heldAt: new Date(Date.now() - 3_600_000).toISOString(), durationMinutes: 45, summary: 'Talked' } },
    coach,
  ));
  return id;
}

beforeAll(async () => {
  api = await TestApi.start();
  owner = testPool(3);
  app = pgPool(TEST_APP_DATABASE_URL, 3);
  await story(practiceA);
  await story(practiceB);
  // a reminder row and a snapshot for each practice (no scheduler runs here; snapshots come every 20 versions)
  for (const p of [practiceA, practiceB]) {
    await owner.query(
      `INSERT INTO engagement_snapshots (stream_id, practice_id, version, state_version, state)
       SELECT id::text, practice_id, version, 0, '{}' FROM engagements WHERE practice_id = $1`,
      [p],
    );
    await owner.query(
      `INSERT INTO reminders (id, practice_id, engagement_id, kind, recipient_id, recipient_name, recipient_role, scheduled_for, status)
       SELECT gen_random_uuid(), practice_id, id, 'HOMEWORK_OVERDUE', client_id, client_name, 'CLIENT', now() + interval '1 day', 'SCHEDULED'
         FROM engagements WHERE practice_id = $1`,
      [p],
    );
  }
});
afterAll(async () => {
  await app?.end();
  await owner?.end();
  await api?.close();
});

const asApp = <T>(practiceId: string | null, fn: (c: pg.PoolClient) => Promise<T>) => inPracticeTransaction(app, practiceId, fn);

describe('row-level security', () => {
  it('the service role is neither superuser, nor BYPASSRLS, nor the owner of any table', async () => {
    const { rows } = await owner.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
      "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'coaching_app'",
    );
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false }]);
    const { rows: owned } = await owner.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'coaching_app'");
    expect(owned).toEqual([]);
    const { rows: forced } = await owner.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      'SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY($1) ORDER BY relname',
      [TABLES],
    );
    expect(forced).toHaveLength(TABLES.length);
    for (const t of forced) expect([t.relname, t.relrowsecurity, t.relforcerowsecurity]).toEqual([t.relname, true, true]);
  });

  it('the apps under test really connect as the service role', async () => {
    const { rows } = await owner.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE usename = 'coaching_app' AND datname = current_database()",
    );
    expect(Number(rows[0]!.n)).toBeGreaterThan(0);
  });

  it.each(TABLES)('%s: no practice set → 0 rows; practice A set → only A\'s rows', async (table) => {
    const { rows: total } = await owner.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE practice_id = ANY($1)`, [[practiceA, practiceB]]);
    expect(Number(total[0]!.n)).toBeGreaterThan(0); // there is something to hide
    await asApp(null, async (c) => {
      const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      expect(Number(rows[0]!.n)).toBe(0);
    });
    await asApp(practiceA, async (c) => {
      const { rows } = await c.query<{ practice_id: string; n: string }>(`SELECT practice_id, count(*) AS n FROM ${table} GROUP BY practice_id`);
      expect(rows.map((r) => r.practice_id)).toEqual([practiceA]);
    });
  });

  it('refuses to write a row into another practice than the one set', async () => {
    await asApp(practiceA, async (c) => {
      await expect(
        c.query(`INSERT INTO practice_settings (practice_id) VALUES ($1)`, [practiceB]),
      ).rejects.toThrow(/row-level security/);
    });
  });

  it('cannot switch the cross-practice bypass on for itself', async () => {
    await asApp(null, async (c) => {
      await c.query("SELECT set_config('app.system_reader', 'on', true)");
      const { rows } = await c.query<{ n: string }>('SELECT count(*) AS n FROM events');
      expect(Number(rows[0]!.n)).toBe(0);
    });
  });

  it('reads the whole log only through the subscribers\' definer function', async () => {
    // the log is read below the oldest running transaction of the whole cluster: on a busy machine
    // another database's transaction can hold that horizon back for a while, so wait for it to pass
    const seen = await waitFor('both practices\' events below the commit horizon', () =>
      asApp(null, async (c) => {
        const { rows } = await c.query<{ practice_id: string }>(
          "SELECT DISTINCT practice_id FROM event_store_read_all('0'::xid8, 0, 100000) WHERE practice_id = ANY($1)",
          [[practiceA, practiceB]],
        );
        return rows.length === 2 ? rows.map((r) => r.practice_id).sort() : null;
      }),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(seen).toEqual([practiceA, practiceB].sort());
  });

  it('every definer function (each reads across practices) is the service role\'s to call, not everyone\'s', async () => {
    const { rows: definers } = await owner.query<{ fn: string; public: boolean; app: boolean }>(
      `SELECT p.oid::regprocedure::text AS fn,
              EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                       WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public,
              has_function_privilege('coaching_app', p.oid, 'EXECUTE') AS app
         FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef ORDER BY 1`,
    );
    expect(definers.length).toBeGreaterThan(0);
    expect(definers.filter((d) => d.public).map((d) => d.fn)).toEqual([]);
    expect(definers.filter((d) => !d.app).map((d) => d.fn)).toEqual([]);
  });

  it('cannot rewrite or delete stored events, even its own practice\'s', async () => {
    await asApp(practiceA, async (c) => {
      await expect(c.query("UPDATE events SET type = 'Forged' WHERE practice_id = $1", [practiceA])).rejects.toThrow(/permission denied/);
    });
    await asApp(practiceA, async (c) => {
      await expect(c.query('DELETE FROM events WHERE practice_id = $1', [practiceA])).rejects.toThrow(/permission denied/);
    });
  });
});

describe('1,000 concurrent requests of two practices over a 5-connection pool', () => {
  let small: TestApi;
  beforeAll(async () => {
    small = await TestApi.start({ DATABASE_POOL_SIZE: '5' });
  });
  afterAll(async () => {
    await small?.close();
  });

  it('return 0 foreign rows', async () => {
    const admins: Caller[] = [practiceA, practiceB].map((practiceId) => ({ id: 'admin-1', role: 'ADMIN', practiceId }));
    const query = `{ viewer { practiceId } engagements(first: 50) { edges { node { id title homework { id drafts { id feedback { id } } } } } } }`;
    const own = new Map<string, Set<string>>();
    for (const p of [practiceA, practiceB]) {
      const { rows } = await owner.query<{ id: string }>('SELECT id FROM engagements WHERE practice_id = $1', [p]);
      own.set(p, new Set(rows.map((r) => r.id)));
    }
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => small.gql<any>(query, {}, admins[i % 2]!).then((r) => ({ r, practiceId: admins[i % 2]!.practiceId }))),
    );
    let foreign = 0;
    let seen = 0;
    for (const { r, practiceId } of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data.viewer.practiceId).toBe(practiceId);
      for (const edge of r.data.engagements.edges) {
        seen += 1;
        if (!own.get(practiceId)!.has(edge.node.id)) foreign += 1;
        expect(edge.node.title).toBe(`Isolation ${practiceId}`);
      }
    }
    expect(seen).toBe(1000);
    expect(foreign).toBe(0);
  });
});
