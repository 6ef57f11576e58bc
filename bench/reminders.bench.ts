import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommandBus } from '@nestjs/cqrs';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { CommandExecutor, UpdatePracticeSettingsCommand, type CommandOrigin, type EngagementCommand } from '#engagement';
import { AppConfigService } from '#platform';
import { clockJobs, REMINDER_QUEUE, reminderId, WebhookSender } from '#reminders';
import { createSeedDemoContext } from '../apps/cli/src/seed-demo.js';
import { cpuMs, samplePostgresCpu } from './load.js';
import { freePorts, startApp, type Service } from './processes.js';
import { commitRate, maintainLikeAutovacuum, percentile, record } from './support.js';

const PRACTICE = 'bench-reminders';
const WORKERS = 2;
const STAGES = ['lease', 'budget', 'body', 'wait', 'deliver', 'record'] as const;

export interface ReminderBenchOptions {
  /** reminders due at one instant (the first burst) */
  reminders: number;
  /** a second, bigger burst (0: skipped) */
  burst: number;
  /** the steady phase: reminders due per second, for `steadySeconds` (0: skipped) */
  steadyRate: number;
  steadySeconds: number;
  /** homework (so reminders) per engagement in a phase: each phase opens count / perEngagement engagements of its own */
  perEngagement: number;
}

/**
 * Reminders fired by two worker processes to a local webhook receiver: bursts
 * of N due at one instant (time until all are delivered, each one's fire delay
 * = receipt − due time) and a steady rate of reminders due one after another.
 * Each phase opens engagements of its own, five homework each (a practice's
 * load spreads over its clients; piling a 100,000 burst onto a few thousand
 * engagements measured their history instead: every command and subject read
 * loads an engagement's homework). The homework is written through the
 * command path (the API's executor, in batches); its reminder rows and BullMQ jobs are then made directly, as the
 * scheduler makes them (the scheduler's own rate is not what this measures),
 * and the workers start with their subscribers at the log's end, as if they
 * had followed it while the homework was written.
 * Each phase also reports the workers' batch stages (lease, body, deliver,
 * record: coaching_reminder_stage_seconds) and checks every reminder arrived
 * exactly once.
 */
