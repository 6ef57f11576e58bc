import 'reflect-metadata';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { runMigrations } from '#platform';
import { benchEventStore } from './event-store.bench.js';
import { BENCH_DATABASE_URL, freshDatabase, machine } from './support.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    'read-all-events': { type: 'string', default: '1000000' },
  },
});

async function main(): Promise<void> {
  console.log(`machine: ${machine()}`);
  await freshDatabase();
  await runMigrations(BENCH_DATABASE_URL);
  const pool = new pg.Pool({ connectionString: BENCH_DATABASE_URL, max: 32 });
  try {
    await benchEventStore(pool, { seconds: Number(values.seconds), readAllEvents: Number(values['read-all-events']) });
  } finally {
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
