import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { configFrom, parseConfig, runMigrations, TokenService } from '#platform';
import { ALL_MIGRATIONS } from '../apps/cli/src/migrations.js';
import { appEnv } from './app-env.js';
import { ASSIGN_HOMEWORK, assignVariables, coachingClient, homeworkOf, idsIn, LIST_QUERY, listObjects, seedList } from './coaching-client.js';
import { cannon, cpuMs, hrMicros, removeQueueKeys, sampleMemory } from './load.js';
import { postgraphileListQuery, startPostGraphile } from './postgraphile.js';
import { freePorts, startApp, type Service } from './processes.js';
import { BENCH_DATABASE_URL, freshDatabase, machine } from './support.js';

/**
 * Side by side: two builds, or two settings, of the API started at once on one seeded database and loaded in
 * alternating rounds, so the shared machine's drift falls on both alike. Whole `npm run bench` runs on a shared
 * 2-core host spread up to 2× between runs; these rounds differ by a few per cent (bench/REPORT.md, 2026-12-01).
 *
 *   npm run build && node dist/bench/ab.js --load list|assign|memory [--rounds 6] [--seconds 5] [--commands 6000]
 *
 * AB_A and AB_B (JSON, each optional) say what differs:
 *   {"root": "/tmp/base", "flags": ["--heap-growing-percent=30"], "env": {"GRAPHQL_JIT_AFTER": "0"}}
 * root: another built checkout (git worktree add /tmp/base <sha>; link node_modules; npx tsc -p tsconfig.build.json);
 * flags: Node flags after the image's own (docker/Dockerfile NODE_OPTIONS); env: on top of the bench's production env.
 * {"postgraphile": true} (list only): PostGraphile 4 over the same tables as the same role instead of an API
 * (bench/postgraphile.ts), asked for the same rows; the core bench's second reference for the list, side by side.
 *
 * list:   engagements(first: 50) with homework → drafts → feedback, 8 connections; both answers must be the same bytes.
 * assign: assignHomework, 32 connections over 32 engagements of its own per load, every command assigned (counted).
 * memory: per round a fresh pair of APIs, both serving --commands assignHomework at once; peak RSS.
 * Each figure is the API's own CPU per request (from /proc), p50 latency and req/s; medians over the rounds.
 */
const { values } = parseArgs({
  options: {
    load: { type: 'string', default: 'list' },
    rounds: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    commands: { type: 'string', default: '6000' },
  },
});

interface Variant {
  name: 'A' | 'B';
  postgraphile?: boolean;
  root?: string;
  flags: string[];
  env: Record<string, string>;
}

interface Round {
  cpuMs: number;
  p50: number;
  rps: number;
  rssMb?: number;
}

const variants: Variant[] = (['A', 'B'] as const).map((name) => {
  const spec = JSON.parse(process.env[`AB_${name}`] ?? '{}') as Partial<Variant>;
  return { name, postgraphile: spec.postgraphile, root: spec.root, flags: spec.flags ?? [], env: spec.env ?? {} };
});
const load = values.load!;
if (!['list', 'assign', 'memory'].includes(load)) throw new Error(`--load list|assign|memory, not ${load}`);
if (load !== 'list' && variants.some((v) => v.postgraphile)) throw new Error('PostGraphile answers the list only: --load list');
if (variants.every((v) => v.postgraphile)) throw new Error('one of AB_A and AB_B is an API: it seeds the rows');
const rounds = Number(values.rounds ?? (load === 'memory' ? 2 : 6));
const seconds = Number(values.seconds);
const commands = Number(values.commands);


