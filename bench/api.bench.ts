
import type autocannon from 'autocannon';
import type pg from 'pg';
import { configFrom, parseConfig, TokenService } from '#platform';
import { PROTECTION_PROFILES, withoutRowLevelSecurity } from '../apps/api/src/security/protection-profiles.js';
import { ASSIGN_HOMEWORK, assignVariables, postGraphql } from './coaching-client.js';
import { cannon } from './load.js';
import { freePort, startApp } from './processes.js';
import { record } from './support.js';

interface Ctx {
  url: string;
  token: (role: 'ADMIN' | 'COACH' | 'CLIENT', sub: string) => Promise<string>;
}

function gql(ctx: Ctx, token: string, query: string, variables: unknown = {}): Promise<any> {
  return postGraphql(ctx.url, token, query, variables);
}

/** One API process and the engagements its load is spread over. */
interface Target extends Ctx {
  label: string;
  practiceId: string;
  coach: string;
  client: string;
  engagementIds: string[];
  stop(): Promise<void>;
}

async function startTarget(label: string, env: Record<string, string>): Promise<Target> {
  const port = await freePort();
  const api = await startApp('api', env, port);
  const practiceId = `bench-api-${label}`;
  const tokens = new TokenService(configFrom(parseConfig({ ...process.env, ...env })));
  const token = (role: 'ADMIN' | 'COACH' | 'CLIENT', sub: string) => tokens.issue({ practiceId, role, sub, expiresIn: 3600 });
  const target: Target = {
    label,
    practiceId,
    url: api.url,
    token,
    coach: await token('COACH', 'coach-bench'),
    client: await token('CLIENT', 'client-bench'),
    engagementIds: [],
    stop: () => api.stop(),
  };
  // 256 engagements to spread writers over streams, as a practice would
  for (let i = 0; i < 256; i += 16) {
    const ids = await Promise.all(
      Array.from({ length: 16 }, async (_, k) => {
        const d = await gql(target, target.coach, 'mutation ($i: OpenEngagementInput!) { openEngagement(input: $i) { id } }', {
          i: { coach: { id: 'coach-bench', name: 'Coach' }, client: { id: 'client-bench', name: 'Client' }, title: `Engagement ${i + k}` },
        });
        const id = d.openEngagement.id as string;
        await gql(target, target.coach, 'mutation ($i: RecordIntakeInput!) { recordIntake(input: $i) { id } }', {
          i: { engagementId: id, presentingQuestion: 'What am I doing wrong?', background: '', goals: [], currentStrategy: '', baseline: [] },
        });
        return id;
      }),
    );
    target.engagementIds.push(...ids);
  }
  return target;
}

/** rounds of each profile in the protections' cost */
const ROUNDS = 4;
const DUE_AT = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
const listQuery = (size: number) => `{ engagements(first: ${size}) { edges { node { id homework { id drafts { id feedback { id } } } } } } }`;

function trivialLoad(t: Target, seconds: number): Promise<autocannon.Result> {
  return cannon({
    url: `${t.url}/graphql`,
    connections: 32,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.coach}` },
    body: JSON.stringify({ query: '{ viewer { id } }' }),
  });
}

/** assignHomework at 32 connections; the stored count comes from the event log, not from the answers. */
async function assignLoad(pool: pg.Pool, t: Target, seconds: number): Promise<{ result: autocannon.Result; stored: number }> {
  let n = 0;
  const before = await countEvents(pool, t.practiceId, 'HomeworkAssigned');
  const result = await cannon({
    url: `${t.url}/graphql`,
    connections: 32,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.coach}` },
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            query: ASSIGN_HOMEWORK,
            variables: assignVariables(t.engagementIds, n++, DUE_AT),
          }),
        }),
      },
    ],
  });
  return { result, stored: (await countEvents(pool, t.practiceId, 'HomeworkAssigned')) - before };
}

