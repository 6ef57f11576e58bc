import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import pg from 'pg';
import { configFrom, parseConfig, TokenService } from '#platform';
import { freePort, startPgBouncer, testUsers, type PgBouncer } from '../../scripts/pgbouncer.mjs';
import { migrateTestDatabase, pgPool, TEST_APP_DATABASE_URL, TEST_DATABASE_URL } from '../support/db.js';
import { TEST_JWT_SECRET } from '../support/env.js';
import { M } from '../support/engagements.js';
import { uniqueId } from '../support/ids.js';
import { AppProcess } from '../support/processes.js';

// 4 API processes of the compiled build, each with a pool of 20, through one PgBouncer in
// transaction pooling mode with 20 server connections: a bounded mutation load from two practices
// at once. Row-level security's practice setting is transaction-local (set_config(..., true) in the
// BEGIN round trip), so a server connection passed from one practice's transaction to the other's
// carries nothing over: no request fails, and no answer or row crosses practices.

jest.setTimeout(240_000);

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const API_ENTRY = `${ROOT}dist/apps/api/src/main.js`;
const APIS = 4;
const POOL = 20;
const SERVER_CONNECTIONS = 20;
const MUTATIONS_PER_PRACTICE = 400;
const CONCURRENCY = 120; // above 4 × 20, so every API's pool fills up

let bouncer: PgBouncer;
const apis: AppProcess[] = [];
let owner: pg.Pool;
const database = new URL(TEST_DATABASE_URL).pathname.slice(1);

const tokens = new TokenService(configFrom(parseConfig({ NODE_ENV: 'test', DATABASE_URL: TEST_APP_DATABASE_URL, JWT_SECRET: TEST_JWT_SECRET })));

beforeAll(async () => {
  const started = Date.now();
  spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(API_ENTRY) || statSync(API_ENTRY).mtimeMs < started - 1_000) throw new Error(`the build did not produce ${API_ENTRY}`);
  await migrateTestDatabase();
  owner = pgPool(TEST_DATABASE_URL, 2);
  bouncer = await startPgBouncer({ upstream: TEST_DATABASE_URL, users: testUsers(TEST_DATABASE_URL), poolSize: SERVER_CONNECTIONS });
  const pooled = bouncer.url('coaching_app', database, process.env.TEST_APP_DATABASE_PASSWORD ?? '');
  for (let i = 0; i < APIS; i++) {
    const port = await freePort();
    apis.push(
      await new AppProcess('api', {
        PORT: String(port),
        DATABASE_URL: pooled,
        DATABASE_DIRECT_URL: TEST_APP_DATABASE_URL,
        DATABASE_POOL_SIZE: String(POOL),
        RATE_LIMIT: 'off',
        QUEUE_PREFIX: `pgb-${uniqueId('q')}`,
      }).start(),
    );
  }
});

afterAll(async () => {
  await Promise.all(apis.map((a) => a.stop().catch(() => a.kill('SIGKILL'))));
  await bouncer?.stop();
  await owner?.end();
});

const portOf = (a: AppProcess) => a.env.PORT!;

async function gql<T>(api: AppProcess, token: string, query: string, variables: Record<string, unknown>): Promise<{ data: T | null; errors?: unknown[] }> {
  const res = await fetch(`http://127.0.0.1:${portOf(api)}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data: T | null; errors?: unknown[] };
}

async function serverConnections(): Promise<number> {
  const { rows } = await owner.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = 'coaching_app' AND application_name NOT LIKE 'subscriber:%' AND application_name <> 'engagement-event-feed'`,
    [database],
  );
  return rows[0]!.n;
}

