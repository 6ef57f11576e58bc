// A quick measurement, not part of `npm run bench`: the reminder worker's subject reads (a batch's
// engagements and homework, scoped by the transaction's practice) as the service role, written the
// old way (`practice_id = coalesce($n, current_setting(…))`, which row-level security keeps out of
// the index) and the current way (practiceOrScoped). Against a database a reminders bench left:
// `npm run build && BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/coaching_bench node dist/bench/scoped-reads.js`
// (it only reads, in a transaction it rolls back).
import pg from 'pg';
import { practiceOrScoped } from '#event-store';
import { BENCH_DATABASE_URL } from './support.js';

const PRACTICE = process.env.BENCH_PRACTICE ?? 'bench-reminders';
const ROUNDS = 20;

const asWritten = (p: number) => `coalesce($${p}::text, current_setting('app.practice_id', true))`;

function statements(practice: (p: number) => string, engagements: string[], homework: string[]): [string, unknown[]][] {
  return [
    [`SELECT id, title, coach_name, client_name, updated_at FROM engagements WHERE practice_id = ${practice(2)} AND id = ANY($1::uuid[])`, [engagements, null]],
    [
      `SELECT h.id, h.status, d.id AS draft_id FROM homework h
         LEFT JOIN drafts d ON d.practice_id = h.practice_id AND d.id = h.latest_draft_id AND h.status = 'SUBMITTED'
        WHERE h.practice_id = ${practice(3)} AND h.engagement_id = ANY($1::uuid[]) AND ($2::uuid[] IS NULL OR h.id = ANY($2::uuid[]))`,
      [engagements, homework, null],
    ],
  ];
}

async function main(): Promise<void> {
  const client = new pg.Client({ connectionString: Object.assign(new URL(BENCH_DATABASE_URL), { username: 'coaching_app' }).toString() });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('app.practice_id', $1, true)", [PRACTICE]);
    const { rows } = await client.query<{ engagement_id: string; id: string }>('SELECT engagement_id, id FROM homework ORDER BY random() LIMIT 500');
    if (rows.length === 0) throw new Error(`no homework of practice ${PRACTICE} in ${new URL(BENCH_DATABASE_URL).pathname}: run the reminders bench first`);
    const engagements = [...new Set(rows.map((r) => r.engagement_id))];
    const homework = rows.map((r) => r.id);
    const { rows: size } = await client.query<{ e: string; h: string }>(
      'SELECT (SELECT reltuples FROM pg_class WHERE relname = $1)::bigint AS e, (SELECT reltuples FROM pg_class WHERE relname = $2)::bigint AS h',
      ['engagements', 'homework'],
    );
    console.log(`tables (all practices): ~${size[0]!.e} engagements, ~${size[0]!.h} homework; a batch of ${homework.length} homework of ${engagements.length} engagements`);
    for (const [label, practice] of [['coalesce (old)', asWritten], ['practiceOrScoped', practiceOrScoped], ['coalesce (old)', asWritten], ['practiceOrScoped', practiceOrScoped]] as const) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < ROUNDS; i++) for (const [text, values] of statements(practice, engagements, homework)) await client.query(text, values);
      console.log(`${label.padEnd(18)} ${(Number(process.hrtime.bigint() - started) / 1e6 / ROUNDS).toFixed(1)} ms a batch (both statements, mean of ${ROUNDS})`);
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}

await main();
