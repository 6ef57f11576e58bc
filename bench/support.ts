import os from 'node:os';
import pg from 'pg';

export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/coaching_bench';

export interface Figure {
  section: string;
  name: string;
  value: number;
  unit: string;
  /** what the same run measured as the yardstick, with its name */
  reference?: { name: string; value: number; unit: string };
  /** target, as text (e.g. "≥ 0.75× raw") */
  target?: string;
  /** did the figure meet its target? undefined when there is none */
  met?: boolean;
  extra?: string;
}

export const figures: Figure[] = [];

export function record(f: Figure): void {
  figures.push(f);
  const ref = f.reference ? `  | ref ${f.reference.name}: ${fmt(f.reference.value)} ${f.reference.unit}  ratio ${fmt(f.value / f.reference.value)}×` : '';
  const target = f.target ? `  | target ${f.target}: ${f.met === undefined ? '-' : f.met ? 'met' : 'NOT met'}` : '';
  console.log(`[${f.section}] ${f.name}: ${fmt(f.value)} ${f.unit}${ref}${target}${f.extra ? `  (${f.extra})` : ''}`);
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface RunStats {
  ops: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

/** Runs `op` from `concurrency` loops for `durationMs`; per-op latency and throughput. */
export async function runFor(concurrency: number, durationMs: number, op: (worker: number, i: number) => Promise<void>): Promise<RunStats> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now();
        await op(w, i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
  };
}

/**
 * What autovacuum does for a production database, done at a known moment: statistics for the rows a
 * bench just wrote, and their dead versions gone. Without it a freshly loaded table has no statistics
 * (this machine's PostgreSQL even runs with autovacuum off, a CI setting in its conf.d), the planner
 * takes a practice's 20,000 reminders for about a hundred, and every statement that updates a batch
 * by id scanned the practice's whole table (the reminders lease 189 ms, the body store 440 ms per
 * batch of 500, auto_explain; 2–14 ms with statistics). Called after each bench's set-up, before it
 * measures, whatever the server's autovacuum setting (which runs on its own clock).
 */
export async function maintainLikeAutovacuum(q: pg.Pool | pg.Client): Promise<void> {
  await q.query('VACUUM (ANALYZE)');
}

/**
 * PostgreSQL's write capacity at this moment: `clients` writers each committing one-row UPDATEs (a
 * commit, and its WAL flush, each) for `ms`; commits per second. A same-run reference for a phase
 * bound by the database's writes: the same code on the same machine measured 2.4 s and 18.8 s of p99
 * in two runs minutes apart (bench/REPORT.md, 2026-12-01 07:05), and this tells a slow moment apart.
 */
export async function commitRate(pool: pg.Pool, clients = 16, ms = 3_000): Promise<RunStats> {
  await pool.query('CREATE TABLE IF NOT EXISTS bench_commit_probe (id int PRIMARY KEY, n bigint NOT NULL)');
  try {
    await pool.query('INSERT INTO bench_commit_probe SELECT g, 0 FROM generate_series(0, $1::int - 1) AS g ON CONFLICT DO NOTHING', [clients]);
    return await runFor(clients, ms, async (w) => {
      await pool.query('UPDATE bench_commit_probe SET n = n + 1 WHERE id = $1', [w]);
    });
  } finally {
    await pool.query('DROP TABLE IF EXISTS bench_commit_probe');
  }
}

export async function freshDatabase(url = BENCH_DATABASE_URL): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await c.end();
  }
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}

/** The run with the median throughput. */
export function median(runs: RunStats[]): RunStats {
  const sorted = [...runs].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}
