// A quick measurement, not part of `npm run bench`: appends per second with
// and without sealing personal fields (issue 12), same pool, same events,
// alternated three times, medians. `npm run build && node dist/bench/seal-append-rate.js`
// (its own database, dropped at the end).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PersonalDataSealing, PostgresEventStore, type EventMetadata, type NewEvent } from '#event-store';
import { ENGAGEMENT_PERSONAL_DATA } from '#engagement';
import { SecretBox, runMigrations } from '#platform';
import { ALL_MIGRATIONS } from '../apps/cli/src/migrations.js';
import { median, runFor, type RunStats } from './support.js';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `seal_rate_${process.pid}`;
const PRACTICE = 'rate-practice';
const PEOPLE = 100;

function metadata(): EventMetadata {
  return { actorId: 'coach-1', actorRole: 'COACH', practiceId: PRACTICE, correlationId: randomUUID(), causationId: randomUUID(), occurredAt: new Date().toISOString() };
}

/** One engagement: EngagementOpened (two people), then drafts of its client (a field per event). */
async function engagement(store: PostgresEventStore, w: number, i: number, drafts: number): Promise<void> {
  const id = randomUUID();
  const client = `client-${(w * 7 + i) % PEOPLE}`;
  const opened: NewEvent = {
    type: 'EngagementOpened',
    data: { engagementId: id, practiceId: PRACTICE, coach: { id: 'coach-1', name: 'Mark Coach', email: 'mark@example.com' }, client: { id: client, name: `Client ${client}`, email: `${client}@example.com` }, title: 'Job search' },
    metadata: metadata(),
  };
  await store.append(id, [opened], { expectedVersion: 'no_stream' });
  for (let v = 1; v <= drafts; v++) {
    const draft: NewEvent = { type: 'DraftSubmitted', data: { homeworkId: id, draftId: randomUUID(), revision: v, content: 'My hook: I turn stalled IT programmes around. '.repeat(10) }, metadata: metadata() };
    await store.append(id, [draft], { expectedVersion: v });
  }
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DB}`);
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);
  const pool = new pg.Pool({ connectionString: url, max: 16 });
  try {
    await runMigrations(url, ALL_MIGRATIONS);
    const plain = new PostgresEventStore(pool);
    const sealing = new PostgresEventStore(pool, {
      sealing: new PersonalDataSealing().register(ENGAGEMENT_PERSONAL_DATA).useKeyWrapper(SecretBox.fromConfig(undefined, { production: false, seed: 'rate' })),
    });
    for (const concurrency of [1, 8]) {
      const runs = { plain: [] as RunStats[], sealed: [] as RunStats[] };
      for (let round = 0; round < 3; round++) {
        // 5 appends per op: the opening and 4 drafts
        runs.plain.push(await runFor(concurrency, 4000, (w, i) => engagement(plain, w, i, 4)));
        runs.sealed.push(await runFor(concurrency, 4000, (w, i) => engagement(sealing, w, i, 4)));
      }
      const p = median(runs.plain).perSecond * 5;
      const s = median(runs.sealed).perSecond * 5;
      console.log(`concurrency ${concurrency}: ${p.toFixed(0)} appends/s without sealing, ${s.toFixed(0)} appends/s sealed (${((s / p) * 100).toFixed(0)}%)`);
    }
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