it('4 APIs × pool 20 through 20 server connections: two practices write at once, no error, no foreign row', async () => {
  const practices = [uniqueId('pgb-a'), uniqueId('pgb-b')];
  const coach = (practiceId: string) => tokens.issue({ sub: 'coach-1', practiceId, role: 'COACH', name: 'Coach', expiresIn: 3600 });
  const tokenOf = Object.fromEntries(await Promise.all(practices.map(async (p) => [p, await coach(p)] as const)));
  // one engagement per practice per API, opened through that API
  const engagements: Record<string, string[]> = { [practices[0]!]: [], [practices[1]!]: [] };
  for (const p of practices) {
    for (const api of apis) {
      const r = await gql<{ openEngagement: { id: string } }>(
        api,
        tokenOf[p]!,
        `mutation ($input: OpenEngagementInput!) { openEngagement(input: $input) { id } }`,
        { input: { coach: { id: 'coach-1', name: 'Coach' }, client: { id: 'client-1', name: 'Client' }, title: `${p} engagement` } },
      );
      expect(r.errors).toBeUndefined();
      const id = r.data!.openEngagement.id;
      const intake = await gql(api, tokenOf[p]!, M.recordIntake, {
        input: { engagementId: id, presentingQuestion: 'Why?', background: 'IT', goals: ['Interviews'], currentStrategy: 'Job boards', baseline: [] },
      });
      expect(intake.errors).toBeUndefined();
      engagements[p]!.push(id);
    }
  }

  // the load: each practice's mutations and list reads interleaved, spread over the four APIs
  const work = Array.from({ length: MUTATIONS_PER_PRACTICE * 2 }, (_, i) => ({ practice: practices[i % 2]!, i }));
  const errors: unknown[] = [];
  const foreign: string[] = [];
  let peakServers = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakServers = Math.max(peakServers, await serverConnections());
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < work.length) {
        const { practice, i } = work[next++]!;
        const api = apis[i % APIS]!;
        const mine = engagements[practice]!;
        const engagementId = mine[i % mine.length]!;
        const title = `${practice} task ${i}`;
        const m = await gql<{ assignHomework: { id: string; title: string } }>(
          api,
          tokenOf[practice]!,
          `mutation ($input: AssignHomeworkInput!) { assignHomework(input: $input) { id title } }`,
          { input: { engagementId, title, instructions: 'Do it.', dueAt: null } },
        );
        if (m.errors) errors.push(m.errors);
        else if (m.data!.assignHomework.title !== title) foreign.push(`answer ${m.data!.assignHomework.title} to ${practice}`);
        if (i % 5 === 0) {
          const q = await gql<{ engagements: { edges: { node: { id: string; title: string } }[] } }>(
            api,
            tokenOf[practice]!,
            `query { engagements(first: 50) { edges { node { id title } } } }`,
            {},
          );
          if (q.errors) errors.push(q.errors);
          for (const e of q.data?.engagements.edges ?? []) if (!mine.includes(e.node.id)) foreign.push(`${practice} saw ${e.node.title}`);
        }
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  sampling = false;
  await sampler;

  expect(errors).toEqual([]);
  expect(foreign).toEqual([]);
  // what was stored: every homework row sits in its engagement's practice, and each practice has all of its own
  const { rows } = await owner.query<{ practice_id: string; title: string; engagement_practice: string }>(
    `SELECT h.practice_id, h.title, e.practice_id AS engagement_practice
       FROM homework h JOIN engagements e ON e.id = h.engagement_id WHERE e.practice_id = ANY($1)`,
    [practices],
  );
  expect(rows).toHaveLength(MUTATIONS_PER_PRACTICE * 2);
  for (const r of rows) {
    expect(r.practice_id).toBe(r.engagement_practice);
    expect(r.title.startsWith(`${r.practice_id} `)).toBe(true);
  }
  const { rows: events } = await owner.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM events WHERE practice_id = ANY($1) AND (metadata->>'practiceId') IS DISTINCT FROM practice_id`,
    [practices],
  );
  expect(events[0]!.n).toBe(0);
  // PgBouncer never opened more server connections than it was given
  expect(peakServers).toBeLessThanOrEqual(SERVER_CONNECTIONS);
  const clients = await bouncerClients();
  console.log(
    `pgbouncer: ${APIS} APIs × pool ${POOL}: ${clients} client connections at the end, peak ${peakServers} PostgreSQL connections (limit ${SERVER_CONNECTIONS}); ` +
      `${MUTATIONS_PER_PRACTICE * 2} mutations + ${(MUTATIONS_PER_PRACTICE * 2) / 5} lists in ${seconds.toFixed(1)} s at concurrency ${CONCURRENCY}`,
  );
});

/** Client connections PgBouncer holds for the service role (its admin console: SHOW CLIENTS). */
async function bouncerClients(): Promise<number> {
  const admin = new pg.Client({ connectionString: bouncer.url(testUsers(TEST_DATABASE_URL)[0]!.user, 'pgbouncer') });
  await admin.connect();
  try {
    const { rows } = await admin.query({ text: 'SHOW CLIENTS', rowMode: 'array' } as never);
    return (rows as unknown[][]).filter((r) => r[1] === 'coaching_app').length;
  } finally {
    await admin.end();
  }
}
