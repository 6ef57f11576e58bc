import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { configFrom, parseConfig, TokenService } from '#platform';
import { startApp } from './processes.js';
import { percentile, record } from './support.js';

const PRACTICE = 'bench-reminders';

/**
 * N reminders due at the same instant, delivered by a worker process to a
 * local webhook receiver: time until all are delivered and each one's fire
 * delay (receipt − due time), beside the receiver's own overhead.
 */
export async function benchReminders(pool: pg.Pool, env: Record<string, string>, opts: { reminders: number; engagements: number }): Promise<void> {
  const received = new Map<string, number>();
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const id = req.headers['x-delivery-id'];
      if (typeof id === 'string' && !received.has(id)) received.set(id, Date.now());
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const port = 3950 + Math.floor(Math.random() * 40);
  const api = await startApp('api', env, port);
  const tokens = new TokenService(configFrom(parseConfig({ ...process.env, ...env })));
  const admin = await tokens.issue({ practiceId: PRACTICE, role: 'ADMIN', sub: 'admin-bench' });
  const coach = await tokens.issue({ practiceId: PRACTICE, role: 'COACH', sub: 'coach-bench' });
  const gql = async (token: string, query: string, variables: unknown) => {
    const r = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const b = (await r.json()) as { data?: any; errors?: unknown };
    if (b.errors) throw new Error(JSON.stringify(b.errors));
    return b.data;
  };
  let worker: Awaited<ReturnType<typeof startApp>> | null = null;
  try {
    await gql(admin, 'mutation ($i: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $i) { webhookSecretSet } }', {
      i: { webhookUrl: hookUrl, webhookSecret: 'bench-secret-0123456789', dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 600, feedbackWindowMinutes: 600 },
    });
    const engagements: string[] = [];
    for (let i = 0; i < opts.engagements; i += 16) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(16, opts.engagements - i) }, async () => {
          const d = await gql(coach, 'mutation ($i: OpenEngagementInput!) { openEngagement(input: $i) { id } }', {
            i: { coach: { id: 'coach-bench', name: 'Coach' }, client: { id: 'client-bench', name: 'Client' }, title: 'Bench' },
          });
          await gql(coach, 'mutation ($i: RecordIntakeInput!) { recordIntake(input: $i) { id } }', {
            i: { engagementId: d.openEngagement.id, presentingQuestion: 'Q', background: '', goals: [], currentStrategy: '', baseline: [] },
          });
          return d.openEngagement.id as string;
        }),
      );
      engagements.push(...batch);
    }
    // the same due instant for every homework, far enough ahead to assign them all first
    const perSecondGuess = 150;
    const dueAt = new Date(Date.now() + Math.ceil(opts.reminders / perSecondGuess) * 1000 + 20_000);
    let next = 0;
    const assignStarted = Date.now();
    await Promise.all(
      Array.from({ length: 24 }, async () => {
        for (let i = next++; i < opts.reminders; i = next++) {
          await gql(coach, 'mutation ($i: AssignHomeworkInput!) { assignHomework(input: $i) { id } }', {
            i: { engagementId: engagements[i % engagements.length], title: `Homework ${i}`, instructions: '', dueAt: dueAt.toISOString() },
          });
        }
      }),
    );
    const assignSeconds = (Date.now() - assignStarted) / 1000;
    worker = await startApp('worker', { ...env, REMINDER_CONCURRENCY: process.env.REMINDER_CONCURRENCY ?? '200' });
    // wait until the scheduler has created every row (and its job) before the due time
    for (;;) {
      const { rows } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM reminders WHERE practice_id = $1 AND kind = 'HOMEWORK_DUE_SOON'", [PRACTICE]);
      if (Number(rows[0]!.n) >= opts.reminders) break;
      if (Date.now() > dueAt.getTime()) throw new Error('the scheduler did not create the reminders before their due time; raise the lead time');
      await new Promise((r) => setTimeout(r, 200));
    }
    const deadline = dueAt.getTime() + 120_000;
    while (received.size < opts.reminders && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const delays = [...received.values()].map((t) => t - dueAt.getTime()).sort((a, b) => a - b);
    const allIn = delays.length === opts.reminders ? delays[delays.length - 1]! / 1000 : NaN;
    record({
      section: 'reminders',
      name: `${opts.reminders.toLocaleString('en-US')} reminders due at one instant → all delivered`,
      value: allIn,
      unit: 's after the due time',
      target: 'all within 10 s',
      met: allIn <= 10,
      extra: `${delays.length} delivered of ${opts.reminders}; assigning them took ${assignSeconds.toFixed(1)} s`,
    });
    record({
      section: 'reminders',
      name: 'fire delay (receipt − due time)',
      value: percentile(delays, 99),
      unit: 'ms p99',
      target: 'p99 < 1 s',
      met: percentile(delays, 99) < 1000,
      extra: `p50 ${percentile(delays, 50)} ms`,
    });
  } finally {
    await worker?.stop();
    await api.stop();
    receiver.close();
  }
}