export async function benchReminders(pool: pg.Pool, env: Record<string, string>, opts: ReminderBenchOptions): Promise<void> {
  const received = new Map<string, number>();
  let duplicates = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['x-delivery-id'];
      if (typeof id === 'string') {
        if (received.has(id)) duplicates++;
        else received.set(id, Date.now());
      }
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  // the command path in this process (the bench's environment: production settings, scratch database)
  Object.assign(process.env, env);
  const app = await createSeedDemoContext();
  const executor = app.get(CommandExecutor);
  // the workers' REMINDER_LEAD_MS and lease (the same environment): the clock's jobs, as the scheduler's
  const config = app.get(AppConfigService);
  const leadMs = config.get('REMINDER_LEAD_MS');
  const clockTimes = { leadMs, backstopMs: config.get('REMINDER_LEASE_SECONDS') * 1000 };
  const origin = (): CommandOrigin => ({
    actor: { id: 'coach-bench', role: 'COACH' },
    practiceId: PRACTICE,
    correlationId: `bench:${randomUUID()}`,
    causationId: 'bench',
    now: new Date(),
  });
  /** Commands on distinct engagements: 250 to a transaction, four transactions at a time. */
  const many = async (commands: { streamId: string; command: Omit<EngagementCommand, 'context'> }[]) => {
    const chunks = Array.from({ length: Math.ceil(commands.length / 250) }, (_, i) => commands.slice(i * 250, i * 250 + 250));
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = next++; i < chunks.length; i = next++) {
          const o = origin();
          const results = await executor.executeMany(
            PRACTICE,
            chunks[i]!.map((c) => ({ streamId: c.streamId, origin: o, command: { ...c.command, context: { actor: o.actor, now: o.now } } as EngagementCommand })),
          );
          const failed = results.find((r) => r instanceof Error);
          if (failed) throw failed;
        }
      }),
    );
  };

  const workers: Service[] = [];
  const queues: Queue[] = [];
  const workerPorts = await freePorts(WORKERS);
  try {
    await app.get(CommandBus).execute(
      new UpdatePracticeSettingsCommand(
        { ...origin(), actor: { id: 'admin-bench', role: 'ADMIN' } },
        {
          webhookUrl: hookUrl,
          webhookSecret: 'bench-secret-0123456789',
          dueSoonOffsetsMinutes: [0],
          overdueAfterMinutes: 600,
          feedbackWindowMinutes: 600,
          escalation: [],
        },
      ),
    );
    const coach = { id: 'coach-bench', name: 'Coach', email: null };
    const client = { id: 'client-bench', name: 'Client', email: null };
    /** `n` new ACTIVE engagements: each phase writes onto its own, `opts.perEngagement` homework each, as a practice's load spreads */
    const openEngagements = async (n: number): Promise<string[]> => {
      const ids = Array.from({ length: n }, () => randomUUID());
      await many(ids.map((id) => ({ streamId: id, command: { type: 'OpenEngagement', data: { engagementId: id, practiceId: PRACTICE, coach, client, title: 'Bench' } } })));
      await many(
        ids.map((id) => ({
          streamId: id,
          command: { type: 'RecordIntake', data: { presentingQuestion: 'Q', background: '', goals: [], currentStrategy: '', baseline: [] } },
        })),
      );
      return ids;
    };
    const metricsToken = randomUUID();
    const startWorkers = async () => {
      const started = await Promise.all(
        workerPorts.map((port) =>
          startApp('worker', { ...env, WORKER_HTTP_PORT: String(port), METRICS_TOKEN: metricsToken, REMINDER_CONCURRENCY: process.env.REMINDER_CONCURRENCY ?? '1000' }),
        ),
      );
      workers.push(...started);
      await Promise.all(workerPorts.map(waitReady));
    };
    const stopWorkers = async () => {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
    };
    const queue = new Queue(REMINDER_QUEUE, { connection: redisOptions(env.REDIS_URL ?? process.env.REDIS_URL), prefix: env.QUEUE_PREFIX });
    queues.push(queue);

    /**
     * Writes `count` homework, the i-th due at dueOf(i) (a due-soon offset of 0: the reminder's time
     * is the homework's, so the rules agree with the row), then the scheduler's rows and jobs;
     * seconds each part took. dueOf is asked before the writing: its lead must cover it.
     */
    const assign = async (count: number, dueOf: () => (i: number) => Date): Promise<{ write: number; rows: number }> => {
      const engagements = await openEngagements(Math.ceil(count / opts.perEngagement));
      const started = Date.now();
      const reminderAt = dueOf();
      const homework: { id: string; engagementId: string; dueAt: Date }[] = [];
      for (let i = 0; i < count; i += engagements.length) {
        const chunk = engagements
          .slice(0, Math.min(engagements.length, count - i))
          .map((engagementId, j) => ({ id: randomUUID(), engagementId, dueAt: reminderAt(i + j) }));
        await many(
          chunk.map((h, j) => ({
            streamId: h.engagementId,
            command: { type: 'AssignHomework', data: { homeworkId: h.id, title: `Homework ${i + j}`, instructions: '', dueAt: h.dueAt } },
          })),
        );
        homework.push(...chunk);
      }
      const written = Date.now();
      // the scheduler's rows (HOMEWORK_DUE_SOON at offset 0, to the client) and its jobs
      for (let i = 0; i < homework.length; i += 5000) {
        const chunk = homework.slice(i, i + 5000);
        const ids = chunk.map((h) => reminderId('HOMEWORK_DUE_SOON', h.id, 0));
        await pool.query(
          `INSERT INTO reminders (id, practice_id, engagement_id, homework_id, draft_id, kind, recipient_id, recipient_name,
             recipient_email, recipient_role, scheduled_for, status, correlation_id, escalation_step)
           SELECT r.id, $1, r.engagement_id, r.homework_id, NULL, 'HOMEWORK_DUE_SOON', 'client-bench', 'Client', NULL, 'CLIENT', r.at, 'SCHEDULED', NULL, NULL
             FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[]) AS r(id, engagement_id, homework_id, at)`,
          [PRACTICE, ids, chunk.map((h) => h.engagementId), chunk.map((h) => h.id), chunk.map((h) => h.dueAt)],
        );
        const now = Date.now();
        for (let j = 0; j < chunk.length; j += 1000) {
          await queue.addBulk(
            clockJobs(
              chunk.slice(j, j + 1000).map((h, k) => ({ id: ids[j + k]!, practiceId: PRACTICE, at: h.dueAt })),
              now,
              clockTimes,
              { attempts: 6, backoff: { type: 'exponential', delay: 30_000 }, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } },
            ),
          );
        }
      }
      // the workers' subscribers (each name whole and in its partitions, and any other a worker made) start at the log's end
      await pool.query(
        `WITH last AS (SELECT transaction_id, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1),
              bases AS (SELECT unnest(ARRAY['reminder-scheduler', 'activity-by-day', 'event-webhooks', 'engagement-history-snapshots']) AS base),
              names AS (SELECT base AS n FROM bases
                        UNION SELECT base || '#' || p || '/' || $1 FROM bases, generate_series(0, $1 - 1) AS p
                        UNION SELECT name FROM subscription_checkpoints)
         INSERT INTO subscription_checkpoints (name, transaction_id, position)
         SELECT n, last.transaction_id, last.position FROM names, last
         ON CONFLICT (name) DO UPDATE SET transaction_id = excluded.transaction_id, position = excluded.position`,
        [Number(env.SUBSCRIPTION_PARTITIONS ?? 8)],
      );
      // statistics for the rows just written, as a maintained database has them (counted in the rows' time)
      await maintainLikeAutovacuum(pool);
      return { write: (written - started) / 1000, rows: (Date.now() - written) / 1000 };
    };
    // rates measured as the phases go (first guesses on the low side): writing homework, making rows and jobs, starting workers
    const rates = { write: 1000, rows: 2000, startSeconds: 60 };
    const scheduledRows = async (from: Date, to: Date): Promise<{ id: string; scheduled_for: Date }[]> =>
      (
        await pool.query<{ id: string; scheduled_for: Date }>(
          `SELECT id, scheduled_for FROM reminders WHERE practice_id = $1 AND kind = 'HOMEWORK_DUE_SOON' AND scheduled_for BETWEEN $2 AND $3`,
          [PRACTICE, from, to],
        )
      ).rows;

    /** One phase: `count` reminders due from `first` over `spreadMs`; delays of each (receipt − its due time). */
    const phase = async (label: string, count: number, spreadMs: number) => {
      await stopWorkers();
      // the database's write capacity just before the phase (outside its timing): tells a slow moment apart
      const commits = (await commitRate(pool)).perSecond;
      // the first due time leaves room for writing the homework, the rows and their jobs, and the workers' start
      let lead = 0;
      let first = new Date();
      let last = new Date();
      const took = await assign(count, () => {
        lead = Math.ceil((count / rates.write * 3 + (count / rates.rows + rates.startSeconds) * 1.5) * 1000) + 10_000;
        first = new Date(Date.now() + lead);
        last = new Date(first.getTime() + spreadMs);
        return (i) => new Date(first.getTime() + Math.floor((i * spreadMs) / count));
      });
      rates.write = count / took.write;
      rates.rows = count / took.rows;
      const starting = Date.now();
      await startWorkers();
      rates.startSeconds = (Date.now() - starting) / 1000;
      if (Date.now() > first.getTime() - 1000) throw new Error(`${label}: the workers were not up before the due time (lead ${lead} ms too short)`);
      const assignSeconds = took.write;
      let rows: { id: string; scheduled_for: Date }[] = [];
      rows = await scheduledRows(first, last);
      // the window opens when the first jobs are about to fire (they fire the lead ahead of their time), not
      // when the workers are up: the minutes between are idle (the workers' start settles in them), and would
      // weigh on each reminder's cost; their last 5 s give the idle rate (polls, sweeps that find nothing)
      const opens = first.getTime() - leadMs - 500;
      await new Promise((r) => setTimeout(r, Math.max(0, opens - 5_000 - Date.now())));
      const idle = await idleCost(workers, Math.min(5_000, opens - Date.now()));
      await new Promise((r) => setTimeout(r, Math.max(0, opens - Date.now())));
      const before = await Promise.all(workerPorts.map((p) => scrape(p, metricsToken)));
      const costBefore = await costMark(pool, workers);
      const costFrom = Date.now();
      const pgCpu = samplePostgresCpu();
      const duplicatesBefore = duplicates;
      const deadline = last.getTime() + 120_000;
      while (rows.some((r) => !received.has(r.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      // late duplicates would come within a lease or two
      await new Promise((r) => setTimeout(r, 2_000));
      const after = await Promise.all(workerPorts.map((p) => scrape(p, metricsToken)));
      const workersCpu = workersCpuMs(workers) - costBefore.workersCpu;
      const postgresCpu = pgCpu.stop();
      // what this phase did not deliver by its deadline is not the next phase's work: the workers stopped (a
      // mass update beside their leases deadlocks), then cancelled and their jobs removed
      await stopWorkers();
      // after the workers stop: their backends have flushed their table statistics
      const costAfter = await costMark(pool, []);
      const cost: PhaseCost = {
        workersCpu,
        postgresCpu,
        walBytes: costAfter.walBytes - costBefore.walBytes,
        updates: costAfter.updates - costBefore.updates,
        hotUpdates: costAfter.hotUpdates - costBefore.hotUpdates,
        seconds: (Date.now() - costFrom) / 1000,
        idle,
      };
      await pool.query(`UPDATE reminders SET status = 'CANCELLED', cancel_reason = 'bench phase over' WHERE practice_id = $1 AND status = 'SCHEDULED'`, [PRACTICE]);
      await queue.drain(true);
      // each delivered reminder's due time and fire delay
      const fired = rows.filter((r) => received.has(r.id)).map((r) => [r.scheduled_for.getTime(), received.get(r.id)! - r.scheduled_for.getTime()] as const);
      // to see when in a phase the delays grew
      if (process.env.BENCH_DELAYS_DIR) writeFileSync(`${process.env.BENCH_DELAYS_DIR}/reminders-${label.replaceAll(' ', '-')}.json`, JSON.stringify(fired));
      const delays = fired.map(([, delay]) => delay).sort((a, b) => a - b);
      return { delays, lost: count - delays.length, duplicates: duplicates - duplicatesBefore, assignSeconds, commits, stages: stageFigures(before, after), cost };
    };

    if (opts.reminders > 0) {
      const n = opts.reminders;
      const floor = await sendFloor(hookUrl, n);
      const r = await phase('burst', n, 0);
      reportBurst(n, r, { p99: 1000 }, floor);
    }
    if (opts.burst > 0) {
      const n = opts.burst;
      // its own floor, measured the same way: the target is a fixed time, so the floor says whether this host allows it
      const floor = await sendFloor(hookUrl, n);
      const r = await phase('big burst', n, 0);
      reportBurst(n, r, { allWithin: 10 }, floor);
    }
    if (opts.steadyRate > 0 && opts.steadySeconds > 0) {
      const n = opts.steadyRate * opts.steadySeconds;
      const r = await phase('steady', n, opts.steadySeconds * 1000);
      const p99 = percentile(r.delays, 99);
      record({
        section: 'reminders',
        name: `steady ${opts.steadyRate.toLocaleString('en-US')} reminders/s for ${opts.steadySeconds} s → fire delay`,
        value: p99,
        unit: 'ms p99',
        reference: { name: 'writing that homework through the command path', value: n / r.assignSeconds, unit: 'homework/s' },
        target: 'p99 < 500 ms, none lost, none twice',
        met: p99 < 500 && r.lost === 0 && r.duplicates === 0,
        extra: `p50 ${percentile(r.delays, 50)} ms, max ${r.delays.at(-1)} ms; ${r.delays.length} delivered of ${n}, ${r.duplicates} twice; ${WORKERS} workers; ${atStart(r)}`,
      });
      reportStages(`steady ${opts.steadyRate}/s`, r.stages);
      reportCost(`steady ${opts.steadyRate}/s`, n, r.cost);
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    // the run's queue leaves nothing in Redis (its prefix is the run's own)
    for (const q of queues) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
    await app.close();
    receiver.close();
  }
}

interface PhaseResult {
  delays: number[];
  lost: number;
  duplicates: number;
  assignSeconds: number;
  /** commits/s of PostgreSQL just before the phase */
  commits: number;
  stages: StageFigure[];
  cost: PhaseCost;
}

/** What a phase cost the machine, from the due rows' start to the last receipt (+2 s). */
interface PhaseCost {
  /** ms of CPU of both workers */
  workersCpu: number;
  /** ms of CPU of every PostgreSQL process */
  postgresCpu: number;
  /** WAL written by the whole server (the run's own database is the only busy one) */
  walBytes: number;
  /** row updates of `reminders`, and those PostgreSQL made HOT (no index entry written) */
  updates: number;
  hotUpdates: number;
  /** how long the phase's window lasted */
  seconds: number;
  /** CPU per second with nothing due, just before the phase (null: no room for it before the first due time) */
  idle: { workers: number; postgres: number } | null;
}

/** The counters a phase's cost is the difference of, read at one moment. */
type CostMark = Pick<PhaseCost, 'workersCpu' | 'walBytes' | 'updates' | 'hotUpdates'>;

function workersCpuMs(workers: Service[]): number {
  return workers.reduce((sum, w) => sum + cpuMs(w.pid), 0);
}

async function idleCost(workers: Service[], ms: number): Promise<{ workers: number; postgres: number } | null> {
  if (ms < 1_000) return null;
  const pg = samplePostgresCpu();
  const from = workersCpuMs(workers);
  await new Promise((r) => setTimeout(r, ms));
  const postgres = pg.stop();
  return { workers: ((workersCpuMs(workers) - from) * 1000) / ms, postgres: (postgres * 1000) / ms };
}

async function costMark(pool: pg.Pool, workers: Service[]): Promise<CostMark> {
  const { rows } = await pool.query<{ wal: string; upd: string; hot: string }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal, n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot
       FROM pg_stat_user_tables WHERE relname = 'reminders'`,
  );
  return { workersCpu: workersCpuMs(workers), walBytes: Number(rows[0]!.wal), updates: Number(rows[0]!.upd), hotUpdates: Number(rows[0]!.hot) };
}

/** The idle rate's share of the per-reminder figures, over the phase's window. */
function idleShare(c: PhaseCost, count: number): string {
  if (!c.idle) return '';
  const per = (msPerSecond: number) => ((msPerSecond * c.seconds) / count).toFixed(2);
  return ` (idle before the phase: workers ${c.idle.workers.toFixed(0)} ms/s, PostgreSQL ${c.idle.postgres.toFixed(0)} ms/s, over its ${c.seconds.toFixed(0)} s ${per(c.idle.workers)} and ${per(c.idle.postgres)} ms of these)`;
}

/**
 * The phase's cost per reminder: CPU is what decides on 2 shared cores whether 1,000 a second can be on
 * time (2 ms of the machine per reminder is all there is), and it drifts far less than the delays do.
 */
function reportCost(label: string, count: number, c: PhaseCost): void {
  record({
    section: 'reminders',
    name: `${label}: machine cost per reminder`,
    value: (c.workersCpu + c.postgresCpu) / count,
    unit: 'ms CPU',
    extra: `workers ${(c.workersCpu / count).toFixed(2)} ms, PostgreSQL ${(c.postgresCpu / count).toFixed(2)} ms${idleShare(c, count)}; WAL ${(c.walBytes / count / 1024).toFixed(1)} kB; ${(c.updates / count).toFixed(2)} updates of its row, ${c.updates ? Math.round((100 * c.hotUpdates) / c.updates) : 0} % of them HOT`,
  });
}

/**
 * The floor under a burst on this machine: the workers' own WebhookSender (signing, its 64 kept-alive
 * connections) posting `count` reminder-sized bodies to the same receiver from this process, as fast
 * as it can, with no database, no queue and no second process. What a burst of that size cannot beat here.
 */
async function sendFloor(url: string, count: number): Promise<{ seconds: number; perSecond: number }> {
  const sender = new WebhookSender({ timeoutMs: 30_000, allowPrivateNetworks: true });
  const body = JSON.stringify({ type: 'reminder.homework_due_soon', timestamp: new Date().toISOString(), data: { text: 'x'.repeat(600) } });
  try {
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 1000 }, async () => {
        for (let i = next++; i < count; i = next++) {
          const attempt = await sender.send({ url, secret: 'whsec_floor_0123456789abcdef', deliveryId: `floor-${i}`, body });
          if (!attempt.ok) throw new Error(`the floor's delivery ${i} failed: ${attempt.error ?? attempt.status}`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { seconds, perSecond: count / seconds };
  } finally {
    await sender.close();
  }
}

/** The database's write capacity measured just before the phase (support.ts, commitRate). */
function atStart(r: PhaseResult): string {
  return `PostgreSQL before the phase: ${Math.round(r.commits).toLocaleString('en-US')} commits/s (16 writers, one-row UPDATE)`;
}

function reportBurst(n: number, r: PhaseResult, target: { p99?: number; allWithin?: number }, floor?: { seconds: number; perSecond: number }): void {
  const label = `${n.toLocaleString('en-US')} reminders due at one instant`;
  const allIn = r.lost === 0 ? r.delays.at(-1)! / 1000 : NaN;
  const p99 = percentile(r.delays, 99);
  const whole = `${r.delays.length} delivered of ${n}, ${r.duplicates} twice; ${WORKERS} workers; writing the homework took ${r.assignSeconds.toFixed(1)} s; ${atStart(r)}`;
  if (target.p99 !== undefined) {
    record({
      section: 'reminders',
      name: `${label} → fire delay (receipt − due time)`,
      value: p99,
      unit: 'ms p99',
      reference: { name: 'writing that homework through the command path', value: n / r.assignSeconds, unit: 'homework/s' },
      target: `p99 < ${target.p99} ms, none lost, none twice`,
      met: p99 < target.p99 && r.lost === 0 && r.duplicates === 0,
      extra: `p50 ${percentile(r.delays, 50)} ms, all in ${allIn.toFixed(2)} s; ${whole}`,
    });
    if (floor)
      record({
        section: 'reminders',
        name: `${label} → all delivered`,
        value: allIn,
        unit: 's after the due time',
        reference: { name: 'the floor: the same number of signed POSTs to the same receiver from one bare WebhookSender, no database or queue', value: floor.seconds, unit: 's' },
        extra: `floor ${Math.round(floor.perSecond).toLocaleString('en-US')} POSTs/s; the ratio is how many floors the burst took`,
      });
  } else {
    record({
      section: 'reminders',
      name: `${label} → all delivered`,
      value: allIn,
      unit: 's after the due time',
      reference: floor
        ? { name: 'the floor: the same number of signed POSTs to the same receiver from one bare WebhookSender, no database or queue', value: floor.seconds, unit: 's' }
        : { name: 'writing that homework through the command path', value: n / r.assignSeconds, unit: 'homework/s' },
      target: `all within ${target.allWithin} s, none twice`,
      met: allIn <= target.allWithin! && r.duplicates === 0,
      extra: `fire delay p50 ${percentile(r.delays, 50)} ms, p99 ${p99} ms; ${floor ? `floor ${Math.round(floor.perSecond).toLocaleString('en-US')} POSTs/s (the target is beyond this host when the floor alone exceeds ${target.allWithin} s); homework written at ${(n / r.assignSeconds).toFixed(0)}/s; ` : ''}${whole}`,
    });
  }
  reportStages(label, r.stages);
  reportCost(label, n, r.cost);
}

interface StageFigure {
  stage: string;
  batches: number;
  seconds: number;
}

function reportStages(label: string, stages: StageFigure[]): void {
  const swept = stages.find((s) => s.stage === 'rows:swept');
  const jobs = stages.find((s) => s.stage === 'rows:jobs');
  const rows = `rows per batch: ${jobs && jobs.batches ? (jobs.seconds / jobs.batches).toFixed(0) : '0'} from jobs, ${swept && swept.batches ? (swept.seconds / swept.batches).toFixed(0) : '0'} swept (${swept?.batches ?? 0} sweeping batches)`;
  for (const s of stages.filter((f) => STAGES.includes(f.stage as (typeof STAGES)[number]))) {
    record({
      section: 'reminders',
      name: `${label}: stage ${s.stage}, mean per batch`,
      value: s.batches ? (s.seconds / s.batches) * 1000 : NaN,
      unit: 'ms',
      extra: `${s.batches} batches, ${s.seconds.toFixed(2)} s in all (both workers)${s.stage === 'lease' ? `; ${rows}` : ''}`,
    });
  }
}

/** A worker's reminder histograms: per stage (and batch-row source) the count and the sum. */
async function scrape(port: number, token: string): Promise<Map<string, { count: number; sum: number }>> {
  const out = new Map<string, { count: number; sum: number }>();
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  for (const line of text.split('\n')) {
    const m = /^coaching_reminder_(stage_seconds|batch_rows)_(sum|count)\{(?:stage|source)="([^"]+)"\} ([\d.e+-]+)$/.exec(line);
    if (!m) continue;
    const key = m[1] === 'batch_rows' ? `rows:${m[3]}` : m[3]!;
    const v = out.get(key) ?? { count: 0, sum: 0 };
    v[m[2] as 'sum' | 'count'] = Number(m[4]);
    out.set(key, v);
  }
  return out;
}

function stageFigures(before: Map<string, { count: number; sum: number }>[], after: Map<string, { count: number; sum: number }>[]): StageFigure[] {
  const keys = new Set(after.flatMap((m) => [...m.keys()]));
  return [...keys].map((stage) => {
    let batches = 0;
    let seconds = 0;
    after.forEach((m, i) => {
      batches += (m.get(stage)?.count ?? 0) - (before[i]!.get(stage)?.count ?? 0);
      seconds += (m.get(stage)?.sum ?? 0) - (before[i]!.get(stage)?.sum ?? 0);
    });
    return { stage, batches, seconds };
  });
}

async function waitReady(port: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the worker on port ${port} was not ready within 120 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function redisOptions(url = 'redis://127.0.0.1:6379'): { host: string; port: number; db: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379), db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0 };
}
