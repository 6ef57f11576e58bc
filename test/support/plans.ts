import type pg from 'pg';

export interface PlannedStatement {
  text: string;
  /** EXPLAIN (FORMAT JSON), as one string: match it for index names and conditions */
  plan: string;
}

/**
 * The plans of the statements `send` sends, made as the service role (coaching_app, under row-level
 * security: the owner's plans differ, see libs/event-store/src/practice-scope.ts) in a transaction
 * scoped to `practiceId`, rolled back afterwards. With `seqScanOff`, a small test table is not
 * scanned whole whatever the condition, so the plan shows which conditions an index gets.
 */
export async function plansOf<T>(
  pool: pg.Pool,
  practiceId: string,
  send: (q: pg.PoolClient) => Promise<T>,
  opts: { seqScanOff?: boolean } = {},
): Promise<{ result: T; statements: PlannedStatement[] }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL ROLE coaching_app');
    await client.query("SELECT set_config('app.practice_id', $1, true)", [practiceId]);
    if (opts.seqScanOff) await client.query('SET LOCAL enable_seqscan = off');
    const sent: [string, unknown[]][] = [];
    const recording = { query: (text: string, values?: unknown[]) => (sent.push([text, values ?? []]), client.query(text, values)) } as unknown as pg.PoolClient;
    const result = await send(recording);
    const statements: PlannedStatement[] = [];
    for (const [text, values] of sent) {
      const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
      statements.push({ text, plan: JSON.stringify(rows[0]!['QUERY PLAN']) });
    }
    return { result, statements };
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}