async function main(): Promise<void> {
  console.log(`machine: ${machine()}`);
  for (const v of variants) console.log(`${v.name}: ${v.postgraphile ? 'PostGraphile 4' : JSON.stringify({ root: v.root ?? '(this checkout)', flags: v.flags, env: v.env })}`);
  await freshDatabase();
  await runMigrations(BENCH_DATABASE_URL, ALL_MIGRATIONS);
  const practiceId = 'bench-ab';
  const tokens = new TokenService(configFrom(parseConfig({ ...process.env, ...appEnv })));
  const coach = await tokens.issue({ practiceId, role: 'COACH', sub: 'coach-bench', expiresIn: 3600 });
  const client = await tokens.issue({ practiceId, role: 'CLIENT', sub: 'client-bench', expiresIn: 3600 });
  const start = (v: Variant, port: number) =>
    v.postgraphile ? startPostGraphile(appEnv.DATABASE_URL!, practiceId, v.flags) : startApp('api', { ...appEnv, ...v.env }, port, v.flags, v.root);
  const running: Service[] = [];
  const owner = new pg.Pool({ connectionString: BENCH_DATABASE_URL, max: 1 });
  const results: Record<string, Round[]> = { A: [], B: [] };
  try {
    const ports = await freePorts(variants.length);
    const apis = await Promise.all(variants.map((v, i) => start(v, ports[i])));
    running.push(...apis);
    const seeding = coachingClient(apis[variants.findIndex((v) => !v.postgraphile)]!.url, coach, client);
    // every assignHomework of a round must assign (an engagement holds at most 200 homework, and a refusal is a
    // cheaper command than the one measured): each load gets 32 engagements of its own, opened up front
    // (the memory rounds' fresh APIs start after the first two stop)
    const sets: string[][] = [];
    if (load !== 'list') {
      const needed = variants.length * (load === 'memory' ? rounds : rounds + 1);
      for (let k = 0; k < needed; k++) sets.push(await seeding.openMany(32, `AB set ${k}`));
    }
    if (load === 'list') {
      await seedList(seeding);
      const answers = await Promise.all(
        apis.map((api, i) => (variants[i]!.postgraphile ? postgraphileList(api.url) : coachingClient(api.url, coach, client).gql(coach, LIST_QUERY))),
      );
      const rows = answers.map((a) => idsIn(a).join());
      if (rows[0] !== rows[1]) throw new Error('A and B answer the list with different rows');
      if (!variants.some((v) => v.postgraphile) && JSON.stringify(answers[0]) !== JSON.stringify(answers[1])) throw new Error('A and B answer the list differently');
      console.log(`the list: ${listObjects(answers[variants.findIndex((v) => !v.postgraphile)])} objects, ${answers.map((a) => JSON.stringify(a).length).join(' and ')} bytes`);
    }
    const request = (api: Service, amount?: number, engagements: readonly string[] = []) => {
      // a counter per load: the memory rounds run two at once, and a shared one gave an engagement of a set over 200
      let n = 0;
      // (the memory rounds start fresh APIs of their own: never PostGraphile)
      const postgraphile = variants[apis.indexOf(api)]?.postgraphile === true;
      return cannon({
        url: `${api.url}/graphql`,
        connections: load === 'list' ? 8 : 32,
        ...(amount ? { amount } : { duration: seconds }),
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(postgraphile ? {} : { authorization: `Bearer ${coach}` }) },
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify(
                load === 'list'
                  ? { query: postgraphile ? postgraphileListQuery('coach-bench') : LIST_QUERY }
                  : { query: ASSIGN_HOMEWORK, variables: assignVariables(engagements, n++, seeding.dueAt) },
              ),
            }),
          },
        ],
      });
    };
    const measure = async (api: Service, amount?: number): Promise<Round> => {
      const engagements = load === 'list' ? [] : sets.shift()!;
      const cpu = cpuMs(api.pid);
      const r = await request(api, amount, engagements);
      if (r.non2xx || r.errors) throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`);
      if (load !== 'list') {
        // a refused command answers 200 with an error: count what was assigned
        const assigned = await homeworkOf(owner, engagements);
        if (assigned < r.requests.total) throw new Error(`${r.requests.total} assignHomework answered, ${assigned} assigned: some were refused`);
      }
      return { cpuMs: (cpuMs(api.pid) - cpu) / r.requests.total, p50: r.latency.p50, rps: r.requests.average };
    };
    if (load !== 'memory') {
      // warm both (the compiled executor, V8's optimiser), then alternate, each round starting with the other
      for (const api of apis) await request(api, undefined, sets.shift());
      const window = [hrMicros()];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 ? [1, 0] : [0, 1];
        for (const i of order) results[variants[i]!.name]!.push(await measure(apis[i]!));
        console.log(`round ${round + 1}: ${variants.map((v) => `${v.name} ${show(results[v.name]!.at(-1)!)}`).join(' | ')}`);
      }
      // the measured rounds on a CPU profile's clock (AB_B='{"flags": ["--cpu-prof", …]}'; bench/profile-summary.ts)
      window.push(hrMicros());
      mkdirSync('bench/out', { recursive: true });
      writeFileSync('bench/out/ab-windows.json', JSON.stringify({ [load]: window }));
    } else {
      await Promise.all(apis.map((api) => api.stop()));
      running.length = 0;
      for (let round = 0; round < rounds; round++) {
        const freshPorts = await freePorts(variants.length);
        const fresh = await Promise.all(variants.map((v, i) => start(v, freshPorts[i])));
        running.push(...fresh);
        const memory = sampleMemory(fresh.map((api) => api.pid));
        // both at once, each without a pause: an idle gap lets V8's memory reducer shrink a heap the load never would
        const parts = await Promise.all(fresh.map((api) => measure(api, commands)));
        const peaks = memory.stop();
        variants.forEach((v, i) =>
          results[v.name]!.push({
            ...parts[i]!,
            rssMb: Math.round(peaks[i]! / 2 ** 20),
          }),
        );
        await Promise.all(fresh.map((api) => api.stop()));
        running.length = 0;
        console.log(`round ${round + 1}: ${variants.map((v) => `${v.name} ${show(results[v.name]!.at(-1)!)}`).join(' | ')}`);
      }
    }
  } finally {
    await Promise.all(running.map((api) => api.stop()));
    await owner.end();
    await removeQueueKeys(appEnv);
  }
  const summary = (rs: Round[]): Round => ({
    cpuMs: median(rs.map((r) => r.cpuMs)),
    p50: median(rs.map((r) => r.p50)),
    rps: median(rs.map((r) => r.rps)),
    ...(rs[0]?.rssMb !== undefined ? { rssMb: median(rs.map((r) => r.rssMb!)) } : {}),
  });
  const [a, b] = [summary(results.A!), summary(results.B!)];
  console.log(`\n${load}, medians of ${rounds} rounds:\n  A ${show(a)}\n  B ${show(b)}\n  B/A: CPU ${(b.cpuMs / a.cpuMs).toFixed(3)}×, p50 ${(b.p50 / a.p50).toFixed(3)}×, req/s ${(b.rps / a.rps).toFixed(3)}×${a.rssMb ? `, RSS ${(b.rssMb! / a.rssMb).toFixed(3)}×` : ''}`);
}

async function postgraphileList(url: string): Promise<unknown> {
  const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: postgraphileListQuery('coach-bench') }) });
  return ((await r.json()) as { data: unknown }).data;
}

function show(r: Round): string {
  return `CPU ${r.cpuMs.toFixed(2)} ms/req, p50 ${r.p50.toFixed(1)} ms, ${Math.round(r.rps)} req/s${r.rssMb !== undefined ? `, peak RSS ${r.rssMb} MB` : ''}`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
