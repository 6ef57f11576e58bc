import 'reflect-metadata';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { runMigrations } from '#platform';
import { ALL_MIGRATIONS } from '../apps/cli/src/migrations.js';
import { appEnv } from './app-env.js';
import { benchApi } from './api.bench.js';
import { benchCore } from './core.bench.js';
import { reportConsoleFigures } from './console.bench.js';
import { benchEventStore } from './event-store.bench.js';
import { benchRebuild } from './rebuild.bench.js';
import { benchReminders } from './reminders.bench.js';
import { writeReport } from './report.js';
import { benchSubscriptionLag } from './subscription.bench.js';
import { benchTimeTravel } from './time-travel.bench.js';
import { benchEventWebhooks } from './event-webhooks.bench.js';
import { benchPartitions } from './partitions.bench.js';
import { BENCH_DATABASE_URL, freshDatabase, machine } from './support.js';

const SECTIONS = ['event-store', 'projections', 'api', 'core', 'reminders', 'rebuild', 'time-travel', 'event-webhooks', 'partitions'] as const;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    'read-all-events': { type: 'string', default: '1000000' },
    only: { type: 'string' },
    reminders: { type: 'string', default: '10000' },
    'reminders-burst': { type: 'string', default: '100000' },
    'reminders-rate': { type: 'string', default: '1000' },
    'reminders-steady-seconds': { type: 'string', default: '60' },
    'rebuild-engagements': { type: 'string', default: '100000' },
    'partition-events': { type: 'string', default: '20000' },
    report: { type: 'string', default: 'bench/REPORT.md' },
  },
});

async function main(): Promise<void> {
  const startedAt = new Date();
  const only = values.only ? values.only.split(',') : [...SECTIONS];
  const seconds = Number(values.seconds);
  console.log(`machine: ${machine()}`);
  await freshDatabase();
  await runMigrations(BENCH_DATABASE_URL, ALL_MIGRATIONS);
  const pool = new pg.Pool({ connectionString: BENCH_DATABASE_URL, max: 32 });
  const failed: string[] = [];
  /** A section that fails is reported as failed; the others still run and the report is still written. */
  const section = async (name: (typeof SECTIONS)[number], run: () => Promise<void>) => {
    if (!only.includes(name)) return;
    try {
      await run();
    } catch (err) {
      console.error(`section ${name} failed:`, err);
      failed.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  };
  try {
    // reminders first: their worker's scheduler reads the whole log, which the API bench fills
    await section('reminders', () =>
      benchReminders(pool, appEnv, {
        reminders: Number(values.reminders),
        burst: Number(values['reminders-burst']),
        steadyRate: Number(values['reminders-rate']),
        steadySeconds: Number(values['reminders-steady-seconds']),
        perEngagement: 5,
      }),
    );
    await section('api', () => benchApi(pool, appEnv, { seconds, ownerUrl: BENCH_DATABASE_URL }));
    await section('core', () => benchCore(pool, appEnv, { seconds, appUrl: appEnv.DATABASE_URL! }));
    await section('projections', () => benchSubscriptionLag(pool, BENCH_DATABASE_URL, { rate: 1000, seconds: Math.max(10, seconds * 2) }));
    await section('event-store', () => benchEventStore(pool, { seconds, readAllEvents: Number(values['read-all-events']), benchUrl: BENCH_DATABASE_URL, appUrl: appEnv.DATABASE_URL! }));
    await section('time-travel', () => benchTimeTravel(pool, appEnv, { events: 1000, rounds: 50 }));
    await section('event-webhooks', () => benchEventWebhooks(pool, appEnv, { events: 10_000 }));
    await section('partitions', () => benchPartitions(pool, BENCH_DATABASE_URL, { events: Number(values['partition-events']), partitions: 8 }));
    await section('rebuild', () => benchRebuild(BENCH_DATABASE_URL, appEnv, { engagements: Number(values['rebuild-engagements']) }));
  } finally {
    await pool.end();
  }
  reportConsoleFigures();
  writeReport(values.report!, {
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    startedAt,
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    failed,
  });
  if (failed.length) process.exitCode = 1;
  console.log(`report written to ${values.report}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