function listLoad(t: Target, size: number, seconds: number): Promise<autocannon.Result> {
  return cannon({
    url: `${t.url}/graphql`,
    connections: 8,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.coach}` },
    body: JSON.stringify({ query: listQuery(size) }),
  });
}

/**
 * Mutations over HTTP at 32 connections beside a trivial query served by the
 * same server in the same run, and the engagement list at three page sizes;
 * then what the protections cost: the same mutation and list with GraphQL
 * limits and rate limit off, and with row-level security off, in alternating
 * rounds against API processes running side by side.
 */
export async function benchApi(pool: pg.Pool, env: Record<string, string>, opts: { seconds: number; ownerUrl: string }): Promise<void> {
  const seconds = opts.seconds;
  const deployed = { ...env, ...PROTECTION_PROFILES.on };
  const main = await startTarget('main', deployed);
  // the cost rounds run on processes of their own with equal, fresh data
  const targets = [
    await startTarget('deployed', deployed),
    await startTarget('limits-off', { ...env, ...PROTECTION_PROFILES.off }),
    await startTarget('rls-off', { ...deployed, ...withoutRowLevelSecurity(opts.ownerUrl) }),
    await startTarget('all-off', { ...env, ...PROTECTION_PROFILES.off, ...withoutRowLevelSecurity(opts.ownerUrl) }),
  ];
  try {
    const trivial = await trivialLoad(main, seconds);
    const assign = await assignLoad(pool, main, seconds);
    report('assignHomework', assign.result, trivial, assign.stored);

    const { rows } = await pool.query<{ id: string }>("SELECT id FROM homework WHERE practice_id = $1 AND status = 'ASSIGNED'", [main.practiceId]);
    let h = 0;
    const draftsBefore = await countEvents(pool, main.practiceId, 'DraftSubmitted');
    const submit = await cannon({
      url: `${main.url}/graphql`,
      connections: 32,
      duration: seconds,
      amount: rows.length,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${main.client}` },
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({
              query: 'mutation ($i: SubmitDraftInput!) { submitDraft(input: $i) { id revision } }',
              variables: { i: { homeworkId: rows[h++ % rows.length]!.id, content: 'My hook: I turn failing IT programmes around in 90 days.' } },
            }),
          }),
        },
      ],
    });
    const submitted = (await countEvents(pool, main.practiceId, 'DraftSubmitted')) - draftsBefore;
    report('submitDraft', submit, trivial, submitted);

    // the list at page sizes 10, 50, 200: latency and statements per request
    for (const size of [10, 50, 200]) {
      const probe = await fetch(`${main.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${main.coach}` },
        body: JSON.stringify({ query: listQuery(size) }),
      });
      const probeBody = (await probe.json()) as { extensions?: { sqlStatements?: number } };
      const list = await listLoad(main, size, Math.max(2, Math.round(seconds / 2)));
      record({
        section: 'api',
        name: `engagements(first: ${size}) with homework → drafts → feedback, 8 connections`,
        value: list.latency.p50,
        unit: 'ms p50',
        reference: { name: 'trivial query p50 at 32 connections', value: trivial.latency.p50, unit: 'ms' },
        extra: `p99 ${list.latency.p99} ms, ${Math.round(list.requests.average)} req/s${
          probeBody.extensions?.sqlStatements === undefined
            ? '' // production answers do not count statements; test/api/statements.e2e-spec.ts does
            : `, ${probeBody.extensions.sqlStatements} SQL statements per request (incl. BEGIN, set_config, COMMIT)`
        }`,
      });
    }

    // the protections' cost: every profile's best of ROUNDS rounds, the rounds rotating so drift
    // hits all alike. Lists first, over the same data everywhere (two homework per engagement);
    // then the mutation, which grows each target's data by its own speed.
    for (const t of targets) {
      for (let i = 0; i < t.engagementIds.length * 2; i += 32) {
        await Promise.all(
          Array.from({ length: 32 }, (_, k) =>
            gql(t, t.coach, 'mutation ($i: AssignHomeworkInput!) { assignHomework(input: $i) { id } }', {
              i: { engagementId: t.engagementIds[(i + k) % t.engagementIds.length]!, title: 'Articulate your hook', instructions: '', dueAt: DUE_AT },
            }),
          ),
        );
      }
    }
    const best = new Map<string, { mutation: number; list: number }>(targets.map((t) => [t.label, { mutation: 0, list: 0 }]));
    const round = Math.max(3, Math.round(seconds / 2));
    // each round starts with another profile, so no profile always runs first (or right after another)
    const inTurn = (r: number) => targets.map((_, i) => targets[(i + r) % targets.length]!);
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of inTurn(r)) {
        const l = await listLoad(t, 50, round);
        best.get(t.label)!.list = Math.max(best.get(t.label)!.list, l.requests.average);
      }
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of inTurn(r)) {
        const m = await assignLoad(pool, t, round);
        best.get(t.label)!.mutation = Math.max(best.get(t.label)!.mutation, m.stored / m.result.duration);
      }
    }
    const on = best.get('deployed')!;
    const compare = (label: string, what: string) => {
      const off = best.get(label)!;
      for (const [kind, value, ref] of [
        ['assignHomework', on.mutation, off.mutation],
        ['engagements(first: 50) list', on.list, off.list],
      ] as const) {
        record({
          section: 'api',
          name: `${kind} req/s with every protection vs ${what} off`,
          value,
          unit: 'req/s',
          reference: { name: `${what} off`, value: ref, unit: 'req/s' },
          target: '≥ 0.9× (cost under 10%)',
          met: value >= 0.9 * ref,
          extra: `cost ${(100 * (1 - value / ref)).toFixed(1)}%, best of ${ROUNDS} rotating ${round}-s rounds`,
        });
      }
    };
    compare('limits-off', 'GraphQL limits and rate limit');
    compare('rls-off', 'row-level security');
    compare('all-off', 'limits, rate limit and row-level security');
  } finally {
    for (const t of [main, ...targets]) await t.stop();
  }
}

function report(name: string, r: autocannon.Result, trivial: autocannon.Result, stored: number): void {
  const ok = r.non2xx === 0 && r.errors === 0;
  const perSecond = stored / r.duration;
  record({
    section: 'api',
    name: `${name} over HTTP, 32 connections`,
    value: perSecond,
    unit: 'req/s (stored)',
    reference: { name: 'trivial query { viewer { id } }', value: trivial.requests.average, unit: 'req/s' },
    target: '≥ 0.3× the trivial query',
    met: perSecond >= 0.3 * trivial.requests.average,
    extra: `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms; ${r.requests.total} requests, ${stored} stored${ok ? '' : `, ${r.non2xx} non-2xx, ${r.errors} errors`}`,
  });
}

async function countEvents(pool: pg.Pool, practiceId: string, type: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE type = $1 AND practice_id = $2', [type, practiceId]);
  return Number(rows[0]!.n);
}

