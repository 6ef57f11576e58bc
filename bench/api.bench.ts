
import autocannon from 'autocannon';
import type pg from 'pg';
import { configFrom, parseConfig, TokenService } from '#platform';
import { startApp } from './processes.js';
import { record } from './support.js';

interface Ctx {
  url: string;
  token: (role: 'ADMIN' | 'COACH' | 'CLIENT', sub: string) => Promise<string>;
}

async function gql(ctx: Ctx, token: string, query: string, variables: unknown = {}): Promise<any> {
  const r = await fetch(`${ctx.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await r.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const PRACTICE = 'bench-api';

/**
 * Mutations over HTTP at 32 connections beside a trivial query served by the
 * same server in the same run, and the engagement list at three page sizes.
 */
export async function benchApi(pool: pg.Pool, env: Record<string, string>, opts: { seconds: number }): Promise<void> {
  const port = 3900 + Math.floor(Math.random() * 50);
  const api = await startApp('api', env, port);
  const tokens = new TokenService(configFrom(parseConfig({ ...process.env, ...env })));
  const ctx: Ctx = {
    url: api.url,
    token: (role, sub) => tokens.issue({ practiceId: PRACTICE, role, sub, expiresIn: 3600 }),
  };
  try {
    const coach = await ctx.token('COACH', 'coach-bench');
    const client = await ctx.token('CLIENT', 'client-bench');
    // 256 engagements to spread writers over streams, as a practice would
    const engagementIds: string[] = [];
    for (let i = 0; i < 256; i += 16) {
      const ids = await Promise.all(
        Array.from({ length: 16 }, async (_, k) => {
          const d = await gql(ctx, coach, 'mutation ($i: OpenEngagementInput!) { openEngagement(input: $i) { id } }', {
            i: { coach: { id: 'coach-bench', name: 'Coach' }, client: { id: 'client-bench', name: 'Client' }, title: `Engagement ${i + k}` },
          });
          const id = d.openEngagement.id as string;
          await gql(ctx, coach, 'mutation ($i: RecordIntakeInput!) { recordIntake(input: $i) { id } }', {
            i: { engagementId: id, presentingQuestion: 'What am I doing wrong?', background: '', goals: [], currentStrategy: '', baseline: [] },
          });
          return id;
        }),
      );
      engagementIds.push(...ids);
    }
    const seconds = opts.seconds;
    const trivial = await cannon({
      url: `${api.url}/graphql`,
      connections: 32,
      duration: seconds,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${coach}` },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    const dueAt = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
    let n = 0;
    const before = await countEvents(pool, 'HomeworkAssigned');
    const assign = await cannon({
      url: `${api.url}/graphql`,
      connections: 32,
      duration: seconds,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${coach}` },
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({
              query: 'mutation ($i: AssignHomeworkInput!) { assignHomework(input: $i) { id status } }',
              variables: { i: { engagementId: engagementIds[n++ % engagementIds.length], title: 'Articulate your hook', instructions: 'Script your pitch.', dueAt } },
            }),
          }),
        },
      ],
    });
    const assigned = (await countEvents(pool, 'HomeworkAssigned')) - before;
    report('assignHomework', assign, trivial, assigned);

    const { rows } = await pool.query<{ id: string }>("SELECT id FROM homework WHERE practice_id = $1 AND status = 'ASSIGNED'", [PRACTICE]);
    let h = 0;
    const draftsBefore = await countEvents(pool, 'DraftSubmitted');
    const submit = await cannon({
      url: `${api.url}/graphql`,
      connections: 32,
      duration: seconds,
      amount: rows.length,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${client}` },
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
    const submitted = (await countEvents(pool, 'DraftSubmitted')) - draftsBefore;
    report('submitDraft', submit, trivial, submitted);

    // the list at page sizes 10, 50, 200: latency and statements per request
    for (const size of [10, 50, 200]) {
      const query = `{ engagements(first: ${size}) { edges { node { id homework { id drafts { id feedback { id } } } } } } }`;
      const probe = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${coach}` },
        body: JSON.stringify({ query }),
      });
      const probeBody = (await probe.json()) as { extensions?: { sqlStatements?: number } };
      const list = await cannon({
        url: `${api.url}/graphql`,
        connections: 8,
        duration: Math.max(2, Math.round(seconds / 2)),
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${coach}` },
        body: JSON.stringify({ query }),
      });
      record({
        section: 'api',
        name: `engagements(first: ${size}) with homework → drafts → feedback, 8 connections`,
        value: list.latency.p50,
        unit: 'ms p50',
        reference: { name: 'trivial query p50 at 32 connections', value: trivial.latency.p50, unit: 'ms' },
        extra: `p99 ${list.latency.p99} ms, ${Math.round(list.requests.average)} req/s, ${
          probeBody.extensions?.sqlStatements ?? 'n/a'
        } SQL statements per request (incl. BEGIN, set_config, COMMIT)`,
      });
    }
  } finally {
    await api.stop();
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

async function countEvents(pool: pg.Pool, type: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE type = $1 AND practice_id = $2', [type, PRACTICE]);
  return Number(rows[0]!.n);
}

