import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrateTestDatabase, testPool } from '../support/db.js';
import { uniqueId } from '../support/ids.js';
import { startHttpReceiver } from '../support/http-receiver.js';
import { AppProcess } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { restartRedis } from './services.js';
import { freePort, post, tokens } from './shared.js';

// Redis restarts (keeping nothing) with reminders scheduled: every reminder is
// still delivered, each once — PostgreSQL's rows are the truth, Redis the clock.

let owner: pg.Pool;
beforeAll(async () => {
  await migrateTestDatabase();
  owner = testPool(2);
});
afterAll(async () => {
  await owner?.end();
});

it('delivers every scheduled reminder once after Redis lost them all', async () => {
  const receiver = await startHttpReceiver(204);
  const hook = `${receiver.url}/hook`;
  /** the X-Delivery-Id of every webhook received, in order */
  const deliveries = () => receiver.requests.map((r) => String(r.headers['x-delivery-id']));
  const env = { QUEUE_PREFIX: `fault-${randomUUID().slice(0, 8)}`, REMINDER_RECONCILE_MS: '1000', REMINDER_BACKOFF_MS: '200' };
  const port = await freePort();
  const api = await new AppProcess('api', { ...env, PORT: String(port) }).start();
  const worker = await new AppProcess('worker', env).start();
  try {
    const practiceId = uniqueId('fault-redis');
    const admin = await tokens.issue({ practiceId, role: 'ADMIN', sub: 'admin-1' });
    const coach = await tokens.issue({ practiceId, role: 'COACH', sub: 'coach-1' });
    await post(port, admin, 'mutation ($i: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $i) { webhookUrl } }', {
      i: { webhookUrl: hook, dueSoonOffsetsMinutes: [0], overdueAfterMinutes: 600, feedbackWindowMinutes: 600 },
    });
    const opened = await post(port, coach, 'mutation ($i: OpenEngagementInput!) { openEngagement(input: $i) { id } }', {
      i: { coach: { id: 'coach-1', name: 'Coach' }, client: { id: 'client-1', name: 'Client' }, title: 'Redis' },
    });
    const id = opened.body.data.openEngagement.id;
    await post(port, coach, 'mutation ($i: RecordIntakeInput!) { recordIntake(input: $i) { id } }', {
      i: { engagementId: id, presentingQuestion: 'Q', background: '', goals: [], currentStrategy: '', baseline: [] },
    });
    const dueAt = new Date(Date.now() + 15_000).toISOString();
    for (let h = 0; h < 30; h++) {
      await post(port, coach, 'mutation ($i: AssignHomeworkInput!) { assignHomework(input: $i) { id } }', {
        i: { engagementId: id, title: `H${h}`, instructions: '', dueAt },
      });
    }
    // 30 due-soon reminders (at the due time) wait in Redis; the overdue ones are hours away
    await waitFor('30 scheduled due-soon reminders', async () => {
      const { rows } = await owner.query<{ n: string }>(
        "SELECT count(*) AS n FROM reminders WHERE practice_id = $1 AND status = 'SCHEDULED' AND kind = 'HOMEWORK_DUE_SOON'",
        [practiceId],
      );
      return Number(rows[0]!.n) === 30;
    });
    restartRedis();
    expect(deliveries()).toEqual([]);
    await waitFor('30 deliveries()', () => new Set(deliveries()).size >= 30, { timeoutMs: 60_000 });
    await waitFor('30 SENT rows', async () => {
      const { rows } = await owner.query<{ n: string }>("SELECT count(*) AS n FROM reminders WHERE practice_id = $1 AND status = 'SENT'", [practiceId]);
      return Number(rows[0]!.n) === 30;
    });
    expect(deliveries()).toHaveLength(30);
    expect(new Set(deliveries()).size).toBe(30);
    const { rows } = await owner.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE practice_id = $1 AND type = 'ReminderSent'", [practiceId]);
    expect(Number(rows[0]!.n)).toBe(30);
  } catch (err) {
    const { rows } = await owner.query('SELECT status, count(*) FROM reminders GROUP BY 1');
    throw new Error(`${(err as Error).message}\ndeliveries: ${deliveries().length}, reminders: ${JSON.stringify(rows)}\nworker output:\n${worker.output}\napi output:\n${api.output.slice(-3000)}`);
  } finally {
    await worker.stop();
    await api.stop();
    await receiver.close();
  }
}, 120_000);
